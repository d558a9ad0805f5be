"""``python -m careergraph``: the same as the ``careergraph`` command."""

from .cli import main

if __name__ == "__main__":
    main()
