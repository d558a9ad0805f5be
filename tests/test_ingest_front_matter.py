"""Front matter reads as the YAML loader reads it, whether or not the loader is the one that reads it."""

from __future__ import annotations

import signal

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from careergraph.errors import FrontMatterError
from careergraph.ingest.front_yaml import load_front_matter
from careergraph.ingest.markup import _plain_front_matter, read_front_matter

# What a key, a scalar or an indentation can be: the wiki's own forms, and near misses that YAML reads
# otherwise (booleans, nulls, numbers in other bases, dates, floats, base-60 times, indicators, escapes,
# line breaks other than "\n", characters YAML refuses).
_KEYS = st.sampled_from(["title", "tags", "a-b", "_x", "on", "Yes", "null", "x y", "1a", "key ", "-k"])
_CHARACTERS = list("aZé²①/ .,:#'\"-_&+()[]{}!*|>%@`~?=<0129\t\\")
_CHARACTERS += ["\x85", "\u2028", "\xa0", "\ufeff", "\x01"]
_TEXT = st.one_of(
    # a word the wiki might write, with a character or two that may change what it means
    st.builds(
        lambda start, odd, end: start + odd + end,
        st.sampled_from(["", "a", "Data Role", "/x/", "é"]),
        st.text(alphabet=st.sampled_from(_CHARACTERS), max_size=2),
        st.sampled_from(["", "b", " b"]),
    ),
    st.sampled_from(["false", "NO", "on", "Off", "y", "Null", "0", "012", "0x1f", "1_000", "12:30", "1.5"]),
    st.sampled_from(["2024-01-02", ".inf", "~", "-", "<<", "="]),
)
_SCALAR = st.one_of(_TEXT, _TEXT.map(lambda text: f'"{text}"'))
_VALUE = st.one_of(
    _SCALAR,
    st.lists(_SCALAR, max_size=3).map(lambda items: "[" + ", ".join(items) + "]"),
    st.just(""),
)
_SPACES = st.sampled_from(["", " ", "  ", "   "])
_ENTRY = st.builds(
    lambda key, space, value, end: f"{key}:{space}{value}{end}", _KEYS, _SPACES, _VALUE, _SPACES
)
_ITEM = st.builds(lambda indent, value, end: f"{indent}- {value}{end}", _SPACES, _SCALAR, _SPACES)


def _read(read: object) -> object:
    """What reading gives, or the error it raises (message and line), to compare by ``repr``."""
    try:
        return read()  # type: ignore[operator]
    except FrontMatterError as error:
        return (str(error), error.line)


# Front matter in the plain forms, mostly: a key set to a word, a number, a quoted text or a one-line list,
# or set to nothing with items below it (with the odd character above now and then), so that most examples
# are read by hand and compared with the loader, not the loader with itself.
_PLAIN_KEYS = st.sampled_from(["title", "tags", "a-b", "_x", "season", "related", "k" * 1024])
_PLAIN_WORD = st.sampled_from(["Data Role", "a  b", "/x/", "é", "³rd Wave", "A/B (Testing)", "0", "18", "on"])
_PLAIN_SCALAR = st.one_of(_PLAIN_WORD, _PLAIN_WORD.map(lambda text: f'"{text}"'))
_PLAIN_ENTRY = st.builds(
    lambda key, value, end: f"{key}: {value}{end}" if value else f"{key}:",
    _PLAIN_KEYS,
    st.one_of(_PLAIN_SCALAR, st.lists(_PLAIN_SCALAR, max_size=3).map(lambda items: f"[{', '.join(items)}]")),
    _SPACES,
)
_PLAIN_LIST = st.builds(
    lambda key, items: "\n".join([f"{key}:", *(f" - {item}" for item in items)]),
    _PLAIN_KEYS,
    st.lists(_PLAIN_SCALAR, min_size=1, max_size=3),
)


def _lines(parts: list[str]) -> list[str]:
    return "\n".join(parts).split("\n")


@settings(max_examples=600, deadline=None)
@given(
    lines=st.one_of(
        st.lists(st.one_of(_ENTRY, _ENTRY, _ITEM, _ITEM, st.just("")), max_size=4),
        st.lists(st.one_of(_PLAIN_ENTRY, _PLAIN_LIST), max_size=4).map(_lines),
    )
)
# near misses of the plain forms that YAML reads otherwise, or refuses
@example(lines=["k: a:"])
@example(lines=["k: a #c"])
@example(lines=['k: "a\x85b"'])
@example(lines=["k:", " - a", "  - b"])
@example(lines=["k: on", "k: 1"])
@example(lines=["title: ³rd Wave Data Roles"])  # "³".isdigit(), but YAML reads a text
@example(lines=["k" * 1025 + ": b"])  # a plain key longer than YAML takes
def test_front_matter_reads_as_the_yaml_loader_reads_it(lines: list[str]) -> None:
    # Same values of the same types (repr tells True from 1 and "1" from 1), same notes, same errors.
    source = "\n".join(lines)
    expected = _read(lambda: load_front_matter(source))
    got = _read(lambda: read_front_matter(f"---\n{source}\n---\nbody")[::2])
    assert repr(got) == repr(expected)


def test_the_wikis_forms_read_as_yaml_does() -> None:
    source = "\n".join(
        [
            'title: "Data Engineer to ML Engineer: a Roadmap"',
            "layout: wiki",
            "season: 18",
            "published: false",
            'tags: [transition, "roadmap"]',
            "podcast_episodes: []",
            "related:",
            " - Data Engineer Role",
            ' - "A/B Testing"',
            "redirect_to: /podcasts/hiring-for-data-science/",
        ]
    )
    assert _plain_front_matter(source.split("\n")) is not None  # read by hand, not by the loader
    meta, body_line, notes = read_front_matter(f"---\n{source}\n---\nbody")
    assert (meta, notes) == load_front_matter(source)
    assert meta["season"] == 18 and meta["published"] is False and meta["related"][1] == "A/B Testing"
    assert body_line == 13


_ALMOST = ["tags: [" + "data science , " * 40, "k: [" + "a  ," * 40, "k: a" + " " * 8000 + "#"]


@pytest.mark.skipif(not hasattr(signal, "alarm"), reason="needs signal.alarm to stop a runaway read")
@pytest.mark.parametrize("line", _ALMOST)
def test_a_line_the_plain_forms_almost_take_goes_to_the_loader_at_once(line: str) -> None:
    # An unclosed list whose items end in spaces once took time exponential in its items (22 of them: 17 s,
    # 24: 89 s); now the plain forms let go of it in well under a millisecond. The alarm only stops a
    # regression from hanging the suite (40 items the slow way would take longer than the universe has left).
    def runaway(_signal: int, _frame: object) -> None:
        raise AssertionError(f"reading {line[:30]!r}... did not end: a pattern backtracks without bound")

    previous = signal.signal(signal.SIGALRM, runaway)
    signal.alarm(60)
    try:
        got = _read(lambda: read_front_matter(f"---\n{line}\n---\nbody")[::2])
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    assert repr(got) == repr(_read(lambda: load_front_matter(line)))
