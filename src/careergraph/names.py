"""Resolving what people type ("MLE", "data scientists", "k8s") to IRIs.

A :class:`LabelIndex` maps the normalised preferred and alternative labels of
roles, skills, tools, topics, guests and episodes to their IRIs, and suggests
the closest known names when a name is unknown. It holds IRIs as plain
strings and imports rdflib only to read a graph. Saved to a SQLite database,
it is read back as a :class:`StoredLabelIndex`, whose lookups read a few rows
by index: the cache answers a name without loading every name there is.

Examples
--------
>>> from rdflib import Graph
>>> g = Graph().parse(format="turtle", data='''
...   @prefix skos: <http://www.w3.org/2004/02/skos/core#> .
...   @prefix cg: <https://w3id.org/careergraph/ontology#> .
...   <https://w3id.org/careergraph/id/role/data-scientist> skos:inScheme cg:Roles ;
...       skos:prefLabel "Data Scientist"@en ; skos:altLabel "DS"@en .
... ''')
>>> index = LabelIndex.from_graph(g)
>>> index.resolve("role", "data scientists")
'https://w3id.org/careergraph/id/role/data-scientist'
>>> index.resolve("role", "Data Sceintist")
Traceback (most recent call last):
...
careergraph.errors.UnknownNameError: unknown role 'Data Sceintist'; did you mean: Data Scientist?
"""

from __future__ import annotations

from .prefixes import CONCEPT_KINDS, KINDS, local_name

TYPE_CHECKING = False  # typing itself is not imported at run time: see careergraph.record
if TYPE_CHECKING:
    import sqlite3
    from collections.abc import Collection, Iterable
    from typing import Any

    from rdflib import Graph

    from .facts import Facts

__all__ = ["KINDS", "LabelIndex", "Names", "StoredLabelIndex", "normalise", "variants"]

_SKOS = "http://www.w3.org/2004/02/skos/core#"
_PREF_LABEL, _ALT_LABEL = _SKOS + "prefLabel", _SKOS + "altLabel"
#: What names a guest and an episode, display name first.
_GUEST_NAMES = ("https://schema.org/name", "https://schema.org/alternateName")
_EPISODE_NAMES = ("https://schema.org/name", "https://w3id.org/careergraph/ontology#slug")


def normalise(name: str) -> str:
    """Case-fold, trim and collapse spaces, hyphens and underscores.

    Without :mod:`re` (a warm named query imports no more than it needs):
    :meth:`str.split` splits on the same whitespace as ``\\s``.

    >>> normalise("  Full-Stack   Data_Scientist ")
    'full stack data scientist'
    >>> normalise("a\\u00a0\\u2003b__-c")
    'a b c'
    """
    return " ".join(name.casefold().replace("-", " ").replace("_", " ").split())


def variants(key: str) -> list[str]:
    """Keys to try for a normalised name: itself, without a trailing "role", singular.

    >>> variants("data scientists role")
    ['data scientists role', 'data scientists', 'data scientist']
    """
    keys = [key]
    if key.endswith(" role"):  # a normalised name has single spaces, none at the ends
        keys.append(key[: -len(" role")])
    for k in list(keys):
        if k.endswith("ies"):
            keys.append(k[:-3] + "y")
        elif k.endswith("s") and not k.endswith("ss"):
            keys.append(k[:-1])
    return keys


class Names:
    """Lookups and suggestions over an index of names; subclasses say where the names are kept.

    A subclass answers four questions: which IRIs of a kind have a normalised
    name (:meth:`iris`), every name of a kind (:meth:`names`), an IRI's kind
    (:meth:`kind`) and its display label (:meth:`display`).
    """

    def iris(self, kind: str, key: str) -> Collection[str]:
        """The IRIs of the ``kind`` s known by the normalised name ``key``."""
        raise NotImplementedError

    def names(self, kind: str) -> Iterable[tuple[str, str]]:
        """Every (normalised name, IRI) of ``kind``."""
        raise NotImplementedError

    def kind(self, iri: str) -> str | None:
        """The kind of ``iri``, or None when it is not in the index."""
        raise NotImplementedError

    def display(self, iri: str) -> str | None:
        """The display label of ``iri``, or None."""
        raise NotImplementedError

    def label(self, iri: Any) -> str:
        """The display label of ``iri`` (its last path segment if it has none)."""
        return self.display(str(iri)) or local_name(iri)

    def known(self, kind: str) -> list[str]:
        """The display labels of every ``kind`` in the index, sorted."""
        iris = {iri for _key, iri in self.names(kind)}
        return sorted({self.label(iri) for iri in iris}, key=str.casefold)

    def lookup(self, kind: str, name: str) -> str | None:
        """The IRI of the ``kind`` called ``name``, or None (also when ``name`` is ambiguous)."""
        name = _printable(name)
        if name.startswith(("http://", "https://")):
            return name if self.kind(name) == kind else None
        for key in variants(normalise(name)):
            iris = self.iris(kind, key)
            if len(iris) == 1:
                return next(iter(iris))
        return None

    def resolve(self, kind: str, name: str) -> str:
        """The IRI of the ``kind`` called ``name``.

        Raises
        ------
        UnknownNameError
            with up to five of the closest known names.
        """
        name = _printable(name)
        iri = self.lookup(kind, name)
        if iri is None:
            from .errors import UnknownNameError

            raise UnknownNameError(kind, name, self.suggest(kind, name))
        return iri

    def suggest(self, kind: str, name: str, *, limit: int = 5) -> list[str]:
        """Display labels of the ``kind`` s whose names are closest to ``name``."""
        import difflib
        from collections import defaultdict

        key = normalise(_printable(name))
        scores: dict[str, float] = defaultdict(float)
        for candidate, iri in self.names(kind):
            ratio = difflib.SequenceMatcher(None, key, candidate).ratio()
            if key and (key in candidate or candidate in key):
                ratio = max(ratio, 0.75)
            scores[iri] = max(scores[iri], ratio)
        ranked = sorted(
            (iri for iri, score in scores.items() if score >= 0.6),
            key=lambda iri: (-scores[iri], self.label(iri)),
        )
        return [self.label(iri) for iri in ranked[:limit]]


def _printable(name: str) -> str:
    """``name`` with any bytes that were not UTF-8 (which reach ``argv`` as lone surrogates, and
    which no label holds) shown as U+FFFD: looked up, suggested for and said like any other name,
    where SQLite and the terminal would refuse the surrogates.

    >>> _printable("Data\\udcffScientist"), _printable("\\ud800x")
    ('Data\ufffdScientist', '\ufffdx')
    """
    if name.isascii():
        return name
    return "".join("\ufffd" if "\ud800" <= c <= "\udfff" else c for c in name)


class LabelIndex(Names):
    """Labels of named things, by kind, in memory: built from a graph, saved to a database.

    ``keys``: kind -> normalised label -> IRIs with that label; ``labels``: IRI -> its display
    label; ``kinds``: IRI -> its kind. (A plain class, not a dataclass: see :mod:`careergraph.record`.)
    """

    def __init__(
        self,
        keys: dict[str, dict[str, set[str]]] | None = None,
        labels: dict[str, str] | None = None,
        kinds: dict[str, str] | None = None,
    ) -> None:
        self.keys = {} if keys is None else keys
        self.labels = {} if labels is None else labels
        self.kinds = {} if kinds is None else kinds

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return (self.keys, self.labels, self.kinds) == (other.keys, other.labels, other.kinds)  # type: ignore[attr-defined]

    __hash__ = None  # type: ignore[assignment]  # mutable, as the dataclass was

    def __repr__(self) -> str:
        return f"LabelIndex(keys={self.keys!r}, labels={self.labels!r}, kinds={self.kinds!r})"

    @classmethod
    def from_graph(cls, graph: Graph) -> LabelIndex:
        """Index the roles, skills, tools and topics (SKOS), guests and episodes of ``graph``."""
        from .facts import LABELS_PULL, Facts

        return cls.from_facts(Facts.from_graph(graph, LABELS_PULL))

    @classmethod
    def from_facts(cls, facts: Facts) -> LabelIndex:
        """Index the named things of ``facts`` (holding at least :data:`careergraph.facts.LABELS_PULL`)."""
        from .facts import IN_SCHEME, RDF_TYPE, is_iri

        index = cls()
        # Each predicate's subjects looked up once, not once a thing (a quarter of a million at 5 M triples).
        prefs, alts = facts.by_subject(_PREF_LABEL), facts.by_subject(_ALT_LABEL)
        for kind in CONCEPT_KINDS:
            for concept in facts.subjects(IN_SCHEME, KINDS[kind]):
                if is_iri(concept):
                    pref = sorted(map(str, prefs.get(concept, ())))
                    index.add(kind, concept, pref + sorted(map(str, alts.get(concept, ()))))
        for kind, props in (("guest", _GUEST_NAMES), ("episode", _EPISODE_NAMES)):
            named = [facts.by_subject(prop) for prop in props]
            for thing in facts.subjects(RDF_TYPE, KINDS[kind]):
                if is_iri(thing):
                    index.add(kind, thing, [str(o) for by in named for o in sorted(by.get(thing, ()))])
        return index

    def add(self, kind: str, iri: Any, names: list[str]) -> None:
        """Add ``iri`` as a ``kind`` known by ``names`` (the first is its display label)."""
        iri = str(iri)
        if not names:
            names = [local_name(iri)]
        self.labels.setdefault(iri, names[0])
        self.kinds.setdefault(iri, kind)
        by_key = self.keys.setdefault(kind, {})
        # The IRI's last segment (a slug) names it too.
        for name in [*names, local_name(iri)]:
            by_key.setdefault(normalise(name), set()).add(iri)

    def iris(self, kind: str, key: str) -> Collection[str]:
        return self.keys.get(kind, {}).get(key, ())

    def names(self, kind: str) -> Iterable[tuple[str, str]]:
        return ((key, iri) for key, iris in self.keys.get(kind, {}).items() for iri in iris)

    def kind(self, iri: str) -> str | None:
        return self.kinds.get(iri)

    def display(self, iri: str) -> str | None:
        return self.labels.get(iri)

    def save(self, db: sqlite3.Connection) -> None:
        """Write the index to ``db``, which :class:`StoredLabelIndex` reads."""
        db.executescript(_SCHEMA)
        db.executemany(
            "INSERT INTO name VALUES (?, ?, ?)",
            sorted(
                (kind, key, iri)
                for kind, keys in self.keys.items()
                for key, iris in keys.items()
                for iri in iris
            ),
        )
        db.executemany(
            "INSERT INTO thing VALUES (?, ?, ?)",
            sorted((iri, self.kinds[iri], label) for iri, label in self.labels.items()),
        )
        db.commit()


_SCHEMA = """
CREATE TABLE name (kind TEXT NOT NULL, key TEXT NOT NULL, iri TEXT NOT NULL,
                   PRIMARY KEY (kind, key, iri)) WITHOUT ROWID;
CREATE TABLE thing (iri TEXT PRIMARY KEY, kind TEXT NOT NULL, label TEXT NOT NULL) WITHOUT ROWID;
"""


class StoredLabelIndex(Names):
    """A :class:`LabelIndex` saved to a database: each lookup reads a few rows by index.

    >>> import sqlite3
    >>> index = LabelIndex()
    >>> index.add("role", "https://example.org/role/ds", ["Data Scientist", "DS"])
    >>> db = sqlite3.connect(":memory:")
    >>> index.save(db)
    >>> stored = StoredLabelIndex(db)
    >>> stored.resolve("role", "ds"), stored.suggest("role", "data scientis")
    ('https://example.org/role/ds', ['Data Scientist'])
    """

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def iris(self, kind: str, key: str) -> Collection[str]:
        rows = self.db.execute("SELECT iri FROM name WHERE kind = ? AND key = ?", (kind, key))
        return [iri for (iri,) in rows]

    def names(self, kind: str) -> Iterable[tuple[str, str]]:
        return self.db.execute("SELECT key, iri FROM name WHERE kind = ?", (kind,))

    def kind(self, iri: str) -> str | None:
        row = self.db.execute("SELECT kind FROM thing WHERE iri = ?", (iri,)).fetchone()
        return None if row is None else row[0]

    def display(self, iri: str) -> str | None:
        row = self.db.execute("SELECT label FROM thing WHERE iri = ?", (iri,)).fetchone()
        return None if row is None else row[0]
