"""The `exact-desktop` command: `main.py` builds the parser and hands each command group to its own module."""
