"""Reading the podcast wiki's Markdown: front matter, wikilinks, citations, chapters.

Pure functions over text, with line numbers so every warning can name
``file:line``. Nothing here knows about RDF; :mod:`careergraph.ingest`
turns what these return into triples.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ..errors import FrontMatterError
from .bounds import MAX_FRONT_MATTER, MAX_VALUES

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


# --- front matter ----------------------------------------------------------------

#: A double-quoted YAML string on one line without escapes: its text is what the quotes hold. Never with what
#: YAML refuses or reads as a line break (controls, U+0085, U+2028/9, a BOM, U+FFFE/F).
_QUOTED = r'"[^"\\\x00-\x1f\x7f-\xa0\u2028\u2029\ud800-\udfff\ufeff\ufffe\uffff]*"'
#: A plain YAML scalar read as a string (or, in ``_WORDS``, as true, false or null): a letter or "/" first,
#: as no indicator, number, date or float starts, then only words, spaces and marks that mean nothing more
#: (no ":", "#", ",", quote or bracket); or a whole number in decimals. Its words are taken one run of
#: spaces at a time and it never ends in a space, so a text splits into scalars and separators one way only:
#: a run that could end in spaces, beside separators that may start with them, made a line such as an
#: unclosed "[a , b , c ..." take exponential time.
_SCALAR = r"(?:[^\W\d_]|/)[\w/.()&+'-]*(?: +[\w/.()&+'-]+)*|0|[1-9][0-9]*"
_VALUE = rf"({_QUOTED})|({_SCALAR})"
#: A top-level key and what its line sets it to: a scalar, a one-line list of scalars, or nothing (null,
#: or the list of the items on the lines below). YAML refuses a plain key over 1,024 characters.
_ENTRY = re.compile(
    rf"([A-Za-z_][A-Za-z0-9_-]{{0,1023}}):(?: +(?:{_VALUE}|(\[ *(?:(?:{_VALUE})(?: *, *(?:{_VALUE}))*)? *\])))? *"
)
_LISTED = re.compile(rf"(?:{_VALUE})(?= *[,\]])")
_ITEM = re.compile(rf"( *)- +(?:{_VALUE}) *")
#: The plain scalars YAML 1.1 reads as true, false and null rather than as strings.
_WORDS: dict[str, bool | None] = {
    **dict.fromkeys(("yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"), True),
    **dict.fromkeys(("no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"), False),
    **dict.fromkeys(("null", "Null", "NULL"), None),
}


def _plain_front_matter(lines: list[str]) -> dict[str, Any] | None:
    """The front matter ``lines`` as YAML reads them, where each line is in one of the plain forms above and
    no key repeats; None where not (the YAML loader then reads them, and says what is wrong).

    The snapshot's files are all written so, and this costs a tenth of what the YAML loader does.

    >>> _plain_front_matter(['title: "A: B"', "season: 3", 'tags: [wiki, "a, b"]', "draft: false", "related:", " - Data Role"])
    {'title': 'A: B', 'season': 3, 'tags': ['wiki', 'a, b'], 'draft': False, 'related': ['Data Role']}
    >>> _plain_front_matter(["at: 12:30"]) is None  # a base-60 number to YAML 1.1, noted by the YAML loader
    True
    """
    meta: dict[str, Any] = {}
    values = 1  # as the YAML loader bounds them: the mapping, each key and value, each item
    bare: str | None = None  # the last key set to nothing, whose items may follow on the lines below
    indent = ""
    for line in lines:
        if bare is not None and (item := _ITEM.fullmatch(line)) is not None:
            if meta[bare] is None:
                meta[bare], indent = [], item[1]
            elif item[1] != indent:
                return None
            meta[bare].append(_scalar(item[2], item[3]))
            values += 1
            continue
        entry = _ENTRY.fullmatch(line)
        if entry is None or entry[1] in meta or entry[1] in _WORDS:
            return None
        bare = None
        if entry[4] is not None:
            meta[entry[1]] = [_scalar(found[1], found[2]) for found in _LISTED.finditer(entry[4])]
            values += len(meta[entry[1]])
        elif entry[2] is not None or entry[3] is not None:
            meta[entry[1]] = _scalar(entry[2], entry[3])
        else:
            meta[entry[1]], bare = None, entry[1]
        values += 2
    return meta if values <= MAX_VALUES else None


def _scalar(quoted: str | None, plain: str) -> Any:
    """What a scalar in the plain forms reads as: the text between its quotes, a number, a word's value."""
    if quoted is not None:
        return quoted[1:-1]
    if plain[0] in "0123456789":  # not isdigit(): a letter-first text may start with "²" or "①"
        return int(plain)
    return _WORDS.get(plain, plain)


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
    meta = _plain_front_matter(lines[1:end])
    if meta is not None:
        return meta, end + 2, []
    from .front_yaml import load_front_matter  # PyYAML, imported only for front matter that needs it

    meta, notes = load_front_matter(source)
    return meta, end + 2, notes


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
