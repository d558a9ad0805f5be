"""What a sentence says about a skill: kept or to gain, whose it is, and which sense a generic label has.

Small pure functions over a heading or a sentence; :mod:`.matcher` and the
writer combine them. None of them knows a particular page.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator

__all__ = [
    "GENERIC",
    "about_ml",
    "asks",
    "clauses",
    "generic_sense",
    "hedged",
    "leading_plural",
    "needs_section",
    "pointer_section",
    "points_elsewhere",
    "scoped_to",
    "section_stance",
    "sentence_stance",
    "sentences",
]


class Folded:
    """A case-insensitive pattern that reads ASCII text lowered, by case: the same matches, found sooner.

    Python's ``re`` skips ahead on the literal letters a pattern starts its
    branches with only when it matches by case; with ``IGNORECASE`` it enters
    every branch at every place. On ASCII text (nearly every sentence of the
    wiki) lowering the text and matching by case finds exactly what the
    case-insensitive pattern finds, at the same offsets; other text is
    matched the case-insensitive way. The pattern's own letters must be lower
    case. A match's groups are of the lowered text: take what it spans from the
    text given when the letters' case matters.

    >>> kept = Folded(r"\\bcarr(?:y|ies) over\\b")
    >>> kept.search("SQL Carries Over.").span(), kept.search("Ça carries over").span()
    ((4, 16), (3, 15))
    """

    __slots__ = ("pattern", "_any", "_ascii")

    def __init__(self, pattern: str) -> None:
        letters = re.sub(r"\\.|\(\?P<\w+>", "", pattern)
        if letters != letters.lower():
            raise ValueError(f"a folded pattern's letters must be lower case: {pattern!r}")
        self.pattern = pattern
        self._any = re.compile(pattern, re.IGNORECASE)
        # A cased letter beyond ASCII ("ı", "ſ", the Kelvin sign) may match an ASCII one without case: not by case.
        caseless = all(char.isascii() or char.lower() == char.upper() for char in pattern)
        self._ascii = re.compile(pattern) if caseless else None

    def _reading(self, text: str) -> tuple[re.Pattern[str], str]:
        """The pattern to read ``text`` with, and the text it reads: lowered and by case where it can."""
        if self._ascii is not None and text.isascii():
            return self._ascii, text.lower()
        return self._any, text

    def search(self, text: str, pos: int = 0) -> re.Match[str] | None:
        pattern, read = self._reading(text)
        return pattern.search(read, pos)

    def match(self, text: str, pos: int = 0) -> re.Match[str] | None:
        pattern, read = self._reading(text)
        return pattern.match(read, pos)

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        pattern, read = self._reading(text)
        return pattern.finditer(read)

    def sub(self, replacement: str, text: str) -> str:
        """``text`` with each match replaced (lowered where the text is ASCII: for tests, not for showing)."""
        pattern, read = self._reading(text)
        return pattern.sub(replacement, read)


_KEPT_HEADING = Folded(
    r"\b(?:transfer\w*|carr(?:y|ies) over|advantages?|strengths?|already|bring|brings|you have|"
    r"skills? (?:you|that) (?:bring|keep|reuse)|head start|what you (?:know|keep))\b"
)
_GAIN_HEADING = Folded(
    r"\b(?:gaps?|stages?|steps?|learn\w*|add|adds|adding|roadmap|missing|new|close|build|deepen|"
    r"what to (?:learn|add|study))\b"
)


def section_stance(heading: str) -> str | None:
    """Whether a section is about what a move keeps (``"kept"``), what it adds (``"gain"``), or neither.

    >>> section_stance("Analyst Skills That Transfer")
    'kept'
    >>> section_stance("Translate The Analyst Advantage")
    'kept'
    >>> section_stance("Skills You Already Bring")
    'kept'
    >>> section_stance("Stage 4: Add Cloud, Docker, Orchestration, And Operations")
    'gain'
    >>> section_stance("New ML Gaps")
    'gain'
    >>> section_stance("Interview Story") is None
    True
    """
    if _KEPT_HEADING.search(heading):
        return "kept"
    if _GAIN_HEADING.search(heading):
        return "gain"
    return None


_NEEDS_HEADING = Folded(
    r"\b(?:skills?|responsibilit(?:y|ies)|duties|tools?(?! use| calling)|stack|toolkit)\b"
)


def needs_section(heading: str) -> bool:
    """Whether a section of a field's page says what its practitioner needs: skills, tools, duties.

    Elsewhere a field's page discusses neighbouring roles, handoffs and
    history, which say nothing of what the practitioner must have.

    >>> needs_section("Core Skills"), needs_section("Role Responsibilities"), needs_section("Tools in the Stack")
    (True, True, True)
    >>> needs_section("Role Boundaries"), needs_section("Deployment"), needs_section("Agents and Tool Use")
    (False, False, False)
    """
    return bool(_NEEDS_HEADING.search(heading))


#: "already know/use/have/own/bring/work…", "transfers" (not "the/same/a transfer", not "transfers from/to/of"),
#: "transferable", "carry/carries over", "head start", "away from", "shift/move/moving (was/is) from", and after
#: a word "keeps/kept/keep/reuse(s)/retain(s)". Each branch is written from its first letter, and the test
#: before it comes after it ("a(?<!\wa)lready" for "\balready", "k(?<=\w k)eeps" for "(?<=\w )keeps"): the
#: same matches, but a pattern whose branches all start with a letter lets Python's re skip ahead to those
#: letters instead of entering every branch at every place (half the time; tests/test_ingest_patterns.py holds
#: the pattern as first written and checks that the two agree).
_KEPT_SENTENCE = Folded(
    r"(?:a(?<!\wa)(?:lready (?:know|use|have|own|bring|work)\w*|way from)"
    r"|t(?<!\wt)(?:(?<!the t)(?<!same t)(?<!a t)ransfers?(?! from| to| of)|ransferable)"
    r"|c(?<!\wc)arr(?:y|ies) over|h(?<!\wh)ead start"
    r"|s(?<!\ws)hift (?:was |is )?from|m(?<!\wm)ov(?:e|ing) (?:was |is )?from"
    r"|k(?<=\w k)(?:eeps|ept|eep)|r(?<=\w r)(?:euses?|etains?))\b"
)


_GAIN_SENTENCE = Folded(
    r"\b(?:add|adds|adding|added|learn|learns|learning|new|gaps?|roadmap|missing|must|needs? to|"
    r"requires?|required|close|closing)\b"
)


#: "adds" whose subject narrates (a guest's link, she/he, a discussion, an episode, an example): what
#: someone says next, not what to add.
_NARRATED = Folded(
    r"(?:\]\]|\b(?:she|he|discussion|episode|example|conversation|talk|interview|podcast|chapter|section|"
    r"page|guide|story|case study|side))\s+(?:also\s+|then\s+)?(?:adds|added)\b"
)


def sentence_stance(sentence: str) -> str | None:
    """``"kept"`` when a sentence says what someone already has or leaves behind, ``"gain"`` when it says
    what to add or learn, else None (the section decides).

    >>> sentence_stance("Analysts already use SQL and Tableau every day.")
    'kept'
    >>> sentence_stance("The shift was from front-end tools such as Tableau toward pipelines.")
    'kept'
    >>> sentence_stance("SQL and dashboard work transfer directly.")
    'kept'
    >>> sentence_stance("Marketing shows the same transfer, with data modeling and dbt.") is None
    True
    >>> sentence_stance("Learn Docker and Airflow next.")
    'gain'
    >>> sentence_stance("Simon links platform work to model registries.") is None
    True
    >>> sentence_stance("The engineer keeps testing habits.")
    'kept'
    >>> sentence_stance("Keep the first dbt project small.") is None
    True
    >>> sentence_stance("Simon's platform discussion adds model registries.") is None
    True
    >>> sentence_stance("[[person:ann|Ann]] adds lineage to the picture.") is None
    True
    """
    if _KEPT_SENTENCE.search(sentence):
        return "kept"
    return "gain" if _GAIN_SENTENCE.search(_NARRATED.sub(" ", sentence)) else None


#: Where a sentence may change from one clause to the next: ";", "but", "while", "whereas", "because", a comma,
#: or "and" before a verb of keeping or adding.
_CLAUSE_BREAK = Folded(
    r"\s*;\s+|,?\s+(?:but|while|whereas|because)\s+|,\s+(?:and\s+)?|\s+and\s+(?=(?:then\s+|also\s+)?"
    r"(?:adds?|adding|learn\w*|keeps?|kept|needs?|must|reuses?|retains?|requires?|close)\b)"
)
#: A clause that opens with its verb ("adds dbt"), against one that ends with it ("dbt is new").
_LEADING_VERB = Folded(
    r"(?:(?:then|also|you|they|and)\s+)*(?:adds?|adding|learn\w*|keeps?|kept|needs?|must|reuses?|retains?|requires?|close)\b"
)


def clauses(sentence: str) -> list[tuple[int, str]]:
    """A sentence cut where what it says changes between kept and to gain, each clause with its offset.

    "X carries over, Y is new" and "keeps X and adds Y" say two things: read as
    one sentence, the firmer word would decide both. A sentence that says one
    thing stays whole. A clause that opens with its verb carries the sentence's
    subject ("Analysts keep SQL and add dbt" → "Analysts add dbt"), so whose
    sentence it is does not change.

    >>> [c for _, c in clauses("The engineer keeps software habits and adds monitoring and deployment.")]
    ['The engineer keeps software habits', 'The engineer adds monitoring and deployment.']
    >>> [c for _, c in clauses("SQL and dashboards carry over, dbt and tests are new.")]
    ['SQL and dashboards carry over', 'dbt and tests are new.']
    >>> [c for _, c in clauses("The move is more than learning SQL because a designer keeps research.")]
    ['The move is more than learning SQL', 'a designer keeps research.']
    >>> [c for _, c in clauses("Learn Python, Docker, and Airflow next.")]
    ['Learn Python, Docker, and Airflow next.']
    """
    if not (_KEPT_SENTENCE.search(sentence) and _GAIN_SENTENCE.search(sentence)):
        return [(0, sentence)]  # one stance at most: nothing to cut
    pieces, start = [], 0
    for match in _CLAUSE_BREAK.finditer(sentence):
        pieces.append((start, sentence[start : match.start()], match.end()))
        start = match.end()
    pieces.append((start, sentence[start:], len(sentence)))
    stances = [sentence_stance(text) for _, text, _ in pieces]
    if len({s for s in stances if s}) < 2:
        return [(0, sentence)]
    # Cut before a clause that opens with its verb, after the last cued clause before one that ends with it.
    cuts, last_cued = [], None
    for i, stance in enumerate(stances):
        if stance is None:
            continue
        if last_cued is not None and stance != stances[last_cued]:
            cuts.append(i if _LEADING_VERB.match(pieces[i][1]) else last_cued + 1)
        last_cued = i
    subject = _subject_span(sentence)
    found, bounds = [], [0, *cuts, len(pieces)]
    for a, b in zip(bounds, bounds[1:], strict=False):
        offset = pieces[a][0]
        text = (
            sentence[offset : pieces[b - 1][0] + len(pieces[b - 1][1])]
            if b < len(pieces)
            else sentence[offset:]
        )
        if a > 0 and subject and _LEADING_VERB.match(text):
            text = f"{subject} {text}"
        found.append((offset, text.strip()))
    return found


def _subject_span(sentence: str) -> str | None:
    """The words a sentence opens with before its verb ("The engineer", "Most analysts"), as written."""
    text = sentence.strip()
    match = _SUBJECT_SPAN.match(text)
    return text[match.start(1) : match.end(1)] if match else None


#: Where a sentence ends: the spaces after ".", "!" or "?" before a capital, a digit, a link or a quote; a new
#: list item; a blank line. Every branch starts with a space, matched first and then tested by a lookbehind
#: ("\s(?<=[.!?]\s)\s*" is "(?<=[.!?])\s+", "\s(?<=\n)" is "\n"): Python's re then skips ahead to a space
#: instead of trying every branch at every place.
_SENTENCE_END = re.compile(
    r"\s(?:(?<=[.!?]\s)\s*(?=[\[A-Z0-9*\"'(])|(?<=\n)\s*(?:[-*+]|\d+[.)])\s+|(?<=\n)\s*\n)"
)


def sentences(text: str) -> list[tuple[int, str]]:
    """The sentences of a paragraph (a list item is one), each with its offset, cut in :func:`clauses`.

    >>> sentences("Data scientists own modeling. Engineers own pipelines.")
    [(0, 'Data scientists own modeling.'), (30, 'Engineers own pipelines.')]
    >>> [s for _, s in sentences("Do this:\\n- learn dbt\\n- add tests")]
    ['Do this:', 'learn dbt', 'add tests']
    >>> sentences("Hi. SQL carries over, dbt is new.")
    [(0, 'Hi.'), (4, 'SQL carries over'), (22, 'dbt is new.')]
    """
    found, start = [], 0
    for match in _SENTENCE_END.finditer(text):
        if text[start : match.start()].strip():
            found.append((start, text[start : match.start()].strip()))
        start = match.end()
    if text[start:].strip():
        found.append((start, text[start:].strip()))
    return [(offset + at, clause) for offset, sentence in found for at, clause in clauses(sentence)]


_DETERMINERS = r"(?:(?:the|most|many|some|all|good|strong|senior|junior|experienced)\s+)*"


_VERBS = (
    r"own|owns|do|does|build|builds|handle|handles|focus|focuses|are|is|work|works|need|needs|use|uses|"
    r"know|knows|spend|spends|tend|tends|write|writes|run|runs|care|cares|have|has|train|trains|deploy|"
    r"deploys|connect|connects|cover|covers|add|adds|include|includes|sit|sits|usually|often|typically|"
    r"still|already|may|can|should|will|would"
)


_LEADING_PLURAL = Folded(
    _DETERMINERS + r"((?:[a-z][\w/-]*\s+){0,3}?[a-z][\w-]*(?:s|ing))\s+(?:\w+ly\s+)?"
    r"(?:" + _VERBS + r")\b"
)
_SUBJECT_SPAN = Folded(
    r"((?:[a-z][\w/'’-]*\s+){0,3}?[a-z][\w'’-]*)\s+(?:\w+ly\s+)?(?:keeps?|kept|reuses?|retains?|"
    + _VERBS
    + r")\b"
)


def leading_plural(sentence: str) -> str | None:
    """The subject a sentence opens with when it is a group or a field ("Data scientists own …"), lower-cased.

    A plural noun phrase or a field ("-ing") of up to four words, followed by
    a verb; else None. The writer checks it against the roles: a sentence
    whose subject is another role says nothing about this one.

    >>> leading_plural("Data scientists own modeling and experiments.")
    'data scientists'
    >>> leading_plural("Most analysts already know SQL.")
    'analysts'
    >>> leading_plural("Analytics engineering connects to data modeling.")
    'analytics engineering'
    >>> leading_plural("Learn SQL first.") is None
    True
    """
    text = sentence.strip()
    match = _LEADING_PLURAL.match(text)
    return text[match.start(1) : match.end(1)].lower() if match else None


#: "\bask" written "a(?<!\wa)sk" (the same test, after the first letter) lets Python's re skip ahead to
#: a "?", "a" or "w" instead of trying the pattern at every place: a fifth of the time.
_QUESTION = Folded(r"\?\s*(?:\(.*\))?\s*$|a(?<!\wa)sk (?:who|whether|if|what|how|which)\b|w(?<!\ww)ho owns\b")


def asks(sentence: str) -> bool:
    """Whether a sentence asks (or tells you to ask) a question rather than saying what the role does.

    >>> asks("Ask who owns data pipelines and model deployment.")
    True
    >>> asks("Who deploys the models?")
    True
    >>> asks("Machine learning engineers own model deployment.")
    False
    """
    return bool(_QUESTION.search(sentence))


_HEDGE = Folded(
    r"(?:'s|es|s)?\s+(?:awareness|readiness|sense|basics|familiarity|exposure|literacy|intuition)\b"
)


def hedged(sentence: str, end: int) -> bool:
    """Whether a label ending at ``end`` is only a light touch ("deployment awareness", "modeling sense").

    >>> s = "It ties to feature engineering and deployment awareness."
    >>> hedged(s, s.index("deployment") + len("deployment"))
    True
    >>> hedged(s, s.index("feature engineering") + len("feature engineering"))
    False
    """
    return bool(_HEDGE.match(sentence, end))


_ML = Folded(
    r"\b(?:ml|ai|llms?|mlops|machine[ -]learning|models?|model's|predictions?|inference|features?|"
    r"training|classifiers?|neural|deep learning|embeddings?|recommend\w*|scoring|drift)\b"
)
_WAREHOUSE = Folded(
    r"\b(?:dbt|warehouse\w*|dimensional|kimball|fact tables?|dimension tables?|star schema|marts?|"
    r"grain|staging|schemas?|data model\w*|sql|tables?|semantic layer|analytics engineer\w*)\b"
)


def about_ml(sentence: str) -> bool:
    """Whether a sentence talks about machine learning.

    >>> about_ml("Serving a model online needs latency budgets.")
    True
    >>> about_ml("The serving table is refreshed nightly.")
    False
    """
    return bool(_ML.search(sentence))


#: Labels with a general-English or data-engineering sense besides the ML one; they count only
#: when qualified ("model serving") or in a sentence about ML, and never as a modifier ("serving table").
GENERIC = frozenset(
    {
        "serving", "modeling", "modelling", "deployment", "evaluation", "governance", "metadata",
        "testing", "tests", "scheduled runs", "training", "operations", "monitoring", "logging",
        "pipelines", "exploration", "collaboration", "configuration", "packaging", "latency",
        "freshness", "rollback", "baseline", "baselines", "prototyping", "cloud", "agents", "embedding",
    }
)  # fmt: skip

_MODIFIED_NOUN = Folded(
    r"\s+(?:tables?|layers?|logic|schemas?|jobs?|windows?|costs?|budgets?|data|cadence|team|teams|"
    r"environment|environments|runs?|scripts?|queries|query|views?)\b"
)
_NOUN_BEFORE_TESTS = Folded(
    r"\b(?:a|the|add|adding|adds|write|writing|writes|run|running|with|more|automated|unit|"
    r"integration|data|dbt|regression|your|its|their)\s+$"
)


_SPACES = re.compile(r"[\s-]+")


@functools.lru_cache(maxsize=4096)
def _generic_key(label: str) -> str:
    """A label as :data:`GENERIC` holds it: case-folded, hyphens and runs of spaces as one space (made once
    for each way a label is written: the snapshot's import asks 13,449 times for 617 of them)."""
    return _SPACES.sub(" ", label.casefold())


def generic_sense(label: str, sentence: str, start: int, end: int) -> str | None:
    """How a generic label found at ``sentence[start:end]`` counts: ``"ml"``, ``"warehouse"`` or None (not at all).

    ``"warehouse"`` is "modeling" said of tables, which is data modeling. A
    label that is not generic always counts (``"ml"``).

    >>> s = "Each mart feeds a serving table for dashboards."
    >>> generic_sense("serving", s, s.index("serving"), s.index("serving") + 7) is None
    True
    >>> s = "Kimball-style modeling and SQL are core preparation."
    >>> generic_sense("modeling", s, s.index("modeling"), s.index("modeling") + 8)
    'warehouse'
    >>> s = "Data scientists focus on modeling and model evaluation."
    >>> generic_sense("modeling", s, s.index("modeling"), s.index("modeling") + 8)
    'ml'
    >>> s = "She tests each idea with users."
    >>> generic_sense("tests", s, s.index("tests"), s.index("tests") + 5) is None
    True
    >>> s = "They run Kubernetes and write tests."
    >>> generic_sense("tests", s, s.index("tests"), s.index("tests") + 5)
    'ml'
    >>> generic_sense("Docker", "Docker images", 0, 6)
    'ml'
    """
    key = _generic_key(label)
    if key not in GENERIC:
        return "ml"
    if _MODIFIED_NOUN.match(sentence, end):
        return None
    if key in {"tests", "testing"} and _NOUN_BEFORE_TESTS.search(sentence[:start]):
        return "ml"  # "write tests", "unit testing": the software practice, whatever the sentence is about
    if key == "tests":
        return None  # "she tests each idea": a verb
    if key in {"modeling", "modelling"} and _WAREHOUSE.search(sentence):
        return "warehouse"
    return "ml" if about_ml(sentence) else None


_SCOPE = Folded(
    r"^(?:for|coming from|starting from|from)\s+(?:an?\s+|the\s+)?(?P<group>.{2,80}?)\s+"
    r"(?:transitions?|backgrounds?|moves?|switch(?:es)?|routes?|paths?|engineers|candidates)\b"
    r"|^for\s+(?:an?\s+|the\s+)?(?P<lone>[^,]{2,60}),"
)
_SCOPE_SPLIT = re.compile(r"\s*,\s*(?:or\s+|and\s+)?|\s+or\s+|\s+and\s+|\s*/\s*", re.IGNORECASE)


def scoped_to(sentence: str) -> list[str]:
    """The people a sentence says it is for ("For a DevOps or SRE transition, …"), one phrase each; else none.

    The writer resolves each phrase to a role: a sentence scoped to a role
    other than the move's source says what *that* move needs.

    >>> scoped_to("For a DevOps, SRE, or systems-engineer transition, the gap is the model.")
    ['DevOps', 'SRE', 'systems-engineer']
    >>> scoped_to("For data scientists, packaging comes first.")
    ['data scientists']
    >>> scoped_to("Coming from a backend background, Docker is familiar.")
    ['backend']
    >>> scoped_to("Learn Docker for deployment.")
    []
    >>> scoped_to("For LLM systems, infrastructure also includes the serving and data path.")
    []
    """
    text = sentence.strip()
    match = _SCOPE.match(text)
    if match is None:
        return []
    start, end = match.span("group") if match.group("group") else match.span("lone")
    group = text[start:end]  # as written: the match is of the text lowered
    phrases = [p.strip(" []") for p in _SCOPE_SPLIT.split(group) if p.strip(" []")]
    # Each is a name of a few words: a longer one means the sentence went on past its opening phrase.
    return phrases if all(len(p.split()) <= 4 for p in phrases) else []


_LINKED = r"\s+(?:the\s+)?\[\["
_NEAR = rf"\s+(?:near|next\s+to|beside|close\s+to){_LINKED}"
_ON_BOUNDARY = r"\s+on\s+(?:the\s+|a\s+)?(?:same\s+|shared\s+)?boundary\b"
#: Pointing at other pages: "sits near / closest to / overlaps with [[X]]" (a link must follow), "see
#: also", "other targets", a comparison ("contrasts A and B"), or where the boundary between roles runs
#: (what sits on it is shared, not one side's gap). Written from each branch's first letter, as
#: ``_KEPT_SENTENCE`` and for its reason (half the time; checked against the pattern as first written).
_POINTER = Folded(
    rf"s(?<!\ws)(?:its?{_NEAR}|ee\s+also\b|its?{_ON_BOUNDARY}|hared\s+boundary\b)"
    rf"|l(?<!\wl)(?:ies|ie)(?:{_NEAR}|{_ON_BOUNDARY})"
    rf"|c(?<!\wc)(?:losest\s+to{_LINKED}|ompare[sd]?\s+(?:it\s+)?(?:with|to){_LINKED}|ontrasts?\b)"
    rf"|o(?<!\wo)(?:verlaps?\s+with{_LINKED}|ther\s+targets?\b)"
)


def points_elsewhere(sentence: str) -> bool:
    """Whether a sentence points to other pages or compares, rather than saying what a move needs.

    >>> points_elsewhere("That branch is closest to [[MLOps vs DevOps]].")
    True
    >>> points_elsewhere("It sits near [[Data Engineering]] and other targets.")
    True
    >>> points_elsewhere("Theofilos contrasts DevOps and MLOps through drift.")
    True
    >>> points_elsewhere("Learn Docker and deploy one model.")
    False
    >>> points_elsewhere("Modeling and data quality matter, and it overlaps with analyst work.")
    False
    >>> points_elsewhere("Model cycles and deployment awareness sit on the same boundary.")
    True
    """
    return bool(_POINTER.search(sentence))


_POINTER_HEADING = Folded(
    r"^\s*(?:related(?:\s+pages?|\s+topics?)?|see\s+also|further\s+reading|other\s+(?:targets|pages)|links)\s*$"
)


def pointer_section(heading: str) -> bool:
    """Whether a section only lists other pages ("Related Pages", "See also").

    >>> pointer_section("Related Pages"), pointer_section("See Also"), pointer_section("New ML Gaps")
    (True, True, False)
    """
    return bool(_POINTER_HEADING.match(heading))
