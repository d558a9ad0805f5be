"""The YAML loader for front matter the wiki's plain forms do not cover (see
:func:`careergraph.ingest.markup.read_front_matter`): YAML's safe loader, libyaml's
where PyYAML has it, with careergraph's checks and bounds.

Imported only when such front matter turns up: the snapshot's files need
none of it, and a command that reads them saves importing PyYAML.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from ..errors import FrontMatterError
from .bounds import MAX_DEPTH, MAX_VALUES

__all__ = ["load_front_matter"]

_CLOCK = re.compile(r"^\d{1,2}:[0-5]\d(?::[0-5]\d)?$")


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


def load_front_matter(source: str) -> tuple[dict[str, Any], list[tuple[int, str]]]:
    """The front matter ``source`` (from the file's line 2) as YAML reads it, and notes by file line.

    >>> load_front_matter("title: X\\nat: 12:30\\nat: 1")
    ({'title': 'X', 'at': 1}, [(3, "value 12:30 of 'at' is read as text, not a number"), (4, "duplicate key 'at' (first on line 3); the last value wins")])

    Raises
    ------
    FrontMatterError
        with the file line, when ``source`` is not valid YAML, not a mapping, or over the bounds.
    """
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
    return meta, sorted(notes)
