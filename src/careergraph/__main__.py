"""``python -m careergraph``: the same as the ``careergraph`` command."""

from .launch import main

if __name__ == "__main__":
    main()
