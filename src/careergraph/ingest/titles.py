"""Reading page titles: role pages and transition pages.

>>> split_transition_title("Data Analyst or BI Developer to Data Engineer and AI Engineer Roadmap")
(['Data Analyst', 'BI Developer'], ['Data Engineer', 'AI Engineer'])
"""

from __future__ import annotations

import re

__all__ = ["role_page_name", "split_transition_title"]

_ROLE_TITLE = re.compile(r"^(.*\S)\s+Role$")
_TRANSITION_TITLE = re.compile(r"^(.+?)\s+to\s+(.+?)(?:\s+Roadmap)?$")


def split_transition_title(title: str) -> tuple[list[str], list[str]] | None:
    """The sources and targets of a transition page title "X or Z to Y and W [Roadmap]".

    >>> split_transition_title("Baker, Chef to Data Analyst")
    (['Baker', 'Chef'], ['Data Analyst'])
    >>> split_transition_title("Career Advice") is None
    True
    """
    match = _TRANSITION_TITLE.match(title)
    if not match:
        return None
    return (
        re.split(r"\s+or\s+|\s*,\s*", match.group(1)),
        re.split(r"\s+and\s+|\s*,\s*", match.group(2)),
    )


def role_page_name(title: str) -> str | None:
    """The role a "… Role" page title names.

    >>> role_page_name("Data Analyst Role"), role_page_name("Roadmaps")
    ('Data Analyst', None)
    """
    match = _ROLE_TITLE.match(title)
    return match.group(1) if match else None
