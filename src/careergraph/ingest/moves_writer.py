"""Writing guests' career moves (the shared model, see the README's model table).

A move is a claim ``claim/move/<guest>/<from>--<to>``, typed ``cg:Claim`` and
``cg:CareerMove``, attributed to the guest, supporting the transition
``transition/<from>--<to>`` (created, and typed ``cg:ObservedTransition`` too,
when no page records it), derived from the chapter's segment, the episode (an
episode title), or the guest's page (a bio), and labelled with the title it
was read from.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from rdflib import URIRef

from ..names import normalise
from ..vocab import CG, ID, PROV, RDF, RDFS, SCHEMA, iri
from .moves import _CAREER_WORDS, bio_moves, late_in_episode, role_candidates, title_chain

if TYPE_CHECKING:
    from pathlib import Path

    from rdflib import Graph

    from ..names import LabelIndex


class _Importer(Protocol):
    """What writing moves needs of the importer (``writer._Importer``), named here so neither imports the other."""

    index: LabelIndex
    vocabulary: Graph
    episodes: dict[str, dict[str, Any]]
    guests: set[str]
    counts: dict[str, int]
    bios: dict[str, tuple[Path, int, str, URIRef | None, str]]
    guest_names: dict[str, str]
    unattributed_moves: list[dict[str, Any]]
    topic_moves: list[dict[str, Any]]
    move_sources: dict[URIRef, set[str]]
    typed_transitions: set[URIRef]

    def add(self, s: Any, p: Any, o: Any) -> None: ...

    def literal(self, s: Any, p: Any, value: str | int, lang: str | None = None) -> None: ...

    def _declare_role(self, role: URIRef) -> None: ...


__all__ = ["transition_iri", "write_moves"]


def _last(node: URIRef) -> str:
    return str(node).rsplit("/", 1)[-1]


def transition_iri(source: URIRef, target: URIRef) -> URIRef:
    """The transition between two roles: ``transition/<from>--<to>``."""
    return ID[f"transition/{_last(source)}--{_last(target)}"]


def resolve_side(importer: _Importer, phrase: str) -> list[URIRef]:
    """The roles a side of a move names: for each alternative, its longest name that is a role."""
    found: list[URIRef] = []
    for names in role_candidates(phrase):
        for name in names:
            role = importer.index.lookup("role", name)
            if role is not None:
                found.append(URIRef(role))
                break
    return list(dict.fromkeys(found))


def chain_pairs(importer: _Importer, phrases: list[str]) -> list[tuple[URIRef, URIRef]]:
    """Consecutive (from, to) role pairs of a chain; a step that names no role breaks the chain there.

    ``physics → healthcare → machine learning`` gives no move: the step between
    is not a role, and passing over it would claim a move the guest did not make.
    """
    steps = [resolve_side(importer, p) for p in phrases]
    pairs = []
    for before, after in zip(steps, steps[1:], strict=False):
        pairs += [(a, b) for a in before for b in after if a != b]
    return list(dict.fromkeys(pairs))


def _speaker(importer: _Importer, episode: dict[str, Any], title: str) -> str | None:
    """The guest a title is about: the only guest, or the one the title names."""
    guests = [g for g in episode["guests"] if g in importer.guests]
    if len(guests) == 1:
        return guests[0]
    named = []
    for guest in guests:
        name = importer.guest_names.get(guest, guest)
        first = name.split()[0] if name.split() else guest
        if re.search(rf"(?i)\b{re.escape(first)}\b", title):
            named.append(guest)
    return named[0] if len(named) == 1 else None


def write_moves(importer: _Importer) -> None:
    """Read every chapter title, episode title and guest bio, and write the moves they tell."""
    for slug in sorted(importer.episodes):
        episode = importer.episodes[slug]
        starts = [chapter.start for _segment, chapter in episode["chapters"]]
        for number, (segment, chapter) in enumerate(episode["chapters"]):
            phrases = title_chain(chapter.title)
            if phrases is None:
                continue
            pairs = chain_pairs(importer, phrases)
            if pairs and late_in_episode(starts, number):
                pairs = _own_story(importer, episode, chapter.title, chapter.line, pairs)
            if pairs:
                _attribute(importer, episode, chapter.title, chapter.line, pairs, segment, "chapters")
        phrases = title_chain(episode["title"])
        if phrases is not None:
            pairs = chain_pairs(importer, phrases)
            if pairs:
                _attribute(importer, episode, episode["title"], 2, pairs, episode["iri"], "episode titles")
    for guest in sorted(importer.bios):
        path, line, text, page_url, name = importer.bios[guest]
        source = page_url or iri("guest", guest)
        if page_url is not None:
            importer.add(page_url, RDF.type, SCHEMA.ProfilePage)
            importer.add(page_url, SCHEMA.about, iri("guest", guest))
        for before, after in bio_moves(text):
            for pair in chain_pairs(importer, [before, after]):
                label = f"{name} · Background"
                _move(importer, guest, pair, source, label, "bios")
    importer.counts["moves"] = len(importer.move_sources)
    for kind in ("chapters", "episode titles", "bios"):
        importer.counts[f"moves from {kind}"] = sum(1 for k in importer.move_sources.values() if kind in k)


_WORD_GAP = re.compile(r"[^\w\s-]")


def names_role(importer: _Importer, text: str, role: URIRef) -> bool:
    """Whether ``text`` names ``role`` by its label or one of its names (of four letters or more)."""
    words = " " + normalise(_WORD_GAP.sub(" ", text)) + " "
    names = {normalise(importer.index.label(role))} | {
        key for key, iris in importer.index.keys.get("role", {}).items() if str(role) in iris and len(key) > 3
    }
    return any(f" {name} " in words for name in names)


def _own_story(
    importer: _Importer, episode: dict[str, Any], title: str, line: int, pairs: list[tuple[URIRef, URIRef]]
) -> list[tuple[URIRef, URIRef]]:
    """The pairs of a chapter late in its episode that are the guest's own moves; the rest are set aside.

    A guest's story is told near the start of an episode; a career move named in
    a chapter in its second half is kept only when the guest's Background, the
    episode's title or one of its other career chapters names the move's source
    role, or the title names the guest ("Cyd's Career Path: …"): else it is a topic
    the episode discusses (a question from the audience, a move the guest hires
    for), not a job the guest held.
    """
    guest = _speaker(importer, episode, title)
    if guest is None:
        return pairs  # not attributed anyway: _attribute says why
    first = importer.guest_names.get(guest, guest).split()[:1]
    if first and re.search(rf"(?i)\b{re.escape(first[0])}\b", title):
        return pairs
    bio = importer.bios.get(guest)
    texts = [bio[2] if bio else "", episode["title"]]
    texts += [c.title for _s, c in episode["chapters"] if c.title != title and _CAREER_WORDS.search(c.title)]
    kept = []
    for before, after in pairs:
        if any(names_role(importer, text, before) for text in texts):
            kept.append((before, after))
            continue
        importer.topic_moves.append(
            {
                "file": str(episode["path"]),
                "line": line,
                "title": title,
                "move": f"{importer.index.label(before)} → {importer.index.label(after)}",
                "guest": guest,
                "reason": "a chapter in the episode's second half, and neither the guest's Background, the "
                f"episode's title nor its other career chapters name {importer.index.label(before)}",
            }
        )
    return kept


def _attribute(
    importer: _Importer,
    episode: dict[str, Any],
    title: str,
    line: int,
    pairs: list[tuple[URIRef, URIRef]],
    source: URIRef,
    kind: str,
) -> None:
    guest = _speaker(importer, episode, title)
    if guest is None:
        path: Path = episode["path"]
        for before, after in pairs:
            importer.unattributed_moves.append(
                {
                    "file": str(path),
                    "line": line,
                    "title": title,
                    "move": f"{importer.index.label(before)} → {importer.index.label(after)}",
                    "reason": "several guests and the title names none of them",
                }
            )
        return
    for pair in pairs:
        _move(importer, guest, pair, source, title, kind)


def _move(
    importer: _Importer, guest: str, pair: tuple[URIRef, URIRef], source: URIRef, label: str, kind: str
) -> None:
    before, after = pair
    transition = transition_iri(before, after)
    if (
        transition not in importer.typed_transitions
        and (transition, RDF.type, CG.Transition) not in importer.vocabulary
    ):
        for rdf_type in (CG.Transition, CG.ObservedTransition):
            importer.add(transition, RDF.type, rdf_type)
        importer.typed_transitions.add(transition)
        importer.add(transition, CG.fromRole, before)
        importer.add(transition, CG.toRole, after)
        text = f"{importer.index.label(before)} to {importer.index.label(after)}"
        importer.literal(transition, RDFS.label, text, "en")
        importer.counts["observed transitions"] += 1
    for role in pair:
        importer._declare_role(role)
    claim = ID[f"claim/move/{guest}/{_last(before)}--{_last(after)}"]
    importer.add(claim, RDF.type, CG.Claim)
    importer.add(claim, RDF.type, CG.CareerMove)
    importer.add(claim, PROV.wasAttributedTo, iri("guest", guest))
    importer.add(claim, CG.supports, transition)
    importer.add(claim, PROV.wasDerivedFrom, source)
    importer.literal(claim, RDFS.label, label, "en")
    importer.move_sources.setdefault(claim, set()).add(kind)
