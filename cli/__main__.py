"""``python -m cli``: the same as the ``warmpath`` command."""

from cli import main

main()
