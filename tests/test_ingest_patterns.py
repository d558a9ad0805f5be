"""The importer's patterns written for speed find exactly what their plain forms find.

A few patterns are written so that Python's re can skip ahead in a text: a lazy run made greedy where
only one length can match, a test before a first character moved after it so the pattern starts with
a character class. Each is checked here against the plain form it replaced, on texts made of the
pieces the patterns look for, and on sentences where each of them matches.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from careergraph.ingest import citations, markup, sense
from careergraph.ingest.sense import Folded

#: name -> (the pattern the importer uses, its plain form)
PATTERNS: dict[str, tuple[re.Pattern[str] | Folded, re.Pattern[str] | Folded]] = {
    "link": (markup._LINK, re.compile(r"\[\[([^\[\]|]+?)(?:\|([^\[\]]*?))?\]\]")),
    "podcast link": (citations._PODCAST, re.compile(r"\[\[podcast:([^\[\]|]+?)(?:\|([^\[\]]*?))?\]\]")),
    "time": (citations._STAMP, re.compile(r"(?<![\w:.])\d{1,2}(?::\d{2})+(?![\w:])")),
    "citation sentence end": (
        citations._SENTENCE_END,
        re.compile(r"[.!?](?=\s+[\"'(\[]?[A-Z0-9])|\n\s*(?=[-*+]\s|\d+[.)]\s)"),
    ),
    "sentence end": (
        sense._SENTENCE_END,
        re.compile(r"(?<=[.!?])\s+(?=[\[A-Z0-9*\"'(])|\n\s*(?:[-*+]|\d+[.)])\s+|\n\s*\n"),
    ),
    "kept": (
        sense._KEPT_SENTENCE,
        Folded(
            r"\b(?:already (?:know|use|have|own|bring|work)\w*"
            r"|(?<!the )(?<!same )(?<!a )transfers?(?! from| to| of)|transferable|carr(?:y|ies) over"
            r"|head start|away from|(?:shift|move|moving) (?:was |is )?from"
            r"|(?<=\w )(?:keeps|kept|keep|reuses?|retains?))\b"
        ),
    ),
    "pointer": (
        sense._POINTER,
        Folded(
            r"\b(?:(?:sits?|lies|lie)\s+(?:near|next\s+to|beside|close\s+to)|closest\s+to|overlaps?\s+with|"
            r"compare[sd]?\s+(?:it\s+)?(?:with|to))\s+(?:the\s+)?\[\["
            r"|\b(?:see\s+also|other\s+targets?|contrasts?|(?:sits?|lies|lie)\s+on\s+(?:the\s+|a\s+)?"
            r"(?:same\s+|shared\s+)?boundary|shared\s+boundary)\b"
        ),
    ),
}

WORDS = (
    "already know use have own bring working transfer transfers transferable the same a from to of carry "
    "carries over head start away shift move moving was is keeps kept keep reuse reuses retain retains sit "
    "sits lies lie near next beside close closest overlaps with compare compared it see also other targets "
    "contrasts on shared boundary podcast:ep x Data SQL 12:34 1:02:03 7:61 99 3. 1) é Ä K ſ"
).split()
SEPARATORS = [" ", "  ", "\n", "\n\n", "\n- ", "\n1. ", "-", "[[", "]]", "|", ".", "!", "?", ":", ","]
SEPARATORS += ["", "'", "("]
#: a sentence where each pattern matches (the generated texts match often too, but these always do)
MATCHING = {
    "link": "See [[MLOps]] and [[a-b-testing|A/B testing]].",
    "podcast link": "([[podcast:ep-1|Ben at 8:49-13:19]], 2:36)",
    "time": "At 6:33-8:00 and 1:02:03, not 1.2:33 or x12:30.",
    "citation sentence end": "One. Two! Why? (Three)\n- three\n2) four",
    "sentence end": "One. [[Two]] Why? Three!\n- three\n\nfour",
    "kept": "They already know SQL; the same transfer, a transfer; it transfers, we keep it.",
    "pointer": "It sits near [[Data Engineering]], see also the shared boundary; Ana contrasts both.",
}


def _found(pattern: re.Pattern[str] | Folded, text: str) -> list[tuple[tuple[int, int], tuple[Any, ...]]]:
    return [(match.span(), match.groups()) for match in pattern.finditer(text)]


@settings(max_examples=400, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(WORDS).flatmap(lambda w: st.sampled_from([w, w.upper(), w.title()])),
            st.sampled_from(SEPARATORS),
        ),
        max_size=10,
    ).map(lambda pieces: "".join(word + separator for word, separator in pieces))
)
def test_each_pattern_finds_what_its_plain_form_finds(text: str) -> None:
    for name, (fast, plain) in PATTERNS.items():
        assert _found(fast, text) == _found(plain, text), name


@pytest.mark.parametrize("name", sorted(PATTERNS))
def test_each_pattern_matches_where_its_plain_form_does(name: str) -> None:
    fast, plain = PATTERNS[name]
    found = _found(fast, MATCHING[name])
    assert found, f"{name} finds nothing in its example"
    assert found == _found(plain, MATCHING[name])
