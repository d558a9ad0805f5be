"""Front matter reads as the YAML loader reads it, whether or not the loader is the one that reads it."""

from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st

from careergraph.errors import FrontMatterError
from careergraph.ingest.front_yaml import load_front_matter
from careergraph.ingest.markup import read_front_matter

# What a key, a scalar or an indentation can be: the wiki's own forms, and near misses that YAML reads
# otherwise (booleans, nulls, numbers in other bases, dates, floats, base-60 times, indicators, escapes,
# line breaks other than "\n", characters YAML refuses).
_KEYS = st.sampled_from(["title", "tags", "a-b", "_x", "on", "Yes", "null", "x y", "1a", "key ", "-k"])
_CHARACTERS = list("aZé/ .,:#'\"-_&+()[]{}!*|>%@`~?=<0129\t\\") + ["\x85", "\u2028", "\xa0", "\ufeff", "\x01"]
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


@settings(max_examples=600, deadline=None)
@given(lines=st.lists(st.one_of(_ENTRY, _ENTRY, _ITEM, _ITEM, st.just("")), max_size=4))
# near misses of the plain forms that YAML reads otherwise, or refuses
@example(lines=["k: a:"])
@example(lines=["k: a #c"])
@example(lines=['k: "a\x85b"'])
@example(lines=["k:", " - a", "  - b"])
@example(lines=["k: on", "k: 1"])
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
    meta, body_line, notes = read_front_matter(f"---\n{source}\n---\nbody")
    assert (meta, notes) == load_front_matter(source)
    assert meta["season"] == 18 and meta["published"] is False and meta["related"][1] == "A/B Testing"
    assert body_line == 13
