"""The CLI's commands, one module per group: audit (run, demo, serve-demo), authoring (validate, schema, init,
login, record) and tooling (setup, rules). Each command takes the parsed arguments and returns an exit code."""

EXIT_OK, EXIT_FINDINGS, EXIT_INPUT, EXIT_INTERNAL = 0, 1, 2, 3
# the command ran, but an output could not be written (a full disk, /dev/full, a read-only folder): whatever the
# verdict, a run whose report is missing must not look green, nor like an ordinary failing verdict whose report
# CI can go and read. Each lost artefact is named on stderr; the verdict is still printed.
EXIT_OUTPUT = 4
EXIT_INTERRUPTED = 130  # stopped by Ctrl-C or SIGTERM; the report covers what finished
