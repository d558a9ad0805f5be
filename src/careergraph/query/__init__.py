"""Named SPARQL queries, run read-only and bounded in time.

A named query is a ``.rq`` file in ``queries/``. Its leading comment says what
it answers (first line) and which parameters it takes::

    # Every cited segment that is evidence for a transition.
    # @param from role  The role the transition starts from.
    # @param to role    The role it leads to.

A parameter is a variable of the query (``?from``) bound to a value before the
query runs (rdflib's ``initBindings``), never pasted into the query text. Its
kind says how a value is read: ``role``, ``skill``, ``tool``, ``topic``,
``guest`` and ``episode`` take a label (case-insensitive) or an IRI;
``string``, ``integer`` and ``iri`` take the value as it is.

Before a query runs, :func:`check_query` refuses updates, ``LOAD``,
``SERVICE`` (anywhere, nested too) and ``FROM``/``FROM NAMED``: nothing a
query does can write or reach outside the loaded graph. Neither rdflib nor
pyoxigraph can stop a running query, so a process is what the time limit
stops: :func:`careergraph.run.run_query` runs the query in a worker process
(:class:`QueryWorker`) that is killed when the limit passes, or, for a
one-shot command, in the command's own process, which a watchdog thread ends
(:class:`Watchdog`).
"""
