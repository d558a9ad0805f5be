"""The query toolkit: named SPARQL queries, checked read-only, bound, run bounded in time, written.

One module a job: :mod:`.catalogue` (the named queries and their parameters),
:mod:`.safety` (the check, on rdflib's parse), :mod:`.params` (binding values),
:mod:`.terms` (plain terms and answers), :mod:`.output` (an answer's rows),
:mod:`.workers` (worker processes and the watchdog), :mod:`.results` (the W3C
formats and the table) and :mod:`.portable` (the same answer from every engine).

A named query is a ``.rq`` file in ``queries/``. Its leading comment says what
it answers (first line) and which parameters it takes::

    # Every cited segment that is evidence for a transition.
    # @param from role  The role the transition starts from.
    # @param to role    The role it leads to.

A parameter is a variable of the query (``?from``) bound to a value before the
query runs: rdflib's ``initBindings``, or, for an engine that binds only
projected variables, a ``VALUES`` written into the pattern as a term (never as
text the value could break out of: :func:`.params.turtle_term`). Its
kind says how a value is read: ``role``, ``skill``, ``tool``, ``topic``,
``guest`` and ``episode`` take a label (case-insensitive) or an IRI;
``string``, ``integer`` and ``iri`` take the value as it is.

Before a query runs, :func:`.safety.check_query` refuses updates, ``LOAD``,
``SERVICE`` (anywhere, nested too) and ``FROM``/``FROM NAMED``: nothing a
query does can write or reach outside the loaded graph. Neither rdflib nor
pyoxigraph can stop a running query, so a process is what the time limit
stops: :func:`careergraph.run.run_query` runs the query in a worker process
(:class:`.workers.QueryWorker`) that is killed when the limit passes, or, for a
one-shot command, in the command's own process, which a watchdog thread ends
(:class:`.workers.Watchdog`).
"""
