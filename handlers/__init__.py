"""Slack in, Slack out: one module per surface or flow; Block Kit builders in `blocks/`."""
