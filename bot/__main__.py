"""`python -m bot`: the entry point the README and SPEC name; the wiring lives in `wiring/`."""

from wiring.cli import main

main(prog_name="python -m bot")
