"""Reading page titles: role pages and transition pages.

>>> split_transition_title("Data Analyst or BI Developer to Data Engineer and AI Engineer Roadmap")
(['Data Analyst', 'BI Developer'], ['Data Engineer', 'AI Engineer'])
"""

from __future__ import annotations

import re

__all__ = ["looks_like_role", "role_page_name", "split_transition_title", "valid_url"]

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


_ROLE_NOUN = re.compile(
    r"^(?:[A-Z][\w&'’ -]*\s)?(?:Engineer|Scientist|Analyst|Manager|Developer|Architect|Lead|Officer|Owner|"
    r"Translator|Researcher|Advocate|Consultant|Founder|Designer|Director|Head of \w+)$"
)


def looks_like_role(title: str) -> bool:
    """Whether a page title is a role's name, without "Role": it ends in a job noun.

    >>> looks_like_role("MLOps Engineer"), looks_like_role("Founder"), looks_like_role("FinOps for Data Engineers")
    (True, True, False)
    >>> looks_like_role("Data Engineer vs Data Scientist"), looks_like_role("Data Roles: Analyst, Data Product Manager")
    (False, False)
    """
    return bool(_ROLE_NOUN.match(title)) and not re.search(r"(?i)\bvs\.?\b|:|\bto\b|\bfor\b", title)


_URL = re.compile(r"^https?://[^\s<>\"{}|\\^`]+$")


def valid_url(text: str) -> bool:
    """Whether ``text`` is an http(s) URL that can be an IRI (no spaces, no ``<>"{}|\\^```).

    >>> valid_url("https://datatalks.club/people/x.html"), valid_url("https://x.org/a b"), valid_url("https://x>y")
    (True, False, False)
    """
    return bool(_URL.match(text))
