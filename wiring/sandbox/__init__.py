"""The sandbox: the real bot in a browser, with no Slack workspace.

`python -m bot sandbox` starts, in one process, the Slack emulator (`slack_emulator`, the one the
tests use) on another loopback port, an SMTP sink, a bank simulator and the bot itself, built by
the same `build_runtime` and reached over the same signed `/slack/events` path. Its page at
`/sandbox` shows the demo workspace and acts as one of its people. `serve` never mounts any of it.

Modules: `workspace` (the demo people and channels, the settings the sandbox runs with),
`demo_data` (the demo customer base, loaded into an empty database), `mailbox` (the SMTP sink),
`bank` (simulated transfers, and their control on the order page), `web` (the page and its
JSON API), `run` (starting it all).
"""
