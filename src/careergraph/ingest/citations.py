"""Reading citations: which episode, and which time ranges, each ``[[podcast:…]]`` link cites.

The wiki writes times inside the link text (``[[podcast:x|… at 8:49-13:19]]``)
and, more often, beside it: ``([[podcast:x|Title]], 2:36-5:28 and 57:39-58:04)``,
``At 6:33-8:00, he …``, ``At 41:41 in [[podcast:x|…]]``. The rule that ties a
time outside a link to an episode:

1. a time inside a podcast link's text belongs to that link;
2. otherwise, to the **nearest** podcast link in the same sentence (a list item
   counts as a sentence), by characters between them;
3. otherwise, to the nearest podcast link **before** it in the same paragraph,
   or when there is none before it, the nearest one after it;
4. a paragraph with no podcast link at all continues the episode of the
   nearest paragraph before it in the same section that cites one, when that
   paragraph cites exactly one episode and this one names no guest of another
   episode (the wiki's ``At 50:15-51:24, she …`` after the paragraph that
   links her episode); the caller decides this and passes ``carried``;
5. otherwise (no podcast link to tie it to, or two links to different
   episodes equally near) it is not attributed: the caller warns with
   ``file:line`` and nothing is guessed.

A time must be possible: ``M:SS`` or ``MM:SS`` (seconds below 60, minutes up
to 99), or ``H:MM:SS``; ``99:99`` or ``1:02:03:04`` are reported as impossible.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

__all__ = ["Cited", "Skipped", "blanked", "read_citations", "seconds"]

#: Anything that looks like a clock time: digits joined by colons, not after a word character, ':' or '.'.
#: That test is made after the first digit, "\d(?<![\w:.]\d)" for "(?<![\w:.])\d" (the same places): a
#: pattern that starts with a character class lets Python's re skip ahead to a digit instead of trying
#: every place, half the time.
_STAMP = re.compile(r"\d(?<![\w:.]\d)\d?(?::\d{2})+(?![\w:])")
#: What follows a time of day rather than a point in an episode ("by 07:00 local time", "at 9:30 am").
_CLOCK = re.compile(
    r"\s*(?:(?i:local\b|[ap]\.?m\b\.?|o'clock|in the (?:morning|afternoon|evening))|(?:UTC|GMT|[A-Z][SD]T|CES?T)\b)"
)
#: A time followed by a range separator and another time.
_RANGE_SEP = re.compile(r"\s*(?:-|–|—|to)\s*")
#: Greedy, as :data:`.markup._LINK` and for its reason: the same links.
_PODCAST = re.compile(r"\[\[podcast:([^\[\]|]+)(?:\|([^\[\]]*))?\]\]")
_OTHER_LINK = re.compile(r"\[\[[^\[\]]*\]\]")
#: Where a sentence ends: after ".", "!" or "?" before a capital or digit, or at a new list item. Both
#: branches start from one class, and the lookbehind says which ("[.!?\n](?<=[.!?])" is "[.!?]"), so
#: Python's re skips ahead to those characters instead of trying both branches at every place.
_SENTENCE_END = re.compile(r"[.!?\n](?:(?<=[.!?])(?=\s+[\"'(\[]?[A-Z0-9])|(?<=\n)\s*(?=[-*+]\s|\d+[.)]\s))")


#: A time stamp's shape: one or two digits, then one or more ':' and two digits.
_DIGITS = re.compile(r"\d{1,2}(?::\d\d)+")


@dataclass(frozen=True)
class Cited:
    """One podcast link: its episode, shown text, offset in the block, and the spans it cites."""

    episode: str
    text: str
    offset: int
    spans: tuple[tuple[int, int | None], ...] = field(default=())


@dataclass(frozen=True)
class Skipped:
    """A time that was not attributed to an episode, with why."""

    offset: int
    stamp: str
    reason: str


def seconds(stamp: str) -> int | None:
    """``M:SS``, ``MM:SS`` or ``H:MM:SS`` as seconds; None for an impossible time.

    >>> seconds("8:49"), seconds("1:02:27"), seconds("99:99"), seconds("1:02:03:04"), seconds("1:75:00"), seconds("5:3")
    (529, 3747, None, None, None, None)
    """
    if not _DIGITS.fullmatch(stamp):
        return None
    parts = [int(p) for p in stamp.split(":")]
    if len(parts) not in (2, 3) or parts[-1] >= 60 or (len(parts) == 3 and parts[1] >= 60):
        return None
    total = 0
    for part in parts:
        total = total * 60 + part
    return total


def _spans_in(text: str, base: int = 0) -> tuple[list[tuple[int, int, int | None, str]], list[Skipped]]:
    """(offset, start, end, written) for each time or range in ``text``; impossible times skipped.

    >>> _spans_in("at 2:36-5:28 and 57:39 - 58:04, then 1:02:03 to 1:05:00")[0]
    [(3, 156, 328, '2:36-5:28'), (17, 3459, 3484, '57:39 - 58:04'), (37, 3723, 3900, '1:02:03 to 1:05:00')]
    >>> [(s.offset, s.stamp, s.reason) for s in _spans_in("at 99:99 and 7:61")[1]]
    [(3, '99:99', 'impossible time'), (13, '7:61', 'impossible time')]
    >>> [(s.stamp, s.reason) for s in _spans_in("fresh by 07:00 local time, or 9:30 am, not 2:36")[1]]
    [('07:00', 'a time of day, not a minute of an episode'), ('9:30', 'a time of day, not a minute of an episode')]
    """
    found: list[tuple[int, int, int | None, str]] = []
    skipped: list[Skipped] = []
    stamps = list(_STAMP.finditer(text))
    index = 0
    while index < len(stamps):
        match = stamps[index]
        if _CLOCK.match(text, match.end()):
            skipped.append(
                Skipped(base + match.start(), match.group(0), "a time of day, not a minute of an episode")
            )
            index += 1
            continue
        start = seconds(match.group(0))
        if start is None:
            skipped.append(Skipped(base + match.start(), match.group(0), "impossible time"))
            index += 1
            continue
        end: int | None = None
        written_end = match.end()
        if index + 1 < len(stamps):
            following = stamps[index + 1]
            if _RANGE_SEP.fullmatch(text[match.end() : following.start()]):
                end = seconds(following.group(0))
                if end is None:
                    skipped.append(Skipped(base + following.start(), following.group(0), "impossible time"))
                written_end = following.end()
                index += 1
        found.append((base + match.start(), start, end, text[match.start() : written_end]))
        index += 1
    return found, skipped


def _sentences(text: str) -> list[int]:
    """The offsets where sentences start (list items count as sentences)."""
    return [0] + [m.end() for m in _SENTENCE_END.finditer(text)]


def read_citations(text: str, *, carried: str | None = None) -> tuple[list[Cited], list[Skipped]]:
    """The podcast links of a paragraph with the spans each cites, and the times left unattributed.

    >>> cited, skipped = read_citations(
    ...     "Ada explains it ([[podcast:ep-a|Shipping]], 2:36-5:28 and 57:39-58:04). "
    ...     "At 41:41 in [[podcast:ep-b|Other at 1:00:00]], Bo agrees. Later, at 44:21, he adds more.")
    >>> [(c.episode, c.spans) for c in cited]
    [('ep-a', ((156, 328), (3459, 3484))), ('ep-b', ((3600, None), (2501, None), (2661, None)))]
    >>> read_citations("At 6:33 she talks about it.")[1]
    [Skipped(offset=3, stamp='6:33', reason='no podcast link in its paragraph')]
    >>> read_citations("At 6:33-7:00 she talks about it.", carried="ep-a")[0]
    [Cited(episode='ep-a', text='', offset=3, spans=((393, 420),))]
    """
    if "[[" not in text and ":" not in text:
        return [], []  # no link and no time (most paragraphs of a page): nothing to read
    links = [
        (m.start(), m.end(), m.group(1).strip(), (m.group(2) or m.group(1)).strip(), m)
        for m in _PODCAST.finditer(text)
    ]
    spans: list[list[tuple[int, int | None]]] = [[] for _ in links]
    skipped: list[Skipped] = []
    for number, (_s, _e, _ep, _shown, match) in enumerate(links):
        if match.group(2):
            inside, bad = _spans_in(match.group(2), match.start(2))
            spans[number] += [(start, end) for _o, start, end, _w in inside]
            skipped += bad
    # Times outside podcast links: blank out the links (other links keep their text).
    masked = text
    if "[[" in text:
        masked = _PODCAST.sub(blanked, masked)
        masked = _OTHER_LINK.sub(lambda m: m.group(0) if "|" not in m.group(0) else blanked(m), masked)
    outside, bad = _spans_in(masked) if ":" in masked else ([], [])
    skipped += bad
    if not links and carried is not None and outside:
        spans_carried = tuple(dict.fromkeys((start, end) for _o, start, end, _w in outside))
        return [Cited(carried, "", outside[0][0], spans_carried)], sorted(skipped, key=lambda s: s.offset)
    starts = _sentences(masked) if outside else []
    for offset, start, end, written in outside:
        owner = _owner(links, starts, offset, offset + len(written))
        if isinstance(owner, str):
            skipped.append(Skipped(offset, written, owner))
        else:
            spans[owner].append((start, end))
    cited = [
        Cited(episode, shown, offset, tuple(dict.fromkeys(spans[number])))
        for number, (offset, _e, episode, shown, _m) in enumerate(links)
    ]
    return cited, sorted(skipped, key=lambda s: s.offset)


def blanked(match: re.Match[str]) -> str:
    """What a match is replaced with to take it out of a text and keep every offset: as many spaces."""
    return " " * len(match.group(0))


def _owner(links: list, starts: list[int], begin: int, finish: int) -> int | str:
    """The index of the link a time at ``begin``–``finish`` belongs to, or why there is none."""
    if not links:
        return "no podcast link in its paragraph"
    sentence_start = max(s for s in starts if s <= begin)
    later = [s for s in starts if s > begin]
    sentence_end = later[0] if later else 1 << 30
    same = [n for n, link in enumerate(links) if link[1] > sentence_start and link[0] < sentence_end]
    if same:
        distance = {n: (begin - links[n][1] if links[n][1] <= begin else links[n][0] - finish) for n in same}
        best = min(distance.values())
        nearest = [n for n in same if distance[n] == best]
        if len({links[n][2] for n in nearest}) > 1:
            return "two podcast links to different episodes are equally near"
        return nearest[0]
    before = [n for n, link in enumerate(links) if link[1] <= begin]
    if before:
        return before[-1]
    return 0
