"""Finding careergraph's shipped files and loading Turtle into one rdflib graph.

The shipped ``graph_data/`` and ``queries/`` live at the top of a checkout and
inside an installed wheel (``careergraph/_shipped/``); :func:`shipped_dir`
finds whichever is there. What the CLI loads by default is ``graph_data/``
plus anything the archive importer wrote to :func:`generated_dir`.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path

from .errors import DataFileError

TYPE_CHECKING = False  # typing itself is not imported at run time: see careergraph.record
if TYPE_CHECKING:
    from types import TracebackType

    from rdflib import Graph

__all__ = [
    "DATA_ENV",
    "default_data_paths",
    "generated_dir",
    "load_graph",
    "shipped_dir",
    "turtle_files",
    "write_atomically",
]

DATA_ENV = "CAREERGRAPH_DATA"
#: Files in a data folder that describe the data rather than being part of it.
NOT_DATA = frozenset({"shapes.ttl"})
_FORMATS = {".ttl": "turtle", ".nt": "nt"}
_PACKAGE_DIR = Path(__file__).resolve().parent


def shipped_dir(name: str) -> Path:
    """The folder ``name`` (``graph_data`` or ``queries``) of this installation.

    A wheel carries it as ``careergraph/_shipped/NAME``; a checkout (also an
    editable install) has it at the repository's top, two levels above ``src/careergraph``.
    """
    for candidate in (_PACKAGE_DIR / "_shipped" / name, _PACKAGE_DIR.parents[1] / name):
        if candidate.is_dir():
            return candidate
    raise DataFileError(str(_PACKAGE_DIR), f"cannot find the shipped {name}/ folder")


def generated_dir() -> Path:
    """Where the importer writes graphs by default: ``generated/`` of a checkout (git-ignored).

    An installed careergraph has no checkout; it uses ``~/.local/share/careergraph``
    (or ``$XDG_DATA_HOME/careergraph``) instead.
    """
    checkout = _PACKAGE_DIR.parents[1]
    if (checkout / "pyproject.toml").is_file() and (checkout / "graph_data").is_dir():
        return checkout / "generated"
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "careergraph"


def default_data_paths(env: Mapping[str, str] | None = None) -> list[Path]:
    """The data careergraph loads when ``--data`` is not given.

    ``CAREERGRAPH_DATA`` (paths separated by ``os.pathsep``) replaces the
    default, which is the shipped ``graph_data/`` plus the importer's output.
    """
    found = (os.environ if env is None else env).get(DATA_ENV)
    if found:
        return [Path(p) for p in found.split(os.pathsep) if p]
    paths = [shipped_dir("graph_data")]
    generated = generated_dir()
    if any(turtle_files([generated], missing_ok=True)):
        paths.append(generated)
    return paths


def turtle_files(paths: Iterable[Path], *, missing_ok: bool = False) -> list[Path]:
    """The RDF files named by ``paths``: files as they are, folders' ``*.ttl``/``*.nt`` sorted."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(
                sorted(
                    p
                    for p in path.iterdir()
                    if p.suffix in _FORMATS and p.name not in NOT_DATA and p.is_file()
                )
            )
        elif path.is_file():
            files.append(path)
        elif not missing_ok:
            raise DataFileError(str(path), "no such file or folder")
    return files


def load_graph(paths: Sequence[Path]) -> Graph:
    """Parse every RDF file under ``paths`` into one graph.

    Raises
    ------
    DataFileError
        naming the file (and line, for syntax errors) that could not be read;
        no partly loaded graph is returned.
    """
    from rdflib import Graph

    from .vocab import PREFIXES

    graph = Graph(bind_namespaces="core")
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace, override=True)
    for file in turtle_files(paths):
        parse_file(graph, file)
    return graph


def parse_file(graph: Graph, file: Path) -> None:
    """Parse one RDF file into ``graph``, turning parser errors into :class:`DataFileError`."""
    fmt = _FORMATS.get(file.suffix, "turtle")
    try:
        with _ill_typed_literals_said_once(file):
            graph.parse(file, format=fmt)
    except OSError as error:
        raise DataFileError(str(file), error.strerror or str(error)) from error
    except UnicodeDecodeError as error:
        raise DataFileError(str(file), f"not UTF-8 text ({error.reason})") from error
    except Exception as error:  # rdflib's parsers raise many types; all mean "bad file"
        line = getattr(error, "lines", None)
        # notation3's BadSyntax counts lines from 0; its own message is verbose.
        reason = getattr(error, "_why", None) or str(error).splitlines()[0]
        raise DataFileError(
            str(file), f"syntax error: {reason}", line=None if line is None else line + 1
        ) from error


@contextlib.contextmanager
def _ill_typed_literals_said_once(file: Path) -> Iterator[None]:
    """Say in one line how many literals of ``file`` do not fit their datatype (``"abc"^^xsd:integer``).

    rdflib logs each such literal as it parses it, with a traceback, and keeps it as text: what the
    graph holds is right, only the telling is loud. Its other warnings pass through unchanged.
    """
    import logging

    first: list[str] = []  # what the first one was; the rest are only counted (a record holds its frames)
    count = 0

    def converted(record: logging.LogRecord) -> bool:
        nonlocal count
        if not record.exc_info or record.exc_info[1] is None:  # rdflib's only warning with a traceback
            return True
        if not first:
            first.append(_ill_typed(record.exc_info[1], record.exc_info[2]))
        count += 1
        return False

    rdflib_terms = logging.getLogger("rdflib.term")
    rdflib_terms.addFilter(converted)
    try:
        yield
    finally:  # said also of a file that then does not parse, before its error, as rdflib says them
        rdflib_terms.removeFilter(converted)
        if count:
            said = (
                f"{count} literals do not fit their datatype and are kept as text (the first: {first[0]})"
                if count > 1
                else f"1 literal does not fit its datatype and is kept as text: {first[0]}"
            )
            logging.getLogger(__name__).warning(f"warning: {file}: {said}")


def _ill_typed(error: BaseException, trace: TracebackType | None) -> str:
    """The literal rdflib could not convert, as Turtle writes it, from the frame that caught ``error``
    (its ``lexical`` and ``datatype``); else the error."""
    import json

    found = trace.tb_frame.f_locals if trace is not None else {}
    lexical, datatype = found.get("lexical"), found.get("datatype")
    if not isinstance(lexical, str) or not datatype:
        return f"{type(error).__name__}: {error}"
    shown = lexical if len(lexical) <= 60 else lexical[:59] + "…"
    xsd = "http://www.w3.org/2001/XMLSchema#"
    typed = f"xsd:{str(datatype)[len(xsd) :]}" if str(datatype).startswith(xsd) else f"<{datatype}>"
    return f"{json.dumps(shown, ensure_ascii=False)}^^{typed}"


def write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file in the same folder, then rename."""
    import tempfile

    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    folder.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(text)
        # mkstemp makes the file private; give it the mode a plain open() would.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
