"""Every fact of the seed page is in graph_data/ as triples."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from rdflib import Graph, Literal, URIRef

from careergraph.names import LabelIndex
from careergraph.vocab import CG, ID, PROV, RDF, RDFS, SCHEMA, segment_iri

T1 = ID["transition/data-scientist--machine-learning-engineer"]

# How the seed page names each episode it cites, and the archive slug it resolves to.
EPISODES = {
    "ABC framework": "data-science-career-abc-framework",
    "production ML engineering": "machine-learning-engineering-production-best-practices",
    "research-to-production": "research-to-production-ml-systems-roadmap",
    "data-science-to-engineering": "from-software-engineering-data-science-to-data-engineering-leadership",
    "role comparison": "big-data-engineer-vs-data-scientist",
    "ML platform": "building-production-ml-platform-and-mlops-team",
    "software-engineer-to-ML": "from-software-engineer-to-machine-learning",
}
GUESTS = {
    "Danny Ma": "dannyma",
    "Ben Wilson": "benwilson",
    "Mihail Eric": "mihaileric",
    "Ellen Koenig": "ellenkonig",
    "Roksolana Diachuk": "roksolanadiachuk",
    "Simon Stiebellehner": "simonstiebellehner",
    "Santiago Valdarrama": "svpino",
}
CITATION = re.compile(r"\(([\w -]+?) episode at ([0-9:\- and]+?)\)")


def seconds(stamp: str) -> int:
    total = 0
    for part in stamp.split(":"):
        total = total * 60 + int(part)
    return total


def cited_segments(seed_text: str) -> list[tuple[str, int, int | None]]:
    segments = []
    for name, times in CITATION.findall(seed_text):
        for span in times.split(" and "):
            start, _, end = span.strip().partition("-")
            segments.append((EPISODES[name], seconds(start), seconds(end) if end else None))
    return segments


def test_the_seed_cites_twelve_ranges_and_one_single_time(seed_text: str) -> None:
    segments = cited_segments(seed_text)
    assert len(segments) == 13
    assert sum(end is None for _, _, end in segments) == 1


def test_every_cited_time_range_is_a_segment_of_its_episode(seed_text: str, seed_graph: Graph) -> None:
    for slug, start, end in cited_segments(seed_text):
        segment = segment_iri(slug, start, end)
        assert (segment, RDF.type, SCHEMA.Clip) in seed_graph, segment
        assert seed_graph.value(segment, SCHEMA.partOfEpisode) == ID[f"episode/{slug}"]
        assert seed_graph.value(segment, SCHEMA.startOffset) == Literal(start)
        assert seed_graph.value(segment, SCHEMA.endOffset) == (None if end is None else Literal(end))
        url = str(seed_graph.value(segment, SCHEMA.url))
        assert url.startswith("https://www.youtube.com/watch?v=") and url.endswith(f"&t={start}")


def test_every_cited_segment_backs_a_claim_by_the_episodes_guest(seed_text: str, seed_graph: Graph) -> None:
    for slug, start, end in cited_segments(seed_text):
        segment = segment_iri(slug, start, end)
        claims = list(seed_graph.subjects(PROV.wasDerivedFrom, segment))
        assert claims, f"no claim cites {segment}"
        episode_guests = set(seed_graph.objects(ID[f"episode/{slug}"], CG.guest))
        for claim in claims:
            assert seed_graph.value(claim, PROV.wasAttributedTo) in episode_guests
            assert (claim, CG.supports, T1) in seed_graph


def test_guests(seed_text: str, seed_graph: Graph, seed_index: LabelIndex) -> None:
    for name, slug in GUESTS.items():
        assert name in seed_text
        assert seed_index.resolve("guest", name) == str(ID[f"guest/{slug}"])
    assert len(set(seed_graph.subjects(RDF.type, SCHEMA.Person))) == 7


def test_roles_tools_and_skills_are_named_as_the_page_names_them(seed_index: LabelIndex) -> None:
    for role in [
        "Data Scientist",
        "Machine Learning Engineer",
        "ML Platform Engineer",
        "MLOps",
        "Data Engineer",
        "Big Data Engineer",
        "Full-Stack Data Scientist",
        "Software Engineer",
    ]:
        seed_index.resolve("role", role)
    for tool in [
        "PyTorch",
        "Docker",
        "Git",
        "cloud",
        "web frameworks",
        "MLflow",
        "Kubeflow",
        "Kubernetes",
        "Terraform",
        "cloud providers",
    ]:
        seed_index.resolve("tool", tool)
    for skill in [
        "data intuition",
        "feature reasoning",
        "evaluation",
        "problem framing",
        "modular Python",
        "tests",
        "package structure",
        "configuration",
        "code review",
        "collaboration habits",
        "CI/CD",
        "DevOps",
        "CLI use",
        "clean code",
        "data pipelines",
        "deployment",
        "monitoring",
        "APIs",
        "latency",
        "freshness",
        "failure handling",
        "batch and online serving",
        "recommendation systems",
        "experiment tracking",
        "model registries",
        "metadata",
        "lineage",
        "governance",
        "cloud infrastructure",
        "data science workflows",
        "rapid prototypes",
        "timeboxed experiments",
        "cost-benefit tradeoffs",
        "iterative sprints",
        "MVPs",
        "feature engineering",
        "data cleaning",
        "model cycle",
        "pipeline infrastructure",
        "full ML lifecycle",
        "embedded collaboration",
        "end-to-end systems",
        "data loading",
        "baseline",
        "training",
        "packaging",
        "scheduled scoring",
        "monitoring hooks",
        "explaining tradeoffs",
        "technical-debt ownership",
        "stakeholder communication",
        "exploration",
        "data validation",
        "logging",
        "rollback story",
        "data quality",
        "prediction drift",
    ]:
        seed_index.resolve("skill", skill)
    for topic in ["mentors", "mini-projects", "throw it over the wall"]:
        seed_index.resolve("topic", topic)


def test_three_ranked_skill_gaps(seed_graph: Graph) -> None:
    gaps = sorted(
        (int(seed_graph.value(gap, CG.rank)), str(seed_graph.value(gap, RDFS.label)))
        for gap in seed_graph.objects(T1, CG.hasSkillGap)
    )
    assert gaps == [
        (1, "Software engineering gap"),
        (2, "Deployment and operations gap"),
        (3, "System design gap"),
    ]


def test_route_variants_and_where_they_lead(seed_graph: Graph, seed_index: LabelIndex) -> None:
    leads = {
        str(seed_graph.value(v, RDFS.label)): sorted(
            seed_index.label(r) for r in seed_graph.objects(v, CG.leadsTo)
        )
        for v in seed_graph.objects(T1, CG.hasRouteVariant)
    }
    assert leads == {
        "Product ML route": ["Machine Learning Engineer"],
        "Platform route": ["ML Platform Engineer"],
        "Data engineering route": ["Big Data Engineer", "Data Engineer"],
        "Full-stack data scientist route": ["Full-Stack Data Scientist"],
    }


def test_five_portfolio_projects_each_proving_skills(seed_text: str, seed_graph: Graph) -> None:
    projects = list(seed_graph.objects(T1, CG.hasPortfolioProject))
    assert len(projects) == 5
    bullets = [line[2:] for line in seed_text.splitlines() if line.startswith("- ")]
    assert len(bullets) == 5
    names = {str(seed_graph.value(p, SCHEMA.name)).casefold() for p in projects}
    for bullet in bullets:
        first_words = " ".join(bullet.split()[1:3]).casefold()  # "batch scoring", "online inference"
        assert any(name.startswith(first_words) for name in names), bullet
    for project in projects:
        assert len(list(seed_graph.objects(project, CG.provesSkill))) >= 3
        assert list(seed_graph.subjects(CG.supports, project)), "a project needs evidence"


def _front_matter(path: Path) -> dict:
    text = path.read_text(encoding="utf-8")
    return yaml.safe_load(text.split("---", 2)[1])


def test_episodes_match_the_archive(seed_graph: Graph, podwiki: Path) -> None:
    for slug in EPISODES.values():
        meta = _front_matter(podwiki / "_podcast_summaries" / f"{slug}.md")
        episode = ID[f"episode/{slug}"]
        assert str(seed_graph.value(episode, SCHEMA.name)) == meta["title"]
        assert seed_graph.value(episode, SCHEMA.video) == URIRef(meta["youtube_url"])
        assert int(seed_graph.value(episode, SCHEMA.episodeNumber)) == meta["episode"]
        season = seed_graph.value(episode, SCHEMA.partOfSeason)
        assert int(seed_graph.value(season, SCHEMA.seasonNumber)) == meta["season"]
        guests = {str(g).rsplit("/", 1)[-1] for g in seed_graph.objects(episode, CG.guest)}
        assert guests == set(meta["guests"])


@pytest.mark.parametrize("name,slug", sorted(GUESTS.items()))
def test_guests_match_the_archive(name: str, slug: str, seed_graph: Graph, podwiki: Path) -> None:
    meta = _front_matter(podwiki / "_people" / f"{slug}.md")
    guest = ID[f"guest/{slug}"]
    names = {str(n) for n in seed_graph.objects(guest, SCHEMA.name)}
    names |= {str(n) for n in seed_graph.objects(guest, SCHEMA.alternateName)}
    assert meta["title"] in names and name in names
    for episode_slug in meta["podcast_episodes"]:
        if episode_slug in EPISODES.values():
            assert (ID[f"episode/{episode_slug}"], CG.guest, guest) in seed_graph


def test_the_plain_prefixes_are_rdflibs_namespaces() -> None:
    from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, SKOS, XSD

    from careergraph.prefixes import PREFIXES
    from careergraph.vocab import CG, ID, SCHEMA

    namespaces = {"cg": CG._NS, "id": ID, "schema": SCHEMA, "skos": SKOS, "prov": PROV, "dcterms": DCTERMS}
    namespaces |= {"rdfs": RDFS, "rdf": RDF, "xsd": XSD}
    assert {name: str(namespace) for name, namespace in namespaces.items()} == PREFIXES
