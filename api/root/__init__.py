"""The composition root: settings, the wired services and logging, which HTTP, CLI and workers start from."""
