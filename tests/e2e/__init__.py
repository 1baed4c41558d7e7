"""Browser tests: real Chromium against a real web process."""
