"""Routes between roles: the role projection, its form in the cache, the search, and the answers."""
