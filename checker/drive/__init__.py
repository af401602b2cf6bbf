"""Stage 2: drive a scenario through a real browser: its steps, the waits, the screenshots, the bounds on every page call."""
