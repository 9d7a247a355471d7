"""``python -m cli``: the same as the ``warmpath`` command."""

from cli import main

if __name__ == "__main__":  # not when a worker process of an import starts (``spawn``)
    main()
