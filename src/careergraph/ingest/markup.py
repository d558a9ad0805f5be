"""Reading the podcast wiki's Markdown: front matter, wikilinks, citations, chapters.

Pure functions over text, with line numbers so every warning can name
``file:line``. Nothing here knows about RDF; :mod:`careergraph.ingest`
turns what these return into triples.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from ..errors import FrontMatterError

__all__ = [
    "Block",
    "Chapter",
    "Citation",
    "FrontMatterError",
    "Link",
    "blocks",
    "chapters",
    "citations",
    "page_and_person_links",
    "parse_seconds",
    "person_links",
    "read_front_matter",
    "section_text",
    "time_spans",
    "wiki_links",
]


_CLOCK = re.compile(r"^\d{1,2}:[0-5]\d(?::[0-5]\d)?$")
#: Bounds on one file's front matter: nothing in the archive comes near them, and a
#: hostile file (a billion-laughs alias bomb, 20,000 nested lists) stops at them.
MAX_FRONT_MATTER = 64 * 1024
MAX_DEPTH = 32
MAX_VALUES = 10_000


class _Checks:
    """What both loaders add to YAML's safe loader: duplicate keys reported, ``12:30`` kept as text.

    YAML 1.1 reads ``12:30`` as the base-60 number 750; in this archive such a
    value is a time, so it stays a string and a note says so.
    """

    notes: list[tuple[int, str]]

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, int] = {}
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=deep)  # type: ignore[attr-defined]
            line = key_node.start_mark.line
            if key in seen:
                # Front matter starts on the file's line 2; marks count from 0.
                first = 2 + seen[key]
                self.notes.append(
                    (line, f"duplicate key {key!r} (first on line {first}); the last value wins")
                )
            seen[key] = line
            if isinstance(value_node, yaml.ScalarNode) and value_node.tag == "tag:yaml.org,2002:int":
                # A plain scalar's style is None from the Python parser, "" from libyaml's.
                if _CLOCK.match(value_node.value) and not value_node.style:
                    self.notes.append(
                        (
                            value_node.start_mark.line,
                            f"value {value_node.value} of {key!r} is read as text, not a number",
                        )
                    )
                    value_node.tag = "tag:yaml.org,2002:str"
        return super().construct_mapping(node, deep=deep)  # type: ignore[misc, no-any-return]


class _Loader(_Checks, yaml.SafeLoader):
    """The pure-Python safe loader, refusing nesting as it composes (used where libyaml is missing)."""

    depth: int = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        # Nesting is refused as it is read, before it can exhaust the stack.
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
                raise FrontMatterError(
                    f"front matter nests deeper than {MAX_DEPTH} levels; skipped", 2 + mark.line
                )
            return super().compose_node(parent, index)  # type: ignore[misc]
        finally:
            self.depth -= 1


_CSafeLoader: Any = getattr(yaml, "CSafeLoader", None)
_NODE_EVENTS = (yaml.ScalarEvent, yaml.AliasEvent, yaml.SequenceStartEvent, yaml.MappingStartEvent)
_START_EVENTS = (yaml.SequenceStartEvent, yaml.MappingStartEvent)
_END_EVENTS = (yaml.SequenceEndEvent, yaml.MappingEndEvent)

if _CSafeLoader is not None:

    class _FastLoader(_Checks, _CSafeLoader):  # type: ignore[misc, valid-type]
        """libyaml's parser and composer (7× faster than the pure-Python one on the snapshot), same checks."""

else:  # pragma: no cover - PyYAML built without libyaml
    _FastLoader = None  # type: ignore[assignment, misc]


def _nesting_line(source: str) -> int | None:
    """The 0-based line of the first node nested deeper than ``MAX_DEPTH``, or None.

    libyaml composes nodes by recursion in C, so nesting is counted first from
    its event stream, which it produces without recursing.
    """
    parser = _CSafeLoader(source)
    try:
        depth = 0
        while (event := parser.get_event()) is not None:
            if isinstance(event, _NODE_EVENTS) and depth >= MAX_DEPTH:
                mark = event.start_mark
                return mark.line if mark is not None else 0
            if isinstance(event, _START_EVENTS):
                depth += 1
            elif isinstance(event, _END_EVENTS):
                depth -= 1
        return None
    except yaml.YAMLError as error:
        # libyaml's scanner runs ahead of its parser and stops a flow collection nested
        # a thousand deep itself: that too is nesting too deep, at the line it names.
        if "nesting depth" not in str(getattr(error, "problem", "")):
            raise
        mark = getattr(error, "problem_mark", None)
        return mark.line if mark is not None else 0
    finally:
        parser.dispose()


def _expanded_size(node: yaml.Node, seen: dict[int, int]) -> int:
    """How many values ``node`` stands for once every alias is expanded (each node counted once per use)."""
    key = id(node)
    if key in seen:
        return seen[key]
    seen[key] = 1  # a node that contains itself counts once
    if isinstance(node, yaml.MappingNode):
        size = 1 + sum(_expanded_size(k, seen) + _expanded_size(v, seen) for k, v in node.value)
    elif isinstance(node, yaml.SequenceNode):
        size = 1 + sum(_expanded_size(item, seen) for item in node.value)
    else:
        size = 1
    seen[key] = min(size, MAX_VALUES + 1)
    return seen[key]


def read_front_matter(text: str) -> tuple[dict[str, Any], int, list[tuple[int, str]]]:
    """The YAML front matter of a page, the line its body starts on, and notes by line.

    Lines are counted from 1 in the whole file.

    >>> meta, body_line, notes = read_front_matter('---\\ntitle: "X"\\nat: 12:30\\nat: 1\\n---\\nbody')
    >>> meta, body_line
    ({'title': 'X', 'at': 1}, 6)
    >>> notes
    [(3, "value 12:30 of 'at' is read as text, not a number"), (4, "duplicate key 'at' (first on line 3); the last value wins")]
    """
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        raise FrontMatterError("no front matter: the file does not start with ---", 1)
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() == "---")
    except StopIteration:
        raise FrontMatterError("front matter is not closed with ---", 1) from None
    source = "\n".join(lines[1:end])
    if len(source) > MAX_FRONT_MATTER:
        raise FrontMatterError(f"front matter is over {MAX_FRONT_MATTER // 1024} KB; skipped", 2)
    if _FastLoader is not None:
        try:
            deep = _nesting_line(source)
        except yaml.YAMLError:
            deep = None  # the loader below reports it, with its line
        if deep is not None:
            raise FrontMatterError(f"front matter nests deeper than {MAX_DEPTH} levels; skipped", 2 + deep)
        loader: Any = _FastLoader(source)
    else:
        loader = _Loader(source)
    loader.notes = []
    try:
        node = loader.get_single_node()
        if node is not None:
            values = _expanded_size(node, {})
            if values > MAX_VALUES:
                raise FrontMatterError(
                    f"front matter expands to over {MAX_VALUES} values through YAML aliases; skipped", 2
                )
        meta = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = 2 + (mark.line if mark is not None else 0)
        reason = getattr(error, "problem", None) or str(error)
        raise FrontMatterError(f"front matter is not valid YAML: {reason}", line) from None
    finally:
        loader.dispose()
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        raise FrontMatterError("front matter is not a mapping of keys to values", 2)
    notes = [(2 + line, message) for line, message in loader.notes]
    return meta, end + 2, sorted(notes)


# --- times ---------------------------------------------------------------------

_TIME = r"\d{1,2}:[0-5]\d(?::[0-5]\d)?"
_SPAN = re.compile(rf"(?<![\d:])({_TIME})(?:\s*[-–—]\s*({_TIME}))?(?![\d:])")


def parse_seconds(stamp: str) -> int:
    """``M:SS`` or ``H:MM:SS`` as seconds.

    >>> parse_seconds("8:49"), parse_seconds("1:02:27")
    (529, 3747)
    """
    total = 0
    for part in stamp.split(":"):
        total = total * 60 + int(part)
    return total


def time_spans(text: str) -> list[tuple[int, int | None]]:
    """Every time or time range in ``text``, as (start, end) seconds; end None for a single time.

    >>> time_spans("Ben's talk at 8:49-13:19 and 44:23-52:14")
    [(529, 799), (2663, 3134)]
    >>> time_spans("at Scale, 23:01–25:20 / 27:56 / 1:02:03-1:05:00")
    [(1381, 1520), (1676, None), (3723, 3900)]
    >>> time_spans("7 Lessons, Tools")
    []
    """
    return [(parse_seconds(start), parse_seconds(end) if end else None) for start, end in _SPAN.findall(text)]


# --- blocks and links ------------------------------------------------------------


@dataclass
class Block:
    """A paragraph or list of the page body: its text, first line and section heading."""

    text: str
    line: int
    section: str = ""

    def line_at(self, offset: int) -> int:
        """The file line of the character at ``offset`` in the block's text.

        >>> Block("one\\ntwo [[x]]", line=7).line_at(8)
        8
        """
        return self.line + self.text.count("\n", 0, offset)


_HEADING = re.compile(r"^#{1,6}\s+(.*?)\s*#*\s*$")


def blocks(body: str, *, first_line: int = 1) -> list[Block]:
    """Split a Markdown body into blocks at blank lines, remembering each one's section.

    >>> [(b.line, b.section, b.text) for b in blocks("Intro\\n\\n## Shift\\nOne\\ntwo\\n\\nThree", first_line=5)]
    [(5, '', 'Intro'), (8, 'Shift', 'One\\ntwo'), (11, 'Shift', 'Three')]
    """
    result: list[Block] = []
    section = ""
    current: list[str] = []
    start = first_line
    for number, line in enumerate(body.split("\n"), start=first_line):
        heading = _HEADING.match(line) if line.startswith("#") else None  # most lines are no heading
        if heading or not line.strip():
            if current:
                result.append(Block("\n".join(current), start, section))
                current = []
            if heading:
                section = heading.group(1)
            continue
        if not current:
            start = number
        current.append(line)
    if current:
        result.append(Block("\n".join(current), start, section))
    return result


def section_text(body: str, heading: str, *, first_line: int = 1) -> tuple[str, int] | None:
    """The text under the section ``heading`` (to the next heading) and its first line, or None.

    >>> section_text("# Ada\\n\\n## Background\\nShe codes.\\nA lot.\\n## Links\\nx", "Background", first_line=9)
    ('She codes.\\nA lot.', 12)
    """
    lines = body.split("\n")
    for number, line in enumerate(lines):
        match = _HEADING.match(line)
        if match and match.group(1).strip().casefold() == heading.casefold():
            rest = []
            for following in lines[number + 1 :]:
                if re.match(r"^#{1,6}\s", following):
                    break
                rest.append(following)
            return "\n".join(rest).strip(), first_line + number + 1
    return None


@dataclass(frozen=True)
class Link:
    """A ``[[target|text]]`` link: its target, shown text and offset in the block."""

    target: str
    text: str
    offset: int


#: Greedy where a lazy run finds the same link: the rest of the pattern starts with "|" or "]", which the
#: run's class leaves out, so it can follow only the longest run. The lazy form tried the rest after every
#: character: 2.3 times as long on the snapshot's pages.
_LINK = re.compile(r"\[\[([^\[\]|]+)(?:\|([^\[\]]*))?\]\]")


def _links(text: str) -> list[tuple[str, str, int]]:
    """Each link's target, shown text and offset (a :class:`Link` is made only of the ones a caller keeps)."""
    if "[[" not in text:
        return []  # most sentences link nothing: no need to scan them
    found = []
    for match in _LINK.finditer(text):
        target = match.group(1).strip()
        found.append((target, (match.group(2) or target).strip(), match.start()))
    return found


def page_and_person_links(text: str) -> tuple[list[Link], list[Link]]:
    """The links to wiki pages and to people in ``text`` (:func:`wiki_links`, :func:`person_links`), read once.

    >>> pages, people = page_and_person_links("[[MLOps]] by [[person:ada|Ada]] in [[podcast:ep|Ep]]")
    >>> [(l.target, l.offset) for l in pages], [(l.target, l.text, l.offset) for l in people]
    ([('MLOps', 0)], [('ada', 'Ada', 13)])
    """
    pages: list[Link] = []
    people: list[Link] = []
    for target, shown, offset in _links(text):
        if ":" not in target:
            pages.append(Link(target, shown, offset))
        elif target.startswith("person:"):
            people.append(Link(target.split(":", 1)[1].strip(), shown, offset))
    return pages, people


def wiki_links(text: str) -> list[Link]:
    """Links to wiki pages (``[[Page Title]]``, ``[[slug|text]]``), not to people or episodes.

    >>> [(l.target, l.text) for l in wiki_links("See [[MLOps]] and [[a-b-testing|A/B testing]], [[person:x|X]].")]
    [('MLOps', 'MLOps'), ('a-b-testing', 'A/B testing')]
    """
    return page_and_person_links(text)[0]


def person_links(text: str) -> list[Link]:
    """``[[person:slug|Name]]`` links, with the slug as target.

    >>> [(l.target, l.text) for l in person_links("[[person:benwilson|Ben Wilson]] says")]
    [('benwilson', 'Ben Wilson')]
    """
    return page_and_person_links(text)[1]


@dataclass(frozen=True)
class Citation:
    """``[[podcast:slug|text at 8:49-13:19]]``: the episode slug, the text, its time spans."""

    episode: str
    text: str
    spans: tuple[tuple[int, int | None], ...] = field(default=())
    offset: int = 0


def citations(text: str) -> list[Citation]:
    """The episode citations in ``text``, with their time spans (none when the text gives no time).

    >>> [(c.episode, c.spans) for c in citations("([[podcast:ep-1|Ben at 8:49-13:19 and 44:23]])")]
    [('ep-1', ((529, 799), (2663, None)))]
    """
    return [
        Citation(target.split(":", 1)[1].strip(), shown, tuple(time_spans(shown)), offset)
        for target, shown, offset in _links(text)
        if target.startswith("podcast:")
    ]


# --- chapters ----------------------------------------------------------------------

_CHAPTER = re.compile(rf"^\s*[-*]\s+({_TIME})\s+[-–—]\s+\[(.+?)\]\((\S+?)\)\s*$")


@dataclass(frozen=True)
class Chapter:
    """A chapter of an episode summary: its start second, title and link."""

    start: int
    title: str
    url: str
    line: int


def chapters(body: str, *, first_line: int = 1) -> list[Chapter]:
    """The ``- M:SS - [title](url)`` lines of a summary's chapter list, in order.

    >>> chapters("## Chapter Summary\\n- 0:00 - [Intro](https://y/?v=a&t=0)\\n- 2:14 - [Guest](https://y/?v=a&t=134)")
    [Chapter(start=0, title='Intro', url='https://y/?v=a&t=0', line=2), Chapter(start=134, title='Guest', url='https://y/?v=a&t=134', line=3)]
    """
    found = []
    for number, line in enumerate(body.split("\n"), start=first_line):
        match = _CHAPTER.match(line)
        if match:
            found.append(
                Chapter(parse_seconds(match.group(1)), match.group(2).strip(), match.group(3), number)
            )
    return found
