"""An importer that nothing stops: hostile or broken files are skipped with a file:line warning."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import Graph, URIRef

from careergraph.cli import main
from careergraph.data import load_graph, shipped_dir
from careergraph.ingest import import_podwiki
from careergraph.vocab import SCHEMA

EPISODE = """---
title: "An Episode"
guests: ["ada"]
youtube_url: "https://www.youtube.com/watch?v=abc"
---

## Chapter Summary

- 0:00 - [Intro](https://www.youtube.com/watch?v=abc&t=0)
- 99:99 - [Broken](https://www.youtube.com/watch?v=abc&t=1)
- 1:02:03:04 - [Broken too](https://www.youtube.com/watch?v=abc&t=2)
- 5:00 - [Wrap-up](https://www.youtube.com/watch?v=abc&t=300)
"""


def _wiki(tmp_path: Path, pages: dict[str, str], people: dict[str, str] | None = None) -> Path:
    root = tmp_path / "wiki"
    for folder in ("_wiki", "_people", "_podcast_summaries"):
        (root / folder).mkdir(parents=True)
    (root / "_podcast_summaries" / "an-episode.md").write_text(EPISODE)
    for slug, text in (people or {"ada": '---\ntitle: "Ada Example"\n---\n'}).items():
        (root / "_people" / f"{slug}.md").write_text(text)
    for name, text in pages.items():
        (root / "_wiki" / name).write_text(text)
    return root


def _import(root: Path):
    return import_podwiki(root, load_graph([shipped_dir("graph_data")]))


def _bomb() -> str:
    lines = ['a: &a ["x", "x", "x", "x", "x", "x", "x", "x", "x"]']
    for level in range(1, 9):
        before, name = chr(96 + level), chr(97 + level)
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{before}"] * 9) + "]")
    return "---\ntitle: Bomb\n" + "\n".join(lines) + "\n---\n\nText.\n"


def test_yaml_alias_bomb_is_refused_per_file(tmp_path: Path) -> None:
    root = _wiki(tmp_path, {"bomb.md": _bomb(), "fine.md": '---\ntitle: "Fine"\n---\n\nText.\n'})
    result = _import(root)
    messages = [str(p) for p in result.problems]
    bomb = root / "_wiki" / "bomb.md"
    assert f"{bomb}:2: front matter expands to over 10000 values through YAML aliases; skipped" in messages
    assert result.counts["pages"] == 1  # the other page is imported


def test_deep_nesting_and_huge_front_matter_are_refused(tmp_path: Path) -> None:
    deep = "---\ntitle: Deep\nx: " + "[" * 20000 + "]" * 20000 + "\n---\n"
    huge = "---\ntitle: Huge\nx: '" + "y" * 70_000 + "'\n---\n"
    root = _wiki(tmp_path, {"deep.md": deep, "huge.md": huge})
    messages = [str(p) for p in _import(root).problems]
    assert f"{root / '_wiki' / 'deep.md'}:3: front matter nests deeper than 32 levels; skipped" in messages
    assert f"{root / '_wiki' / 'huge.md'}:2: front matter is over 64 KB; skipped" in messages


def test_a_fifo_named_md_is_skipped_not_waited_on(tmp_path: Path) -> None:
    root = _wiki(tmp_path, {"fine.md": '---\ntitle: "Fine"\n---\n'})
    os.mkfifo(root / "_wiki" / "x.md")
    result = _import(root)  # would block forever if the FIFO were opened
    assert f"{root / '_wiki' / 'x.md'}:1: not a regular file; skipped" in [str(p) for p in result.problems]
    assert result.counts["pages"] == 1


def test_invalid_urls_in_front_matter_are_dropped_with_file_and_line(tmp_path: Path) -> None:
    person = '---\ntitle: "Ada Example"\nsource_url: "https://example.org/a b"\ngithub: "ada>x"\n---\n'
    root = _wiki(tmp_path, {}, {"ada": person})
    result = _import(root)
    path = root / "_people" / "ada.md"
    messages = [str(p) for p in result.problems]
    assert f"{path}:3: source_url: 'https://example.org/a b' is not a valid URL; dropped" in messages
    assert f"{path}:4: github: 'https://github.com/ada>x' is not a valid URL; dropped" in messages
    # the rest of the person is imported, and the output serialises
    assert (URIRef("https://w3id.org/careergraph/id/guest/ada"), SCHEMA.name, None) in result.graph
    Graph().parse(data=result.graph.serialize(format="turtle"), format="turtle")


def test_impossible_times_are_warnings_so_strict_fails(tmp_path: Path) -> None:
    page = '---\ntitle: "Fine"\n---\n\nSee [[podcast:an-episode|An Episode]] at 99:99 and 1:02:03:04.\n'
    root = _wiki(tmp_path, {"fine.md": page})
    messages = [str(p) for p in _import(root).problems]
    page_path = root / "_wiki" / "fine.md"
    episode = root / "_podcast_summaries" / "an-episode.md"
    assert f"{page_path}:5: impossible time 99:99 (not M:SS or H:MM:SS); skipped" in messages
    assert f"{page_path}:5: impossible time 1:02:03:04 (not M:SS or H:MM:SS); skipped" in messages
    assert f"{episode}:10: impossible chapter time 99:99 (not M:SS or H:MM:SS); skipped" in messages
    assert f"{episode}:11: impossible chapter time 1:02:03:04 (not M:SS or H:MM:SS); skipped" in messages
    command = ["import", "podwiki", str(root), "-o", str(tmp_path / "o.ttl"), "--strict"]
    strict = CliRunner().invoke(main, command)
    assert strict.exit_code == 1 and "--strict: 4 warnings, nothing written" in strict.output
    assert not (tmp_path / "o.ttl").exists()


def test_disk_full_is_an_error_not_a_traceback(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import careergraph.data

    def full(path: Path, text: str) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(careergraph.data, "write_atomically", full)
    root = _wiki(tmp_path, {"fine.md": '---\ntitle: "Fine"\n---\n'})
    output = tmp_path / "out.ttl"
    result = CliRunner().invoke(main, ["import", "podwiki", str(root), "-o", str(output)])
    assert result.exit_code == 1
    assert f"{output}: cannot write: No space left on device" in result.output
    assert "Traceback" not in result.output and not isinstance(result.exception, OSError)
