"""The step that writes triples: a wiki folder in, careergraph's model out.

:func:`import_podwiki` reads a wiki folder and returns the triples it holds,
in careergraph's model and with its identities, so they merge with the seed
graph: the same episode, guest, role, skill or tool gets the same IRI.

- episodes: title, season, number, guests, topics, video; each chapter a segment
  from its start to the next chapter's start (the last one open-ended);
- guests: name, links (GitHub, LinkedIn, Twitter, web);
- pages: title, tags, related pages, links; "… Role" pages become roles,
  transition pages ("X to Y", "X to Y Roadmap", "X or Z to Y and W")
  transitions, concept pages skills, tools or topics by the curated
  vocabulary in ``graph_data/`` (a title it does not know becomes a topic);
- every ``[[podcast:…]]`` citation a claim: derived from the segment of each
  time span it gives (or the episode), attributed to the guests named in the
  paragraph (or the episode's guests), supporting what the page is about;
- the skills and tools a paragraph names (curated labels, links to their
  pages) are attached to the page's transition or role, and mentioned by the
  paragraph's claims.

Problems (bad front matter, unknown slugs, links to missing pages, time ranges
that end before they start) are collected as :class:`Problem` s naming
``file:line``; the import goes on past each one.
"""

from __future__ import annotations

import functools
import re
import stat
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rdflib import Graph, URIRef

from .. import forked
from ..data import load_graph, turtle_files
from ..errors import FrontMatterError, WikiFolderError
from ..facts import gc_paused
from ..names import LabelIndex, normalise
from ..routes.evidence import clock
from ..vocab import (
    CG,
    DCTERMS,
    ID,
    PROV,
    RDF,
    RDFS,
    SCHEMA,
    SKOS,
    deep_link,
    iri,
    role_iri,
    segment_iri,
    slugify,
)
from .citations import Cited, read_citations, seconds
from .markup import blocks, chapters, page_and_person_links, read_front_matter, section_text, wiki_links
from .matcher import LabelMatcher, practitioner_role, resolve_role
from .moves_writer import transition_iri, write_moves
from .result import ImportResult, Problem
from .sense import (
    asks,
    leading_plural,
    needs_section,
    pointer_section,
    points_elsewhere,
    scoped_to,
    section_stance,
    sentence_stance,
    sentences,
)
from .titles import looks_like_role, role_page_name, split_transition_title, valid_url
from .triples import Triples

__all__ = ["count_files", "import_podwiki"]

FOLDERS = ("_wiki", "_people", "_podcast_summaries")
#: A wiki page is tens of kilobytes; a file far beyond that is not one, and is skipped.
MAX_FILE_BYTES = 2_000_000
_CHAPTER_LIKE = re.compile(r"^\s*[-*]\s+(\d{1,2}(?::\d{1,2})+)\s+[-–—]\s+\[")
_PUNCTUATION = re.compile(r"[^\w\s-]")
_CAPITALISED = re.compile(r"[A-Z][\w-]+")
#: How firmly a sentence says a move keeps or adds something; the firmest on the page wins. A sentence's
#: own words ("already know", "add") beat its section's heading, and a section about what to add or learn
#: ("Stage 2", "Gaps") beats one about transferable strengths; a sentence with neither counts as gained.
_STANCE_RANK = {
    ("kept", True): 5,
    ("gain", True): 4,
    ("gain", False): 3,
    ("kept", False): 2,
    (None, False): 1,
}
_KEPT_RANKS = {_STANCE_RANK[("kept", True)], _STANCE_RANK[("kept", False)]}

_PROFILE_LINKS = {
    "github": "https://github.com/{}",
    "linkedin": "https://www.linkedin.com/in/{}",
    "twitter": "https://twitter.com/{}",
    "web": "{}",
}

#: Steps of an import, each with the file it shows on a progress bar (None: none).
_Work = list[tuple[Callable[[], None], Path | None]]


@dataclass
class _Page:
    path: Path
    slug: str
    title: str
    meta: dict[str, Any]
    body: str
    body_line: int
    subjects: list[URIRef] = field(default_factory=list)
    #: the guests of every episode the page links, whose names may appear in its prose
    cited_guests: set[str] = field(default_factory=set)
    #: transition -> its target role, on transition pages
    targets: dict[URIRef, URIRef] = field(default_factory=dict)
    #: the source roles of the page's transitions
    sources: set[URIRef] = field(default_factory=set)
    #: (transition, skill or tool) -> how firmly the page says it is kept or gained (see ``_STANCE_RANK``)
    stances: dict[tuple[URIRef, str, URIRef], int] = field(default_factory=dict)
    kind: str = "page"  # "transition", "role", "concept" or "page"
    #: on a field's concept page ("Analytics Engineering"), the known role that practises it
    practitioner: URIRef | None = None

    def meta_line(self, value: str) -> int:
        """The line of the front matter that holds ``value`` (2, its first line, if none does)."""
        lines = self.path.read_text(encoding="utf-8").split("\n")[1 : self.body_line - 2]
        return next((number for number, line in enumerate(lines, start=2) if value in line), 2)


class _Importer:
    def __init__(self, root: Path) -> None:
        self.root = root
        #: what the import adds, as plain tuples (an rdflib Graph here cost more than the rest of the import)
        self.triples = Triples()
        self.segments: set[str] = set()
        #: 2: read part of the files and the second half of the pages in a forked child (see ``read_files``)
        self.jobs = 1
        #: the jobs asked for (None: as :func:`careergraph.forked.available` says when it is time)
        self.asked: int | None = 1
        self._segment_iris: dict[tuple[str, int, int | None], URIRef] = {}
        #: the curated vocabulary, its names and its matcher, from :meth:`use`; reading the files needs none
        #: of them, so a vocabulary still to load is loaded while a forked child reads (``read_files``)
        self.vocabulary: Graph
        self.index: LabelIndex
        self._matcher: LabelMatcher
        #: the RDF files to load the vocabulary from, until it is loaded (None: it is)
        self.vocabulary_files: list[Path] | None = None
        #: each listed wiki file's size, from the stat that listed it: what cutting the files' work weighs
        self._sizes: dict[Path, int] = {}
        self.problems: list[Problem] = []
        self.episodes: dict[str, dict[str, Any]] = {}
        self.guests: set[str] = set()
        self.pages: dict[str, _Page] = {}
        self.page_by_title: dict[str, str] = {}
        #: link target -> the page it names (links recur: found once)
        self._found_pages: dict[str, str | None] = {}
        #: (page slug, an episode's guests) -> what :meth:`_other_names` gives for them
        self._others: dict[tuple[str, tuple[str, ...]], frozenset[str]] = {}
        self.counts: dict[str, int] = defaultdict(int)
        self.skipped: list[dict[str, Any]] = []
        self.ranges_found: set[tuple[str, int, int | None]] = set()
        self.ranges_held: set[tuple[str, int, int | None]] = set()
        self.positions: dict[tuple[str, str], int] = defaultdict(int)
        self.created_roles: set[URIRef] = set()
        #: guest slug -> (person page, first line, Background text, page URL)
        self.bios: dict[str, tuple[Path, int, str, URIRef | None, str]] = {}
        self.guest_names: dict[str, str] = {}
        self.unattributed_moves: list[dict[str, Any]] = []
        #: chapter moves read as a topic the episode discusses, not the guest's own (left out)
        self.topic_moves: list[dict[str, Any]] = []
        #: move claim -> the kinds of source it was read from (chapters, episode titles, bios)
        self.move_sources: dict[URIRef, set[str]] = {}
        #: every transition typed cg:Transition so far, by a transition page or a move (a move makes one only
        #: where none is); kept when ``_create_roles`` reads pages for their roles, so a child writing the moves
        #: after the second half of the pages knows the first half's too
        self.typed_transitions: set[URIRef] = set()

    def use(self, vocabulary: Graph) -> None:
        """Resolve names against ``vocabulary`` (the curated graph)."""
        self.vocabulary = vocabulary
        self.index = LabelIndex.from_graph(vocabulary)
        self._matcher = LabelMatcher(vocabulary)

    def _load_vocabulary(self) -> None:
        self.use(load_graph(self.vocabulary_files or []))
        self.vocabulary_files = None

    # --- helpers ----------------------------------------------------------------

    def url(self, path: Path, meta: dict[str, Any], key: str, value: str | None = None) -> URIRef | None:
        """The front-matter value ``key`` (or ``value`` made from it) as an IRI, or None and a warning."""
        text = value if value is not None else meta.get(key)
        if not isinstance(text, str) or not text.strip():
            return None
        if not valid_url(text.strip()):
            self.warn(path, self.front_line(path, key), f"{key}: {text!r} is not a valid URL; dropped")
            return None
        return URIRef(text.strip())

    def front_line(self, path: Path, key: str) -> int:
        """The line of the front matter where ``key`` is set (2 if not found)."""
        try:
            lines = path.read_text(encoding="utf-8").split("\n")
        except (OSError, UnicodeDecodeError):
            return 2
        for number, line in enumerate(lines[1:], start=2):
            if line.strip() == "---":
                break
            if line.startswith(f"{key}:"):
                return number
        return 2

    def warn(self, path: Path, line: int, message: str) -> None:
        self.problems.append(Problem(str(path), line, message))

    def add(self, s: Any, p: Any, o: Any) -> None:
        self.triples.add(s, p, o)

    def literal(self, s: Any, p: Any, value: str | int, lang: str | None = None) -> None:
        self.triples.add_literal(s, p, value, lang)

    def read(self, path: Path) -> tuple[dict[str, Any], str, int] | None:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            self.warn(path, 1, f"cannot read the file: {error}")
            return None
        try:
            meta, body_line, notes = read_front_matter(text)
        except FrontMatterError as error:
            self.warn(path, error.line, str(error))
            return None
        for line, note in notes:
            self.warn(path, line, note)
        body = "\n".join(text.split("\n")[body_line - 1 :])
        return meta, body, body_line

    def items(self, path: Path, meta: dict[str, Any], key: str, *, quiet: bool = False) -> list[str]:
        """A front-matter list as strings; a lone string counts as a list of one."""
        value = meta.get(key)
        if value is None:
            return []
        if isinstance(value, str):
            return [value]
        if isinstance(value, list):
            return [str(item) for item in value if item is not None]
        if not quiet:
            self.warn(path, 2, f"{key} should be a list, not {value!r}; ignored")
        return []

    def _files(self, folder: str) -> list[Path]:
        """The folder's Markdown files; anything else named ``*.md`` (a FIFO, a device) is skipped."""
        directory = self.root / folder
        if not directory.is_dir():
            return []
        found = []
        for path in sorted(_markdown(directory)):
            try:
                found_stat = path.stat()
            except OSError as error:
                self.warn(path, 1, f"cannot read the file: {error.strerror or error}; skipped")
                continue
            if not stat.S_ISREG(found_stat.st_mode):
                self.warn(path, 1, "not a regular file; skipped")
            elif found_stat.st_size > MAX_FILE_BYTES:
                self.warn(path, 1, f"file is over {MAX_FILE_BYTES // 1_000_000} MB; skipped")
            else:
                found.append(path)
                self._sizes[path] = found_stat.st_size
        return found

    # --- people -----------------------------------------------------------------

    def person(self, path: Path) -> None:
        read = self.read(path)
        if read is None:
            return
        meta, body, body_line = read
        slug = path.stem
        name = meta.get("title")
        if not isinstance(name, str) or not name.strip():
            self.warn(path, 2, "a person page needs a title (the person's name)")
            return
        guest = iri("guest", slug)
        self.guests.add(slug)
        self.guest_names[slug] = name.strip()
        self.add(guest, RDF.type, SCHEMA.Person)
        self.literal(guest, SCHEMA.name, name.strip())
        self.literal(guest, CG.slug, slug)
        page_url = self.url(path, meta, "source_url")
        if page_url is not None:
            self.add(guest, SCHEMA.url, page_url)
        background = section_text(body, "Background", first_line=body_line)
        if background is not None:
            self.bios[slug] = (path, background[1], background[0], page_url, name.strip())
        for key, pattern in _PROFILE_LINKS.items():
            value = meta.get(key)
            if isinstance(value, str) and value.strip():
                link = (
                    value.strip()
                    if value.startswith(("http://", "https://"))
                    else pattern.format(value.strip())
                )
                if link.startswith(("http://", "https://")):
                    checked = self.url(path, meta, key, link)
                    if checked is not None:
                        self.add(guest, SCHEMA.sameAs, checked)
        self.counts["guests"] += 1

    # --- episodes ---------------------------------------------------------------

    def episode(self, path: Path) -> None:
        read = self.read(path)
        if read is None:
            return
        meta, body, body_line = read
        slug = path.stem
        if meta.get("redirect_to"):
            return  # a moved page: the episode is imported under its new slug
        title = meta.get("title")
        if not isinstance(title, str) or not title.strip():
            self.warn(path, 2, "an episode page needs a title")
            return
        episode = iri("episode", slug)
        video = meta.get("youtube_url") if isinstance(meta.get("youtube_url"), str) else None
        video_iri = self.url(path, meta, "youtube_url") if video else None
        video = str(video_iri) if video_iri is not None else None
        self.episodes[slug] = {
            "iri": episode,
            "video": video,
            "guests": [],
            "title": title.strip(),
            "path": path,
            "chapters": [],
        }
        self.add(episode, RDF.type, SCHEMA.PodcastEpisode)
        self.literal(episode, SCHEMA.name, title.strip())
        self.literal(episode, CG.slug, slug)
        for key, prop in (("season", None), ("episode", SCHEMA.episodeNumber)):
            value = meta.get(key)
            if value is None:
                continue
            if not isinstance(value, int) or isinstance(value, bool):
                self.warn(path, 2, f"{key} should be a whole number, not {value!r}")
                continue
            if prop is None:
                season = ID[f"season/{value}"]
                self.add(episode, SCHEMA.partOfSeason, season)
                self.add(season, RDF.type, SCHEMA.PodcastSeason)
                self.literal(season, SCHEMA.seasonNumber, value)
            else:
                self.literal(episode, prop, value)
        source_url = self.url(path, meta, "source_url")
        if source_url is not None:
            self.add(episode, SCHEMA.url, source_url)
        if video_iri is not None:
            self.add(episode, SCHEMA.video, video_iri)
        for topic in self.items(path, meta, "topics"):
            self.literal(episode, SCHEMA.keywords, str(topic))
        for guest_slug in self.items(path, meta, "guests"):
            self.episodes[slug]["guests"].append(guest_slug)
            self.add(episode, CG.guest, iri("guest", guest_slug))
        self.counts["episodes"] += 1
        for number, line in enumerate(body.split("\n"), start=body_line):
            bad = _CHAPTER_LIKE.match(line)
            if bad and seconds(bad.group(1)) is None:
                self.warn(
                    path, number, f"impossible chapter time {bad.group(1)} (not M:SS or H:MM:SS); skipped"
                )
        found = chapters(body, first_line=body_line)
        for number, chapter in enumerate(found):
            end = found[number + 1].start if number + 1 < len(found) else None
            if end is not None and end <= chapter.start:
                self.warn(
                    path, chapter.line, f"chapter at {chapter.start} s does not end after it starts; skipped"
                )
                continue
            segment = self.segment(slug, chapter.start, end)
            self.literal(segment, SCHEMA.name, chapter.title)
            self.episodes[slug]["chapters"].append((segment, chapter))

    def segment(self, slug: str, start: int, end: int | None) -> URIRef:
        found = self._segment_iris.get((slug, start, end))
        if found is not None:
            return found  # a segment cited again (most are): its triples are there
        episode = self.episodes[slug]
        segment = self._segment_iris[(slug, start, end)] = segment_iri(slug, start, end)
        if str(segment) not in self.segments:
            self.segments.add(str(segment))
            triples = self.triples
            triples.add(segment, _TYPE, _CLIP)
            triples.add(segment, _PART_OF_EPISODE, episode["iri"])
            triples.add_literal(segment, _START, start)
            if end is not None:
                triples.add_literal(segment, _END, end)
            if episode["video"]:
                triples.add(segment, _URL, URIRef(deep_link(episode["video"], start)))
            self.counts["segments"] += 1
        return segment

    def check_guests(self) -> None:
        for slug, episode in sorted(self.episodes.items()):
            for guest in episode["guests"]:
                if guest not in self.guests:
                    path = self.root / "_podcast_summaries" / f"{slug}.md"
                    self.warn(path, 2, f"guest {guest!r} has no page in _people/")

    # --- wiki pages -------------------------------------------------------------

    def collect(self, path: Path) -> None:
        read = self.read(path)
        if read is None:
            return
        meta, body, body_line = read
        title = meta.get("title")
        if not isinstance(title, str) or not title.strip():
            self.warn(path, 2, "a wiki page needs a title")
            return
        page = _Page(path, path.stem, title.strip(), meta, body, body_line)
        self._found_pages.clear()  # a link may name this page now
        self.pages[page.slug] = page
        self.page_by_title[normalise(page.title)] = page.slug

    def find_page(self, target: str) -> str | None:
        """The slug of the page a link names (by slug, title or a title's slug), or None."""
        try:
            return self._found_pages[target]
        except KeyError:
            pass
        if target in self.pages:
            found: str | None = target
        else:
            found = self.page_by_title.get(normalise(target)) or (
                slugify(target) if slugify(target) in self.pages else None
            )
        self._found_pages[target] = found
        return found

    def classify(self, page: _Page) -> None:
        tags = self.items(page.path, page.meta, "tags", quiet=True)
        name = role_page_name(page.title)
        if name is None and set(tags) <= {"guide"} and looks_like_role(page.title):
            name = page.title
        if "transition" in tags:
            page.kind = "transition"
        elif name is not None:
            page.kind = "role"
            role = URIRef(self.index.lookup("role", name) or role_iri(name))
            if str(role) not in self.index.labels:
                self.new_role(role, name)
            self._declare_role(role)
            page.subjects = [role]
        elif not tags:
            page.kind = "concept"
            page.subjects = [self.concept(page.title)]
            page.practitioner = practitioner_role(self.index, page.title)

    def new_role(self, role: URIRef, name: str) -> None:
        """Add a role the vocabulary does not know, named ``name``."""
        self.index.add("role", role, [name])
        self.literal(role, SKOS.prefLabel, name, "en")
        self.created_roles.add(role)

    def _declare_role(self, role: URIRef) -> None:
        for rdf_type in (CG.Role, SCHEMA.Occupation, SKOS.Concept):
            self.add(role, RDF.type, rdf_type)
        self.add(role, SKOS.inScheme, CG.Roles)

    def concept(self, title: str) -> URIRef:
        for kind in ("skill", "tool", "topic"):
            found = self.index.lookup(kind, title)
            if found is not None:
                return URIRef(found)
        role = self.index.lookup("role", title)
        if role is not None and normalise(self.index.label(role)) == normalise(title):
            return URIRef(role)
        topic = iri("topic", title)
        if str(topic) not in self.index.labels:
            self.index.add("topic", topic, [title])
            self.add(topic, RDF.type, SKOS.Concept)
            self.add(topic, SKOS.inScheme, CG.Topics)
            self.literal(topic, SKOS.prefLabel, title, "en")
        return topic

    def resolve_role(self, name: str) -> URIRef | None:
        """A role by name, or by the practitioner of a field ("Machine Learning" → "… Engineer")."""
        return resolve_role(self.index, name)

    def transitions(self, page: _Page) -> list[URIRef]:
        split = split_transition_title(page.title)
        if split is None:
            self.warn(page.path, 2, f"transition title {page.title!r} is not of the form 'X to Y'")
            return []
        sources, targets = split
        found = []
        for target_name in targets:
            target = self.resolve_role(target_name)
            if target is None:  # like a source: a target with no page of its own becomes a role
                target = role_iri(target_name)
                self.new_role(target, target_name)
                self.warn(
                    page.path, 2, f"target role {target_name!r} of {page.title!r} is not a known role; added"
                )
            for source_name in sources:
                source = self.resolve_role(source_name)
                if source is None:  # a source with no page of its own becomes a role
                    source = role_iri(source_name)
                    self.new_role(source, source_name)
                if source == target:
                    self.warn(page.path, 2, f"{page.title!r} names the same role at both ends")
                    continue
                self._declare_role(source)
                self._declare_role(target)
                transition = transition_iri(source, target)
                self.add(transition, RDF.type, CG.Transition)
                self.typed_transitions.add(transition)
                self.add(transition, CG.fromRole, source)
                self.add(transition, CG.toRole, target)
                label = f"{self.index.label(source)} to {self.index.label(target)}"
                if not any(self.vocabulary.objects(transition, RDFS.label)):
                    self.literal(transition, RDFS.label, label, "en")
                self.add(transition, PROV.wasDerivedFrom, _page_node(page.slug))
                found.append(transition)
                page.targets[transition] = target
                page.sources.add(source)
                self.counts["transitions"] += 1
        return found

    def page(self, page: _Page) -> None:
        node = _page_node(page.slug)
        self.add(node, RDF.type, CG.WikiPage)
        self.literal(node, SCHEMA.name, page.title)
        self.literal(node, CG.slug, page.slug)
        for tag in self.items(page.path, page.meta, "tags"):
            self.literal(node, CG.tag, str(tag))
        if page.kind == "transition":
            page.subjects = self.transitions(page)
        for subject in page.subjects:
            self.add(node, SCHEMA.about, subject)
        for key in ("related", "related_wiki"):
            for title in self.items(page.path, page.meta, key):
                target = self.find_page(str(title))
                if target is None:
                    self.warn(page.path, page.meta_line(str(title)), f"related page {title!r} does not exist")
                    continue
                self.add(node, CG.relatedPage, _page_node(target))
                self._relate_roles(page, target)
        self.counts["pages"] += 1
        for match in re.finditer(r"\[\[podcast:([^\]|]+)", page.body):
            page.cited_guests.update(self.episodes.get(match.group(1).strip(), {}).get("guests", []))
        # The episode a section is discussing, for paragraphs that go on about it without a link.
        section, episode = "", None
        for block in blocks(page.body, first_line=page.body_line):
            if block.section != section:
                section, episode = block.section, None
            cited = self.block(page, node, block, episode)
            if cited:
                episode = next(iter(cited)) if len(cited) == 1 else None
        for (transition, kind, thing), rank in sorted(page.stances.items()):
            kept = rank in _KEPT_RANKS
            if kind == "skill":
                self.add(transition, CG.keepsSkill if kept else CG.addsSkill, thing)
            elif not kept:  # a tool the move leaves behind is not one of its tools
                self.add(transition, CG.usesTool, thing)

    def _relate_roles(self, page: _Page, target_slug: str) -> None:
        other = self.pages[target_slug]
        if page.kind == "role" and other.kind == "role" and page.subjects and other.subjects:
            self.add(page.subjects[0], SKOS.related, other.subjects[0])

    def block(self, page: _Page, node: URIRef, block: Any, carried: str | None = None) -> set[str]:
        """Import one paragraph; return the episodes its podcast links cite."""
        pages, people = page_and_person_links(block.text)
        for link in pages:
            target = self.find_page(link.target)
            if target is None:
                self.warn(
                    page.path,
                    block.line_at(link.offset),
                    f"link to a page that does not exist: [[{link.target}]]",
                )
                continue
            self.add(node, _REFERENCES, _page_node(target))
            self._relate_roles(page, target)
        for person in people:
            if person.target not in self.guests:
                self.warn(
                    page.path,
                    block.line_at(person.offset),
                    f"unknown person {person.target!r}: no _people/{person.target}.md",
                )
        episode = self.episodes.get(carried or "")
        if episode is not None and self._names_someone_else(page, block.text, people, episode["guests"]):
            carried = None  # the paragraph names someone else: do not guess that it goes on about the episode
        cited, skipped = read_citations(block.text, carried=carried)
        for skip in skipped:
            line = block.line_at(skip.offset)
            if skip.reason == "impossible time":
                message = f"impossible time {skip.stamp} (not M:SS or H:MM:SS); skipped"
            else:
                message = f"time {skip.stamp} not attributed: {skip.reason}"
            self.skip_citation(page.path, line, skip.stamp, message)
        about = self.about(page, block)
        # A field's page says what its practitioner needs where a role page would: its skills, tools, duties.
        practised = page.practitioner is not None and needs_section(block.section)
        needs = about if page.kind == "role" else [page.practitioner] if practised else []
        stances = about if page.kind == "transition" else []
        if not (cited or needs or stances):
            # What the paragraph names would go to its claims, its role's needs or its move's stances: to none.
            return set()
        named, named_ranks = self.named(page, block)
        skills, tools, roles, topics = (named[k] for k in ("skill", "tool", "role", "topic"))
        for subject in needs:
            for skill in skills:
                self.add(subject, _REQUIRES_SKILL, skill)
            for tool in tools:
                self.add(subject, _USES_TOOL, tool)
        for subject in stances:
            for (kind, thing), rank in named_ranks.items():
                key = (subject, kind, thing)
                page.stances[key] = max(page.stances.get(key, 0), rank)
        for citation in cited:
            self.claim(
                page,
                node,
                block,
                citation,
                block.line_at(citation.offset),
                [p.target for p in people],
                (skills, tools, roles, topics),
                about or [node],
            )
        return {c.episode for c in cited if c.text or c.episode != carried}

    def named(self, page: _Page, block: Any) -> tuple[dict[str, set[URIRef]], dict[tuple[str, URIRef], int]]:
        """What a paragraph names, sentence by sentence, and what it says of the page's subject.

        Keys ``skill``, ``tool``, ``role``, ``topic``: everything named in a
        sentence about this page's subject (for its claims); a sentence whose
        subject is another role, or that asks a question, names only roles.
        With it, on a transition page, each skill and tool's firmest stance
        (``_STANCE_RANK``): kept when the sentence says someone already has it
        or leaves it behind, or its subject is the move's source role, or its
        section is about transferable strengths; else gained.
        """
        found: dict[str, set[URIRef]] = {k: set() for k in ("skill", "tool", "role", "topic")}
        ranks: dict[tuple[str, URIRef], int] = {}
        own = set(page.targets.values()) if page.kind == "transition" else {*page.subjects, page.practitioner}
        section = section_stance(block.section) if page.kind == "transition" else None
        pointers = pointer_section(block.section)
        # Whose move or role a sentence is for matters where the page says what its subject needs.
        scoped_pages = page.kind in ("transition", "role") or page.practitioner is not None
        mine = {*own, *page.sources}
        elsewhere = False  # the paragraph opened by saying it is for another role's move
        for number, (_offset, sentence) in enumerate(sentences(block.text)):
            hits = self._matcher.matches(sentence)
            for link in wiki_links(sentence):
                target = self.find_page(link.target)
                for subject in self.pages[target].subjects if target is not None else ():
                    kind = self.index.kinds.get(str(subject), "")
                    if kind in found:
                        hits.append((kind, subject))
            if not hits and number > 0:
                # A sentence's stance, subject and scope only sort what it names: one that names nothing (most
                # do) adds nothing, unless it opens the paragraph and says whose move the rest is for.
                continue
            scope = self._scope(sentence, mine) if scoped_pages else None
            if scope is not None:
                elsewhere = scope if number == 0 else elsewhere
            if pointers or points_elsewhere(sentence) or elsewhere or scope:
                for kind, concept in hits:
                    if kind == "role":
                        found["role"].add(concept)
                continue  # a pointer to other pages, or what another role's move needs
            stance = sentence_stance(sentence) if page.kind == "transition" else None
            lead = leading_plural(sentence)
            role = self._subject_role(lead) if lead else None
            if asks(sentence) or (role is not None and role[1] not in own):
                if role is None or role[1] not in page.sources:
                    for kind, concept in hits:
                        if kind == "role":
                            found["role"].add(concept)
                    continue  # another role's business
                stance = "kept"
            rank = _STANCE_RANK[(stance, True)] if stance else _STANCE_RANK[(section, False)]
            for kind, concept in hits:
                found[kind].add(concept)
                if kind in ("skill", "tool") and page.kind == "transition":
                    ranks[(kind, concept)] = max(ranks.get((kind, concept), 0), rank)
        return found, ranks

    def _scope(self, sentence: str, mine: set[URIRef | None]) -> bool | None:
        """Whether a sentence says it is for other roles (True), for this page's (False), or neither (None).

        "For a DevOps, SRE, or systems-engineer transition, …" on a software
        engineer's page is for DevOps engineers: what it names is their gap.
        """
        roles = [self._subject_role(phrase) for phrase in scoped_to(sentence)]
        named = {role[1] for role in roles if role is not None}
        if not named:
            return None
        return not (named & mine)

    def _subject_role(self, phrase: str) -> tuple[str, URIRef] | None:
        """The role a sentence's subject names: a role's label (or plural), or a field ("analytics engineering")."""
        hit = self._matcher.lookup(phrase)
        if hit is not None:
            return hit if hit[0] == "role" else None
        role = self.resolve_role(phrase)
        return ("role", role) if role is not None else None

    def _names_someone_else(self, page: _Page, text: str, people: list[Any], guests: list[str]) -> bool:
        """Whether ``text`` names a guest (a person link, or the name of a guest the page cites) not in ``guests``."""
        if any(p.target not in guests for p in people):
            return True
        others = self._other_names(page, guests)
        return bool(others) and not others.isdisjoint(_CAPITALISED.findall(text))

    def _other_names(self, page: _Page, guests: list[str]) -> frozenset[str]:
        """The names (of three letters or more) of the guests ``page`` cites besides ``guests`` that none of
        ``guests`` bears: a paragraph that uses one is about someone else.

        The same for every paragraph of the page that goes on about the same episode: made once.
        """
        key = (page.slug, tuple(guests))
        found = self._others.get(key)
        if found is None:
            own = {part for g in guests for part in self.guest_names.get(g, "").split()}
            found = self._others[key] = frozenset(
                part
                for other in page.cited_guests - set(guests)
                for part in self.guest_names.get(other, "").split()
                if len(part) >= 3 and part not in own
            )
        return found

    def about(self, page: _Page, block: Any) -> list[URIRef]:
        """What a paragraph of ``page`` is about: the target its section or paragraph names, else all.

        On a page with several target roles, a section heading that names one
        of them (by a label) narrows to the transitions into it; else a
        paragraph that names exactly one; else every subject of the page.
        """
        targets = page.targets
        if len(set(targets.values())) < 2:
            return list(page.subjects)
        for text in (block.section, block.text):
            named = {role for role in set(targets.values()) if self._names_role(text, role)}
            if len(named) == 1:
                return [t for t, role in targets.items() if role in named]
        return list(page.subjects)

    def _names_role(self, text: str, role: URIRef) -> bool:
        words = " " + normalise(_PUNCTUATION.sub(" ", text)) + " "
        names = {normalise(self.index.label(role))} | {
            key for key, iris in self.index.keys.get("role", {}).items() if str(role) in iris and len(key) > 3
        }
        return any(f" {name} " in words for name in names)

    def skip_citation(self, path: Path, line: int, stamp: str, message: str) -> None:
        self.warn(path, line, message)
        self.skipped.append({"file": str(path), "line": line, "time": stamp, "reason": message})

    def claim(
        self,
        page: _Page,
        node: URIRef,
        block: Any,
        citation: Cited,
        line: int,
        people: list[str],
        mentioned: tuple[set[URIRef], set[URIRef], set[URIRef], set[URIRef]],
        supported: list[URIRef],
    ) -> None:
        ranges = {(citation.episode, s, e) for s, e in citation.spans}
        self.ranges_found |= ranges
        episode = self.episodes.get(citation.episode)
        if episode is None:
            message = f"unknown episode {citation.episode!r}: no _podcast_summaries/{citation.episode}.md"
            self.warn(page.path, line, message)
            for _ep, start, end in sorted(ranges, key=_range_key):
                self.skipped.append(
                    {"file": str(page.path), "line": line, "time": _written(start, end), "reason": message}
                )
            return
        sources: list[URIRef] = []
        spans = []
        for start, end in citation.spans:
            if end is not None and end <= start:
                self.skip_citation(
                    page.path,
                    line,
                    _written(start, end),
                    f"time range {clock(start)}-{clock(end)} ends before it starts; skipped",
                )
                continue
            sources.append(self.segment(citation.episode, start, end))
            spans.append((start, end))
        if citation.spans and not sources:
            return
        if not sources:
            sources = [episode["iri"]]
        speakers = [p for p in people if p in episode["guests"] and p in self.guests]
        speakers = speakers or [g for g in episode["guests"] if g in self.guests]
        if not speakers:
            message = f"no known guest to attribute the citation of {citation.episode!r} to; skipped"
            self.warn(page.path, line, message)
            for start, end in spans:
                self.skipped.append(
                    {"file": str(page.path), "line": line, "time": _written(start, end), "reason": message}
                )
            return
        section = block.section or "Introduction"
        section_slug = slugify(block.section) or "introduction"
        position = self.positions[(page.slug, section_slug)] = self.positions[(page.slug, section_slug)] + 1
        claim = ID[f"claim/{page.slug}/{section_slug}/{position}"]
        self.counts["claims"] += 1
        self.ranges_held |= {(citation.episode, s, e) for s, e in spans}
        add = self.triples.add
        add(claim, _TYPE, _CLAIM)
        self.triples.add_literal(claim, _LABEL, f"{page.title} · {section}", "en")
        self.triples.add_literal(claim, _SECTION, section)
        add(claim, _PRIMARY_SOURCE, node)
        for speaker in speakers:
            add(claim, _ATTRIBUTED_TO, _guest(speaker))
        for source in sources:
            add(claim, _DERIVED_FROM, source)
        for subject in supported:
            add(claim, _SUPPORTS, subject)
        for prop, things in zip(_MENTIONS, mentioned, strict=True):
            for thing in things:
                add(claim, prop, thing)

    def read_files(
        self, people: list[Path], episodes: list[Path], wiki: list[Path], step: Callable[[Path | None], None]
    ) -> None:
        """Load the vocabulary if it is still to load, then read the episode and people files and the wiki
        pages' front matter; with ``jobs`` 2, the list below cut in two parts of about the same work, the
        second in a forked child meanwhile. (Any order of the folders gives the same result; the wiki's front
        matter last puts the cut among the cheap files. The vocabulary, first, is always loaded here: the
        pages need it, and the parent's share is never empty.)

        A file adds to what only the files of its own folder read (the guests; the
        episodes and their segments; the pages, in file order), and to the
        triples, warnings and counts, where order does not matter: reading the
        list cut anywhere, its two parts in two processes, gives what reading it
        in one does (tested).
        """
        work: _Work = []
        costs: list[int] = []
        if self.vocabulary_files is not None:
            work.append((self._load_vocabulary, None))
            costs.append(_VOCABULARY_BYTE_NS * sum(map(_size, self.vocabulary_files)))
        for read, paths, shown, cost in (
            (self.episode, episodes, True, _EPISODE_BYTE_NS),
            (self.person, people, True, _PERSON_BYTE_NS),
            # a wiki page is shown on the progress bar when its text is read (``read_pages``)
            (self.collect, wiki, False, _FRONT_MATTER_BYTE_NS),
        ):
            for path in paths:
                work.append((functools.partial(read, path), path if shown else None))
                costs.append(cost * self._sizes[path])
        self._in_two(work, _cut(costs) if self.jobs > 1 else len(work), _FILE_STATE, lambda: None, step)

    def read_pages(self, pages: list[_Page], step: Callable[[Path | None], None]) -> None:
        """Import the wiki pages in order, then write the moves; with ``jobs`` 2, the second half of the pages
        and the moves in a forked child meanwhile.

        The child starts from this importer as it stands, creates the roles the
        first half's transition pages create (as reading them would: a page
        resolves role names against the roles made before it), then reads its
        pages, writes the moves (which need every page's roles and transitions)
        and returns what they add. This process reads the first half, takes the
        child's additions, and creates the second half's roles. The result is
        the same as reading every page here, in order, then writing the moves
        (tested); when the child fails, this process does its share itself.
        """
        half = _half(pages, self._moves_work()) if self.jobs > 1 and len(pages) > 1 else len(pages)
        work: _Work = [(functools.partial(self.page, page), page.path) for page in pages]
        prepare = functools.partial(self._create_roles, pages[:half])
        if self._in_two(work, half, _PAGE_STATE, prepare, step, then=functools.partial(write_moves, self)):
            self._create_roles(pages[half:])

    def _moves_work(self) -> int:
        """What writing the moves costs, in characters of page text: a third of the chapter titles' and
        bios' text it reads (measured on the snapshot: 0.08 s, where a page costs 0.53 µs a character)."""
        titles = sum(
            len(chapter.title) for e in self.episodes.values() for _segment, chapter in e["chapters"]
        )
        return (titles + sum(len(bio[2]) for bio in self.bios.values())) // 3

    def _in_two(
        self,
        work: _Work,
        cut: int,
        state: Mapping[str, Callable[[], Any]],
        prepare: Callable[[], None],
        step: Callable[[Path | None], None],
        *,
        then: Callable[[], None] = lambda: None,
    ) -> bool:
        """Do ``work[:cut]`` here and meanwhile, in a forked child, ``prepare()``, ``work[cut:]`` and
        ``then()``; then add to this importer what the child's share added to ``state`` (see :meth:`_apart`).
        True when a child did its share; when it fails, or there is none, this process does the rest itself.

        The child's share is counted as this process does its own, in
        proportion (the shares are cut to take about the same time, not to
        hold as many files), so that a progress bar moves evenly instead of
        jumping at the end.
        """
        mine, theirs = work[:cut], work[cut:]
        child = (
            forked.start(lambda: self._apart(state, prepare, [*theirs, (then, None)]))
            if theirs and mine
            else None
        )
        shown = 0
        try:
            for done, (do, path) in enumerate(mine, 1):
                do()
                step(path)
                if child is not None:
                    upto = done * len(theirs) // len(mine)
                    for _do, their_path in theirs[shown:upto]:
                        step(their_path)
                    shown = upto
        except BaseException:
            if child is not None:
                child.cancel()  # no child left behind, blocked on a pipe no one reads
            raise
        added = child.result() if child is not None else None
        if added is not None:
            self._take(added)
        for at, (do, path) in enumerate(theirs):
            if added is None:
                do()
            if at >= shown:
                step(path)
        if added is None:
            then()
        return added is not None

    def _apart(
        self, state: Mapping[str, Callable[[], Any]], prepare: Callable[[], None], mine: _Work
    ) -> dict[str, Any]:
        """In a forked child: ``prepare()``, start each of ``state`` afresh, do ``mine``, and return what they
        added to ``state`` and to the segments."""
        prepare()
        for name, empty in state.items():
            setattr(self, name, empty())
        for do, _path in mine:
            do()
        added = {name: getattr(self, name) for name in state}
        added["triples"] = self.triples.plain()
        added["segments"] = self.segments
        return added

    def _take(self, added: dict[str, Any]) -> None:
        """Add what a child's work added, as if it had been done here after this process's own."""
        for name, value in added.items():
            if name == "triples":
                self.triples.update(value)
            elif name == "counts":
                for key, count in value.items():
                    if key != "segments":
                        self.counts[key] += count
            elif name == "segments":  # a segment both processes cited is counted once
                self.counts["segments"] += len(value - self.segments)
                self.segments |= value
            elif isinstance(value, list):
                getattr(self, name).extend(value)
            else:  # a set, or a dict: a key both added (two pages titled alike) keeps the child's
                # value, read last, as one process reading every file in order keeps the last one's
                getattr(self, name).update(value)

    def _create_roles(self, pages: list[_Page]) -> None:
        """Create the roles reading ``pages`` would create, in the same order, and keep nothing else it adds."""
        kept = self.triples, self.problems, self.counts
        self.triples, self.problems, self.counts = Triples(), [], defaultdict(int)
        try:
            for page in pages:
                if page.kind == "transition":
                    self.transitions(page)
        finally:
            self.triples, self.problems, self.counts = kept

    def run(self, progress: Callable[[Path], None] | None) -> ImportResult:
        if not self.root.is_dir():
            reason = "not a folder" if self.root.exists() else "no such folder"
            raise WikiFolderError(
                str(self.root), f"{reason}; expected a podcast wiki folder ({', '.join(FOLDERS)})"
            )
        missing = [f for f in FOLDERS if not (self.root / f).is_dir()]
        if len(missing) == len(FOLDERS):
            raise WikiFolderError(
                str(self.root), f"not a podcast wiki folder: it has none of {', '.join(FOLDERS)}"
            )
        for folder in missing:
            self.warn(self.root / folder, 0, "folder missing; nothing imported from it")

        def step(path: Path | None) -> None:
            if progress is not None and path is not None:
                progress(path)

        people, episodes, wiki = (
            self._files(folder) for folder in ("_people", "_podcast_summaries", "_wiki")
        )
        self.read_files(people, episodes, wiki, step)
        self.check_guests()
        for page in self.pages.values():
            self.classify(page)
        self.read_pages([self.pages[slug] for slug in sorted(self.pages)], step)
        for path in wiki:
            if path.stem not in self.pages:
                step(path)
        counts = {
            key: self.counts[key]
            for key in ("pages", "guests", "episodes", "segments", "transitions", "claims")
        }
        for key in ("moves", "moves from chapters", "moves from episode titles", "moves from bios"):
            counts[key] = self.counts[key]
        counts["moves read as topics"] = len(self.topic_moves)
        counts["observed transitions"] = self.counts["observed transitions"]
        counts["roles created"] = len(self.created_roles)
        counts["cited ranges"] = len(self.ranges_found)
        counts["cited ranges held"] = len(self.ranges_found & self.ranges_held)
        counts["times not attributed"] = sum(1 for s in self.skipped if "not attributed" in s["reason"])
        counts["triples"] = len(self.triples)
        details = {
            "skipped citations": sorted(self.skipped, key=lambda s: (s["file"], s["line"], s["time"])),
            "moves not attributed": sorted(self.unattributed_moves, key=lambda m: (m["file"], m["line"])),
            "moves read as topics": sorted(self.topic_moves, key=lambda m: (m["file"], m["line"], m["move"])),
            "roles created": sorted(self.index.label(role) for role in self.created_roles),
        }
        return ImportResult(self.triples, counts, sorted(set(self.problems)), details, self.asked)


#: What a claim's paragraph names, by kind: skills, tools, roles, topics.
_MENTIONS = (CG.mentionsSkill, CG.mentionsTool, CG.mentionsRole, CG.mentionsTopic)
# The terms of the triples written for each claim and segment (thousands of each), looked up once: an
# rdflib namespace makes a new URIRef at every attribute lookup.
_TYPE, _LABEL, _URL = RDF.type, RDFS.label, SCHEMA.url
_CLAIM, _SECTION, _SUPPORTS = CG.Claim, CG.section, CG.supports
# and for each paragraph's links and what a role needs
_REFERENCES, _REQUIRES_SKILL, _USES_TOOL = DCTERMS.references, CG.requiresSkill, CG.usesTool
_PRIMARY_SOURCE, _ATTRIBUTED_TO, _DERIVED_FROM = (
    PROV.hadPrimarySource,
    PROV.wasAttributedTo,
    PROV.wasDerivedFrom,
)
_CLIP, _PART_OF_EPISODE, _START, _END = (
    SCHEMA.Clip,
    SCHEMA.partOfEpisode,
    SCHEMA.startOffset,
    SCHEMA.endOffset,
)


#: What reading a file costs a byte, in nanoseconds, by folder: an episode's (its chapters become segments), a
#: person's, a wiki page's (whose front matter only is read here, its text only cut from it); and loading the
#: vocabulary (parsing its Turtle, indexing its names, compiling the matcher), a byte of its files. Measured on
#: the snapshot and the shipped graph_data, in a fresh process (medians of 9). Only the files' split between
#: two processes rests on them.
_EPISODE_BYTE_NS = 220
_PERSON_BYTE_NS = 120
_FRONT_MATTER_BYTE_NS = 12
_VOCABULARY_BYTE_NS = 2100
#: What reading a share of the files or of the pages adds to, each with a function making it empty: a forked
#: child starts them empty, and sends back what its share added (``_Importer._apart``).
_FILE_STATE: dict[str, Callable[[], Any]] = {
    "triples": Triples,
    "problems": list,
    "counts": functools.partial(defaultdict, int),
    "guests": set,
    "guest_names": dict,
    "bios": dict,
    "episodes": dict,
    "pages": dict,
    "page_by_title": dict,
}
_PAGE_STATE: dict[str, Callable[[], Any]] = {
    "triples": Triples,
    "problems": list,
    "skipped": list,
    "counts": functools.partial(defaultdict, int),
    "ranges_found": set,
    "ranges_held": set,
    # and what writing the moves adds to, after the pages
    "unattributed_moves": list,
    "topic_moves": list,
    "move_sources": dict,
}


@functools.lru_cache(maxsize=4096)
def _page_node(slug: str) -> URIRef:
    """A wiki page's IRI (made once per slug: paragraphs link the same pages over and over)."""
    return ID[f"page/{slug}"]


@functools.lru_cache(maxsize=4096)
def _guest(slug: str) -> URIRef:
    """A guest's IRI (made once per slug: claims name the same guests over and over)."""
    return iri("guest", slug)


def _half(pages: list[_Page], after: int) -> int:
    """Where to cut ``pages`` in two halves of about the same work, the second followed by work costing as
    much as ``after`` characters of page text (the work of a page grows with its text)."""
    return _cut([len(page.body) for page in pages] + [after])


def _cut(costs: list[int]) -> int:
    """Where to cut work of these costs in two parts of about the same cost, neither empty (if it can be)."""
    total, running = sum(costs), 0
    for number, cost in enumerate(costs):
        running += cost
        if running * 2 >= total:
            return max(1, min(number + 1, len(costs) - 1))
    return len(costs)


def _size(path: Path) -> int:
    """The size of a vocabulary file in bytes (0 if it cannot be read: loading it then says why)."""
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _last(node: URIRef) -> str:
    return str(node).rsplit("/", 1)[-1]


def _written(start: int, end: int | None) -> str:
    return clock(start) if end is None else f"{clock(start)}-{clock(end)}"


def _range_key(item: tuple[str, int, int | None]) -> tuple[str, int, int]:
    return (item[0], item[1], -1 if item[2] is None else item[2])


def import_podwiki(
    root: Path,
    vocabulary: Graph | Sequence[Path],
    *,
    progress: Callable[[Path], None] | None = None,
    jobs: int | None = None,
) -> ImportResult:
    """Import the podcast wiki at ``root``, resolving names against ``vocabulary``.

    ``vocabulary`` is the curated graph (the shipped ``graph_data/``), or the RDF
    files and folders to load it from (as :func:`careergraph.data.load_graph`
    does; then loaded while a forked child reads part of the wiki's files): its
    roles, skills, tools and topics, with their alternative labels, decide what
    the wiki's titles and prose refer to. The returned graph holds only what the
    wiki adds; load it together with ``vocabulary``. ``jobs`` 2 reads part of
    the files and the second half of the wiki's pages in a forked child at the
    same time (the default where ``fork`` is available and there are two
    cores), 1 reads everything in this process; the result is the same.

    Raises
    ------
    WikiFolderError
        naming ``root`` when it is not a folder or has none of the wiki's folders.
    DataFileError
        naming a vocabulary file (and line) that could not be read.
    """
    importer = _Importer(Path(root))
    if isinstance(vocabulary, Graph):
        importer.use(vocabulary)
    else:
        importer.vocabulary_files = turtle_files(vocabulary)
    importer.asked = jobs
    importer.jobs = forked.jobs() if jobs is None else jobs
    # The import keeps some 110,000 objects the cyclic collector tracks (the triples' tuples) to its end
    # and leaves no cycles to collect (none on the snapshot): the collector, walking them again and
    # again as they accumulate, is paused meanwhile, and they are then moved where only a full collection
    # looks at them (not walked once more by the first collections after, 0.03 s before the Turtle).
    with gc_paused():
        return importer.run(progress)


def _markdown(directory: Path) -> list[Path]:
    return [p for p in directory.glob("*.md") if p.name.lower() != "readme.md"]


def count_files(root: Path) -> int:
    """How many Markdown files an import of ``root`` reads (for a progress bar)."""
    return sum(len(_markdown(Path(root) / f)) for f in FOLDERS if (Path(root) / f).is_dir())
