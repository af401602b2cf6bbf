"""The CLI's commands, one module per group: audit (run, demo, serve-demo), authoring (validate, schema, init,
login, record) and tooling (setup, rules). Each command takes the parsed arguments and returns an exit code."""

EXIT_OK, EXIT_FINDINGS, EXIT_INPUT, EXIT_INTERNAL = 0, 1, 2, 3
EXIT_INTERRUPTED = 130  # stopped by Ctrl-C or SIGTERM; the report covers what finished
