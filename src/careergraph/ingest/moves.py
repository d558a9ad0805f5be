"""Reading guests' own career moves: chapter titles, episode titles, and guest-page bios.

These readers return the *phrases* on each side of a move; which phrases name
a role is the vocabulary's business (:func:`role_candidates` lists the names
to try, :mod:`.matcher` looks them up). A move counts only when both sides
resolve to roles, so ``From Notebooks to Production`` or ``From Bag-of-Words to
Dense Vectors`` never become moves: neither side names a role or a field.

A chapter or episode title is read when it tells a career story:

- a segment of the title (split at ``:`` and `` - ``) that starts with ``From X to Y``
  (or ``Transitioning / Moving / Switching / Pivoting from X to Y``);
- in a title with a career word (career, background, journey, bio, story,
  origin, pivot, path, trajectory, transition, shift, switch, progression,
  overview, introduction, narrative), also ``… from X to|into Y`` anywhere, an
  arrow chain ``X → Y → Z`` (each consecutive pair that names roles), or a
  segment that is just ``X to Y``;
- never a title that gives advice (``advice``, ``tips``, ``how to``,
  ``lessons``, ``should``, ``transition path``: the path for anyone) rather
  than a story, nor one whose first part is about schooling (``Early
  Education: From Economics to Statistics``).

A chapter in the second half of an episode (:func:`late_in_episode`) is
more often a question the episode discusses ("Career Transition: From data
analyst to data scientist" late in an episode about hiring) than the guest's
story, which is told near the start; the writer keeps its move only when
something else about the guest names the move's source role.

Each side may list alternatives (``Analyst/Data Scientist``, ``Data Science and
ML``); each alternative that names a role counts.
"""

from __future__ import annotations

import re

from .sense import Folded

__all__ = ["bio_moves", "late_in_episode", "role_candidates", "title_chain"]

# Case-insensitive, and only searched for (Folded: the same matches, found sooner on the titles' ASCII).
_CAREER_WORDS = Folded(
    r"\b(career|background|journey|bio|story|origins?|pivot|path|trajectory|transition\w*|"
    r"shift\w*|switch\w*|progression|overview|introduction|narrative|arc|snapshot)\b"
)
_ADVICE = Folded(r"\b(advice|tips|how to|lessons|should|paths|pathway|guide|transition path)\b")
#: A title whose first segment is about schooling tells what someone studied, not a job they held.
_SCHOOLING = Folded(r"\b(education|studies|study|school|university|degree|undergrad\w*)\b")
#: What every reading of a title below needs (``_FROM_TO``, ``_ARROW``, or "X to Y"): most chapter titles
#: (nearly nine in ten on the snapshot) have none, and are passed over by this one search.
_CHAIN_WORD = Folded(r"\bfrom\s|\sto\s|→|->|⟶")
#: Where a title goes on to another part: "Career Pivot: From …", "Intro - From …".
_SEGMENT_BREAK = re.compile(r":\s+|\s+[-–—]\s+")
_FROM_TO = re.compile(r"(?i)\bfrom\s+(.+?)\s+(?:in)?to\s+(.+)$")
_LEADING_FROM = re.compile(
    r"(?i)^(?:(?:career\s+)?(?:transition(?:ing)?|moving|switching|pivot(?:ing)?|shift(?:ing)?)\s+)?from\s"
)
_ARROW = re.compile(r"\s*(?:→|->|⟶)\s*")
_ALTERNATIVES = re.compile(r"\s*/\s*|\s+and\s+|\s*&\s*|\s+or\s+|\s*\+\s*")
_CUT = re.compile(r"(?i)\s*[(,;.!?]|\s+(?:at|in|for|with|within|while|via|using|where|who|after|before)\s")
_FILLER = {
    "role",
    "roles",
    "work",
    "career",
    "position",
    "positions",
    "internally",
    "degree",
    "degrees",
    "studies",
    "background",
    "roots",
    "job",
    "jobs",
    "world",
    "field",
}
_ARTICLE = {"a", "an", "the", "my", "his", "her", "their", "former", "ex", "full-time", "fulltime"}


def _clean(phrase: str) -> str:
    """A side of a move without what follows it (company, place, aside) and without filler words.

    >>> _clean("Data Scientist Internally (Search, ML)")
    'Data Scientist'
    >>> _clean("a Software Engineer in 2015")
    'Software Engineer'
    """
    phrase = _CUT.split(phrase + " ", maxsplit=1)[0]
    words = [w for w in re.split(r"\s+", phrase.strip(" '\"*")) if w]
    while words and words[0].casefold().strip("'’") in _ARTICLE:
        words = words[1:]
    while words and words[-1].casefold() in _FILLER:
        words = words[:-1]
    return " ".join(words)


def role_candidates(phrase: str) -> list[list[str]]:
    """For each alternative a side names, the names to try for it, longest first.

    Leading words are dropped one at a time (a place, an employer, a seniority:
    "EPFL PhD" → "PhD", "staff software engineer" → "software engineer"); the
    last word alone is tried last.

    >>> role_candidates("Analyst/Data Scientist")
    [['Analyst'], ['Data Scientist', 'Scientist']]
    >>> role_candidates("Senior Product Manager of AI")
    [['Senior Product Manager of AI', 'Product Manager of AI', 'Manager of AI', 'of AI', 'AI', 'Senior Product Manager', 'Product Manager', 'Manager']]
    """
    result = []
    for alternative in _ALTERNATIVES.split(_clean(phrase)):
        words = _clean(alternative).split()
        if not words:
            continue
        names = [" ".join(words[i:]) for i in range(len(words))]
        if " of " in f" {' '.join(words).casefold()} ":
            head = words[: [w.casefold() for w in words].index("of")]
            names += [" ".join(head[i:]) for i in range(len(head))]
        result.append(list(dict.fromkeys(names)))
    return result


def title_chain(title: str) -> list[str] | None:
    """The sides of a career move a chapter or episode title tells, in order, or None.

    >>> title_chain("Career Pivot: From Business Analyst to Data Engineering")
    ['Business Analyst', 'Data Engineering']
    >>> title_chain("Career Trajectory: Statistician → Data Analyst → Data Engineer")
    ['Statistician', 'Data Analyst', 'Data Engineer']
    >>> title_chain("From Physics PhD to Data Science and Reinforcement Learning")
    ['Physics PhD', 'Data Science and Reinforcement Learning']
    >>> title_chain("Guest Background - Academic Research to Industry Roles (TU Berlin)")
    ['Academic Research', 'Industry Roles (TU Berlin)']
    >>> title_chain("Transitioning from Software Engineer to Data Science Manager: Search, ML")
    ['Software Engineer', 'Data Science Manager']
    >>> title_chain("Production best practices: move logic from notebooks to packages") is None
    True
    >>> title_chain("Transitioning from Data Engineering to Data Science Manager: Advice") is None
    True
    >>> title_chain("Early Education: From Economics to Statistics") is None
    True
    >>> title_chain("Transition Path: Data Analyst → Data Engineer (backend focus)") is None
    True
    """
    if not _CHAIN_WORD.search(title) or _ADVICE.search(title):
        return None
    first = _SEGMENT_BREAK.split(title, maxsplit=1)
    if len(first) > 1 and _SCHOOLING.search(first[0]):
        return None
    career = bool(_CAREER_WORDS.search(title))
    segments = [s.strip() for s in _SEGMENT_BREAK.split(title) if s.strip()]
    for segment in segments:
        starts_with_from = bool(_LEADING_FROM.match(segment))
        if starts_with_from or career:
            match = _FROM_TO.search(segment)
            if match:
                return [match.group(1), match.group(2)]
    if not career:
        return None
    for segment in segments:
        parts = _ARROW.split(segment)
        if len(parts) >= 2 and all(parts):
            return parts
    for segment in segments[1:]:
        match = re.fullmatch(r"(?i)(.+?)\s+to\s+(.+)", segment)
        if match and not _CAREER_WORDS.search(match.group(1)):
            return [match.group(1), match.group(2)]
    return None


_TURNED = re.compile(r"(?i)\b((?:[\w'’-]+\s+){0,5}?[\w'’-]+)\s+turned\s+(?:into\s+)?(?:an?\s+)?([^.;,]+)")
#: What every match of ``_TURNED`` holds, found the way the case-insensitive pattern finds it.
_TURNED_WORD = Folded("turned")
_CAREER_AS = re.compile(
    r"(?i)\b(?:began|started)\s+(?:his|her|their|the)\s+career\s+as\s+(?:an?\s+)?([^.;]+?)"
    r"[,;]?\s+(?:and\s+|before\s+|then\s+)?(?:transition(?:ing|ed)?|mov(?:ing|ed)|switch(?:ing|ed)|"
    r"pivot(?:ing|ed))\s+(?:in)?to\s+(?:a\s+role\s+as\s+)?(?:an?\s+)?([^.;]+)"
)
_CURRENT = re.compile(
    r"^[^.]*?\bis\s+(?:currently\s+|now\s+)?(?:an?\s+|the\s+)?([^.;,]+?)(?:\s+(?:at|in|for|with|who|of\s+the)\b|[.;,]|$)"
)
_PREVIOUS = re.compile(
    r"(?i)\b(?:previously|before\s+that|formerly)\b,?\s+(?:[\w'’-]+\s+)?(?:was|worked\s+as|served\s+as)\s+"
    r"(?:an?\s+|the\s+)?([^.;]+)"
)


def bio_moves(text: str) -> list[tuple[str, str]]:
    """The (from, to) phrases a guest's Background section gives for their own moves.

    Forms: ``X turned Y``; ``began/started … career as X, transitioning into Y``;
    a first sentence ``… is a Y`` with one later ``Previously / Before that, … was
    a X`` that names one role (X → Y; with several earlier roles, which came
    right before Y is unknown, so none is read).

    >>> bio_moves("Gus is a former real estate agent turned Senior AI Engineer. He builds search.")
    [('is a former real estate agent', 'Senior AI Engineer')]
    >>> bio_moves("Jo began her career as a Software Engineer in 2015, transitioning into Data Science in 2017.")
    [('Software Engineer in 2015', 'Data Science in 2017')]
    >>> bio_moves("Ana is Machine Learning Engineer at X. Previously, Ana was a product manager at Y.")
    [('product manager at Y', 'Machine Learning Engineer')]
    >>> bio_moves("Bo is a founder. Previously, Bo worked as a researcher at X and as a consultant at Y.")
    []
    """
    moves: list[tuple[str, str]] = []
    # The pattern tries each word as the start of the phrase before "turned", and most bios have none.
    for match in _TURNED.finditer(text) if _TURNED_WORD.search(text) else ():
        moves.append((match.group(1).strip(), match.group(2).strip()))
    for match in _CAREER_AS.finditer(text):
        moves.append((match.group(1).strip(), match.group(2).strip()))
    current = _CURRENT.match(text.strip())
    previous = list(_PREVIOUS.finditer(text))
    # Only one earlier role: with several, which came right before the current one is unknown.
    if current and len(previous) == 1 and not re.search(r"\s(?:and|as well as)\s|,", previous[0].group(1)):
        moves.append((previous[0].group(1).strip(), current.group(1).strip()))
    return list(dict.fromkeys(moves))


def late_in_episode(starts: list[int], index: int) -> bool:
    """Whether chapter ``index`` of an episode whose chapters start at ``starts`` (seconds) is in its second half.

    The episode's length is taken as the last chapter's start (its end is not
    written down); an episode of one chapter has no second half.

    >>> late_in_episode([0, 100, 2700, 3400], 2)
    True
    >>> late_in_episode([0, 100, 1200, 3400], 2)
    False
    >>> late_in_episode([0], 0)
    False
    """
    last = max(starts, default=0)
    return last > 0 and starts[index] * 2 >= last
