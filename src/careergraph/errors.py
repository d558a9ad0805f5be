"""careergraph's exceptions: one base class, a subclass per kind of failure.

Every message names the thing at fault (the file and line, the unknown name,
the parameter) so the CLI can print it as it is.
"""

from __future__ import annotations

from collections.abc import Iterable


class CareergraphError(Exception):
    """Base class of every error careergraph raises on purpose."""

    #: The CLI's exit status for this kind of error (2: the user's words are off).
    exit_code = 1


def rebuilt(name: str, message: str, exit_code: int) -> CareergraphError:
    """The error a worker process reported as words, of its own class again.

    Errors cross from a worker to its parent as ``(class name, message, exit
    status)``: custom exceptions do not all pickle. A name this module does not
    define gives the base class.

    >>> error = rebuilt("QuerySyntaxError", "not a SPARQL query", 2)
    >>> type(error).__name__, str(error), error.exit_code
    ('QuerySyntaxError', 'not a SPARQL query', 2)
    >>> type(rebuilt("NoSuchError", "odd", 1)).__name__
    'CareergraphError'
    """
    found = globals().get(name)
    kind = found if isinstance(found, type) and issubclass(found, CareergraphError) else CareergraphError
    error = kind.__new__(kind)  # not kind(...): subclasses take other arguments
    Exception.__init__(error, message)
    if error.exit_code != exit_code:
        error.exit_code = exit_code
    return error


class DataFileError(CareergraphError):
    """A data file cannot be read or parsed."""

    def __init__(self, path: str, message: str, *, line: int | None = None) -> None:
        self.path = path
        self.line = line
        where = f"{path}:{line}" if line is not None else path
        super().__init__(f"{where}: {message}")


class WikiFolderError(DataFileError):
    """A folder to import is missing, or holds none of the podcast wiki's folders.

    >>> str(WikiFolderError("/tmp/nowhere", "no such folder"))
    '/tmp/nowhere: no such folder'
    """


class UnknownNameError(CareergraphError):
    """A role, skill, tool, guest or query name that is not in the graph.

    >>> str(UnknownNameError("role", "Data Sceintist", ["Data Scientist"]))
    "unknown role 'Data Sceintist'; did you mean: Data Scientist?"
    """

    exit_code = 2

    def __init__(self, kind: str, name: str, suggestions: Iterable[str] = ()) -> None:
        self.kind = kind
        self.name = name
        self.suggestions = list(suggestions)
        message = f"unknown {kind} {name!r}"
        if self.suggestions:
            message += "; did you mean: " + ", ".join(self.suggestions) + "?"
        super().__init__(message)


class QueryParameterError(CareergraphError):
    """A named query's parameter is missing, unknown or malformed."""

    exit_code = 2


class UnsafeQueryError(CareergraphError):
    """A query would write, load or reach outside the loaded data."""

    exit_code = 2


class QuerySyntaxError(CareergraphError):
    """A query does not parse as SPARQL 1.1."""

    exit_code = 2


class QueryTimeoutError(CareergraphError):
    """A query ran past its time limit and was stopped."""


class UsageError(CareergraphError):
    """The request makes no sense as asked (for example the same role at both ends)."""

    exit_code = 2


class NoPathError(CareergraphError):
    """No route leads from one role to another within the bounds given."""


class QueryMemoryError(CareergraphError):
    """A query needed more memory than it may use, and was stopped."""


class ServerBusyError(CareergraphError):
    """A query ran past its fast-lane budget while the slow lane was full, and was stopped."""


class StoreError(CareergraphError):
    """A store cannot be opened or reached."""


class FrontMatterError(CareergraphError):
    """Front matter that cannot be read; ``line`` is the file's line at fault."""

    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.line = line
