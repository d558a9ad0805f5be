"""Synthetic careergraph data with the archive's shape, at any size.

Roles need skills and use tools; skills and tools have labels and alternative
labels; guests appear in episodes of about ten segments each; transitions
between roles add skills, have ranked skill gaps, a route variant and a
portfolio project, and are backed by claims that guests make in segments (one
from a whole episode), which mention a skill and a tool. Everything is drawn from a seeded generator, so the
same arguments give the same file.

Usage: python benchmarks/synthetic.py --roles 3000 --skills 14000 -o synth.ttl
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

PREFIXES = """@prefix cg: <https://w3id.org/careergraph/ontology#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix schema: <https://schema.org/> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@base <https://w3id.org/careergraph/id/> .
"""


def sizes_for_triples(triples: int) -> dict[str, int]:
    """Counts of each kind that give about ``triples`` triples (about 123 per role)."""
    roles = max(10, triples // 123)
    return {"roles": roles, "skills": max(20, roles * 14 // 3)}


def generate(path: Path, *, roles: int, skills: int, seed: int = 7) -> int:
    """Write the graph to ``path``; return the number of triples written."""
    rng = random.Random(seed)
    tools = max(5, skills // 20)
    guests = max(3, roles // 7)
    episodes = max(2, roles // 15)
    triples = 0
    with path.open("w", encoding="utf-8") as out:
        out.write(PREFIXES)

        def emit(subject: str, pairs: list[tuple[str, str]]) -> None:
            nonlocal triples
            triples += len(pairs)
            body = " ;\n    ".join(f"{p} {o}" for p, o in pairs)
            out.write(f"\n{subject} {body} .\n")

        for s in range(skills):
            emit(
                f"<skill/s{s}>",
                [
                    ("a", "skos:Concept"),
                    ("skos:inScheme", "cg:Skills"),
                    ("skos:prefLabel", f'"Skill {s}"@en'),
                    ("skos:altLabel", f'"S{s}"@en'),
                ],
            )
        for t in range(tools):
            emit(
                f"<tool/t{t}>",
                [("a", "skos:Concept"), ("skos:inScheme", "cg:Tools"), ("skos:prefLabel", f'"Tool {t}"@en')],
            )
        role_skills = []
        for r in range(roles):
            needed = rng.sample(range(skills), 12)
            role_skills.append(needed)
            pairs = [
                ("a", "cg:Role"),
                ("a", "schema:Occupation"),
                ("a", "skos:Concept"),
                ("skos:inScheme", "cg:Roles"),
                ("skos:prefLabel", f'"Role {r}"@en'),
                ("skos:altLabel", f'"R{r}"@en'),
            ]
            pairs += [("cg:requiresSkill", f"<skill/s{s}>") for s in needed]
            pairs += [("cg:usesTool", f"<tool/t{rng.randrange(tools)}>") for _ in range(3)]
            emit(f"<role/r{r}>", pairs)
        for g in range(guests):
            emit(f"<guest/g{g}>", [("a", "schema:Person"), ("schema:name", f'"Guest {g}"')])
        segments = []
        for e in range(episodes):
            video = f"https://www.youtube.com/watch?v=ep{e}"
            emit(
                f"<episode/e{e}>",
                [
                    ("a", "schema:PodcastEpisode"),
                    ("schema:name", f'"Episode {e}"'),
                    ("cg:slug", f'"e{e}"'),
                    ("cg:guest", f"<guest/g{e % guests}>"),
                    ("schema:video", f"<{video}>"),
                ],
            )
            start = 0
            for _ in range(10):
                end = start + rng.randrange(120, 600)
                emit(
                    f"<segment/e{e}/{start}-{end}>",
                    [
                        ("a", "schema:Clip"),
                        ("schema:partOfEpisode", f"<episode/e{e}>"),
                        ("schema:startOffset", str(start)),
                        ("schema:endOffset", str(end)),
                        ("schema:url", f"<{video}&t={start}>"),
                    ],
                )
                segments.append((e, f"<segment/e{e}/{start}-{end}>"))
                start = end
        # Transitions: each role leads to two others, a chain so that long routes exist.
        claim = 0
        for r in range(roles):
            for target in {(r + 1) % roles, rng.randrange(roles)} - {r}:
                t = f"<transition/r{r}--r{target}>"
                gap = f"<gap/r{r}--r{target}/1>"
                adds = rng.sample(role_skills[target], 6)
                variant = f"<variant/r{r}--r{target}/1>"
                project = f"<project/r{r}--r{target}/1>"
                via = rng.randrange(roles)
                emit(
                    t,
                    [
                        ("a", "cg:Transition"),
                        ("cg:fromRole", f"<role/r{r}>"),
                        ("cg:toRole", f"<role/r{target}>"),
                        *[("cg:addsSkill", f"<skill/s{s}>") for s in adds],
                        ("cg:usesTool", f"<tool/t{rng.randrange(tools)}>"),
                        ("cg:hasSkillGap", gap),
                        ("cg:hasRouteVariant", variant),
                        ("cg:hasPortfolioProject", project),
                    ],
                )
                emit(
                    gap,
                    [
                        ("a", "cg:SkillGap"),
                        ("rdfs:label", '"Gap"@en'),
                        ("cg:rank", "1"),
                        *[("cg:gapSkill", f"<skill/s{s}>") for s in adds[:3]],
                    ],
                )
                emit(
                    variant,
                    [
                        ("a", "cg:RouteVariant"),
                        ("rdfs:label", f'"Route by way of Role {via}"@en'),
                        ("cg:leadsTo", f"<role/r{via}>"),
                    ],
                )
                emit(
                    project,
                    [
                        ("a", "cg:PortfolioProject"),
                        ("schema:name", f'"Project for Role {target}"@en'),
                        ("cg:rank", "1"),
                        *[("cg:provesSkill", f"<skill/s{s}>") for s in adds[3:5]],
                    ],
                )
                for n in range(2):
                    e, segment = segments[rng.randrange(len(segments))]
                    # The first claim of every tenth transition cites the whole episode.
                    source = f"<episode/e{e}>" if n == 0 and r % 10 == 0 else segment
                    emit(
                        f"<claim/c{claim}>",
                        [
                            ("a", "cg:Claim"),
                            ("rdfs:label", f'"Claim {claim}"@en'),
                            ("prov:wasAttributedTo", f"<guest/g{e % guests}>"),
                            ("prov:wasDerivedFrom", source),
                            ("cg:supports", t),
                            ("cg:supports", variant if n == 0 else project),
                            ("cg:mentionsSkill", f"<skill/s{adds[0]}>"),
                            ("cg:mentionsTool", f"<tool/t{rng.randrange(tools)}>"),
                        ],
                    )
                    claim += 1
    return triples


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--roles", type=int, default=3000)
    parser.add_argument("--skills", type=int, default=14000)
    parser.add_argument("--triples", type=int, help="aim at about this many triples instead")
    parser.add_argument("-o", "--output", type=Path, required=True)
    args = parser.parse_args()
    sizes = sizes_for_triples(args.triples) if args.triples else {"roles": args.roles, "skills": args.skills}
    count = generate(args.output, **sizes)
    print(f"wrote {args.output}: {count} triples ({sizes['roles']} roles, {sizes['skills']} skills)")


if __name__ == "__main__":
    main()
