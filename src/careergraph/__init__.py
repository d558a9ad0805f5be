"""careergraph: a knowledge graph of career transitions in data and ML work.

The modules each own one thing: :mod:`careergraph.vocab` (terms and IRIs),
:mod:`careergraph.data` (finding and loading the Turtle), :mod:`careergraph.names`
(resolving labels), :mod:`careergraph.sparql` (safe, bounded named queries),
:mod:`careergraph.validate` (SHACL), :mod:`careergraph.network` (the role
projection), :mod:`careergraph.paths` (route algorithms) and
:mod:`careergraph.viz` (the HTML page). :mod:`careergraph.cli` is a thin layer
over them.
"""

__version__ = "0.1.0"
