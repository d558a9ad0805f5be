"""Named queries: the ``.rq`` files of ``queries/``, their header and ``@param`` lines."""

from __future__ import annotations

from ..prefixes import KINDS
from ..record import Record

TYPE_CHECKING = False  # typing itself is not imported at run time: see careergraph.record
if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path

# pathlib and the errors are imported where they are used: a warm `careergraph query NAME`
# (careergraph.launch) reads only QUERY_NAME here.

__all__ = ["NamedQuery", "Param", "find_query", "list_queries", "parse_query_text"]

PARAM_KINDS = ("role", "skill", "tool", "topic", "guest", "episode", "string", "integer", "iri")
assert set(PARAM_KINDS) >= set(KINDS), "a kind of name that queries cannot take"
#: compiled on first use (by :mod:`re`'s own cache), not when the module is imported
_PARAM_LINE = r"^#\s*@param\s+(\w+)\s+(\w+)\s*(.*)$"


class Param(Record):
    """A parameter of a named query: a variable name, a kind, what it means, and a value that
    answers something on the shipped data (what the golden answers are run with)."""

    __slots__ = ("name", "kind", "description", "example")
    name: str
    kind: str
    description: str
    example: str

    def __init__(self, name: str, kind: str, description: str = "", example: str = "") -> None:
        self._set(name=name, kind=kind, description=description, example=example)


class NamedQuery(Record):
    """A SPARQL query with its description and parameters.

    ``trusted``: a shipped query (a file in ``queries/``, part of careergraph), checked by its
    tokens only, so that running it needs no SPARQL parser in this process.
    """

    __slots__ = ("name", "text", "description", "params", "source", "trusted")
    name: str
    text: str
    description: str
    params: tuple[Param, ...]
    source: str
    trusted: bool

    def __init__(
        self,
        name: str,
        text: str,
        description: str = "",
        params: tuple[Param, ...] = (),
        source: str = "<query>",
        trusted: bool = False,
    ) -> None:
        self._set(
            name=name, text=text, description=description, params=params, source=source, trusted=trusted
        )

    @property
    def examples(self) -> dict[str, str]:
        """Each parameter's example value, by name (the parameters the golden answer is run with)."""
        return {p.name: p.example for p in self.params}


def parse_query_text(
    text: str, *, name: str = "query", source: str = "<query>", trusted: bool = False
) -> NamedQuery:
    """Read the description and ``@param`` lines of a query's leading comment.

    A ``@param`` line may end in ``@example VALUE``.

    >>> q = parse_query_text("# Roles.\\n# @param role role  The role.  @example Ann\\nSELECT * {}")
    >>> q.description, q.params[0].description, q.examples
    ('Roles.', 'The role.', {'role': 'Ann'})
    """
    description = ""
    params: list[Param] = []
    import re

    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped:
            continue
        if not stripped.startswith("#"):
            break
        match = re.match(_PARAM_LINE, stripped) if "@param" in stripped else None
        if match:
            pname, kind, pdesc = match.groups()
            if kind not in PARAM_KINDS:
                from ..errors import QuerySyntaxError

                raise QuerySyntaxError(
                    f"{source}:{number}: parameter {pname!r} has unknown kind {kind!r} "
                    f"(kinds: {', '.join(PARAM_KINDS)})"
                )
            pdesc, _, example = pdesc.partition("@example")
            params.append(Param(pname, kind, pdesc.strip(), example.strip()))
        elif not description and not stripped.lstrip("#").strip().startswith("@"):
            description = stripped.lstrip("#").strip()
    return NamedQuery(name, text, description, tuple(params), source, trusted)


def list_queries(folder: Path) -> list[NamedQuery]:
    """Every named query in ``folder``, sorted by name."""
    return [
        parse_query_text(p.read_text(encoding="utf-8"), name=p.stem, source=str(p), trusted=True)
        for p in sorted(folder.glob("*.rq"))
    ]


class _QueryName:
    """What a shipped query's name looks like: a file name in the queries folder, no path in it
    (``[A-Za-z0-9][A-Za-z0-9_-]*``, checked without compiling a pattern).

    >>> [bool(QUERY_NAME.fullmatch(n)) for n in ("role-skills", "r_2", "-x", "../x", "", "é")]
    [True, True, False, False, False, False]
    """

    _FIRST = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
    _REST = _FIRST | {"_", "-"}

    def fullmatch(self, text: str) -> bool:
        return bool(text) and text[0] in self._FIRST and all(c in self._REST for c in text)


QUERY_NAME = _QueryName()


def find_query(spec: str, folder: Path, *, stdin_text: str | None = None) -> NamedQuery:
    """The query ``spec`` names: ``-`` (standard input), a path to a ``.rq`` file, or a name.

    A query found by its name in ``folder`` (careergraph's own) is trusted; one
    from a path or standard input is not, and is checked on a full parse. Only
    a bare name (letters, digits, ``-``, ``_``) is looked up in ``folder``, so
    ``../x`` or ``/tmp/x`` can never pass for a shipped query.

    Raises
    ------
    UnknownNameError
        when no query has that name, with the closest names.
    """
    from pathlib import Path

    from ..errors import UnknownNameError

    if spec == "-":
        return parse_query_text(stdin_text or "", name="-", source="<stdin>")
    path = Path(spec)
    if spec.endswith(".rq") or path.is_file():
        if not path.is_file():
            raise UnknownNameError("query file", spec)
        return parse_query_text(path.read_text(encoding="utf-8"), name=path.stem, source=spec)
    if not QUERY_NAME.fullmatch(spec):  # a path to no file, or `../x`: never one of ours
        raise UnknownNameError("query file", spec)
    candidate = folder / f"{spec}.rq"
    if candidate.is_file() and candidate.resolve().parent == folder.resolve():
        return parse_query_text(
            candidate.read_text(encoding="utf-8"), name=spec, source=str(candidate), trusted=True
        )
    import difflib

    names = [p.stem for p in sorted(folder.glob("*.rq"))]
    raise UnknownNameError("query", spec, difflib.get_close_matches(spec, names, n=5, cutoff=0.4))


def parse_param_options(options: Sequence[str]) -> dict[str, str]:
    """Split ``--param NAME=VALUE`` options into a dict.

    >>> parse_param_options(["from=Data Scientist", "to=MLE"])
    {'from': 'Data Scientist', 'to': 'MLE'}
    """
    from ..errors import QueryParameterError

    values: dict[str, str] = {}
    for option in options:
        name, sep, value = option.partition("=")
        if not sep or not name.strip():
            raise QueryParameterError(f"--param takes NAME=VALUE, not {option!r}")
        if name.strip() in values:
            raise QueryParameterError(f"parameter {name.strip()!r} is given twice")
        values[name.strip()] = value
    return values
