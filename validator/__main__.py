"""`python -m validator` is the `dpv` command."""

from .cli import main

main(prog_name="dpv")
