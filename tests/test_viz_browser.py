"""The page in real headless Chromium, with every request outside the file blocked."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from careergraph.cli import main
from careergraph.data import shipped_dir

pytestmark = pytest.mark.browser

NON_BLANK_PIXELS = """() => {
  const canvas = document.querySelector('#network canvas');
  const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  let drawn = 0;
  for (let i = 0; i < pixels.length; i += 4) {
    if (pixels[i + 3] > 0 && (pixels[i] < 240 || pixels[i + 1] < 240 || pixels[i + 2] < 240)) drawn++;
  }
  return drawn;
}"""


def write_page(tmp_path: Path, *args: str, data: list[Path] | None = None) -> tuple[Path, int]:
    output = tmp_path / "page.html"
    options = [x for d in (data or [shipped_dir("graph_data")]) for x in ("--data", str(d))]
    result = CliRunner().invoke(main, [*options, "viz", "-o", str(output), *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return output, int(re.search(r": (\d+) nodes", result.output).group(1))


def test_the_graph_draws_offline_with_the_reported_node_count(tmp_path: Path, open_page) -> None:
    path, count = write_page(tmp_path)
    visit = open_page(path)
    assert visit.evaluate(NON_BLANK_PIXELS) > 2000
    assert visit.evaluate("() => window.careergraph.nodes.length") == count
    assert visit.page.text_content("#node-count") == str(count)
    assert visit.outside == []
    assert visit.console_errors == []


def test_search_centres_the_node(tmp_path: Path, open_page) -> None:
    path, _ = write_page(tmp_path)
    visit = open_page(path)
    visit.page.fill("#search", "kubernetes")
    visit.page.press("#search", "Enter")
    selected = visit.evaluate("() => window.careergraph.network.getSelectedNodes()")
    assert selected == ["https://w3id.org/careergraph/id/tool/kubernetes"]
    centre = visit.evaluate("() => window.careergraph.network.getViewPosition()")
    node = visit.evaluate("(id) => window.careergraph.network.getPosition(id)", selected[0])
    assert abs(centre["x"] - node["x"]) < 1 and abs(centre["y"] - node["y"]) < 1
    assert visit.page.text_content("#info .node-label") == "Kubernetes"


def test_layout_settles_and_stops(tmp_path: Path, open_page) -> None:
    path, _ = write_page(tmp_path)
    visit = open_page(path)
    first = visit.evaluate("() => window.careergraph.network.getPositions()")
    visit.page.wait_for_timeout(600)
    assert visit.evaluate("() => window.careergraph.network.getPositions()") == first
    assert visit.page.text_content("#layout-state") == "ready"


def test_clicking_a_segment_offers_its_deep_link(tmp_path: Path, open_page) -> None:
    path, _ = write_page(tmp_path, "--path", "Data Scientist", "Machine Learning Engineer")
    visit = open_page(path)
    segment = "https://w3id.org/careergraph/id/segment/machine-learning-engineering-production-best-practices/529-799"
    visit.evaluate("(id) => window.careergraph.network.focus(id, {scale: 2, animation: false})", segment)
    point = visit.evaluate(
        "(id) => window.careergraph.network.canvasToDOM(window.careergraph.network.getPosition(id))", segment
    )
    box = visit.page.locator("#network").bounding_box()
    visit.page.mouse.click(box["x"] + point["x"], box["y"] + point["y"])
    link = visit.page.locator("#info a.deep-link")
    assert link.get_attribute("href") == "https://www.youtube.com/watch?v=sMy8NYZnsy8&t=529"
    assert link.text_content() == "Open the episode at 8:49"
    assert "Data Scientist → Machine Learning Engineer" in visit.page.text_content("#route")


def test_filter_by_type_hides_nodes(tmp_path: Path, open_page) -> None:
    path, _ = write_page(tmp_path)
    visit = open_page(path)
    visit.page.uncheck("#legend input[data-type=skill]")
    hidden = visit.evaluate("() => window.careergraph.nodes.get({filter: n => n.hidden}).map(n => n.group)")
    assert hidden and set(hidden) == {"skill"}
    visit.page.check("#legend input[data-type=skill]")
    assert visit.evaluate("() => window.careergraph.nodes.get({filter: n => n.hidden}).length") == 0


def test_hostile_label_runs_no_script(tmp_path: Path, data_dir: Path, open_page) -> None:
    path, _ = write_page(tmp_path, data=[shipped_dir("graph_data"), data_dir / "hostile.ttl"])
    visit = open_page(path)
    for text in ("<img src=x", "</script><script>alert(2)", "<b onmouseover"):
        visit.page.fill("#search", text)
        visit.page.press("#search", "Enter")
        assert visit.page.text_content("#info .node-label").startswith(text)
    visit.page.wait_for_timeout(200)
    assert visit.dialogs == []
    assert visit.evaluate("() => document.querySelectorAll('img, b').length") == 0
    assert visit.outside == []
    assert visit.console_errors == []


def test_an_archive_sized_graph_settles(tmp_path: Path, open_page) -> None:
    """About 1,500 nodes, the size of the whole podcast archive, becomes usable."""
    lines = [
        "@prefix cg: <https://w3id.org/careergraph/ontology#> .",
        "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .",
        "@base <https://example.org/> .",
    ]
    for r in range(150):
        lines.append(f'<role/{r}> a cg:Role ; skos:inScheme cg:Roles ; skos:prefLabel "Role {r}" ;')
        lines.append(
            "    cg:requiresSkill " + ", ".join(f"<skill/{(r * 7 + k) % 1350}>" for k in range(9)) + " ."
        )
    for s in range(1350):
        lines.append(f'<skill/{s}> skos:inScheme cg:Skills ; skos:prefLabel "Skill {s}" .')
    data = tmp_path / "big.ttl"
    data.write_text("\n".join(lines))
    path, count = write_page(tmp_path, "--all", data=[data])
    assert count == 1500
    visit = open_page(path)
    assert visit.evaluate("() => window.careergraph.nodes.length") == 1500
    assert visit.evaluate(NON_BLANK_PIXELS) > 2000
    assert visit.console_errors == []


DRAWN_COLOURS = """() => {
  const legend = Object.fromEntries(window.careergraph.data.legend.map((item) => [item.type, item.colour]));
  return Object.values(window.careergraph.network.body.nodes).map((node) => ({
    id: node.id, type: node.options.group, drawn: node.options.color.background,
    legend: legend[node.options.group],
  }));
}"""


def test_every_node_is_drawn_in_its_legend_colour(tmp_path: Path, big_graph: Path, open_page) -> None:
    path, count = write_page(tmp_path, "--all", data=[big_graph])
    assert count > 300
    visit = open_page(path)
    drawn = visit.evaluate(DRAWN_COLOURS)
    assert len(drawn) == count
    wrong = [d for d in drawn if d["drawn"].lower() != d["legend"].lower()]
    assert wrong == []
    assert len({d["type"] for d in drawn}) == 7


def test_a_route_page_dims_everything_off_the_route(tmp_path: Path, open_page) -> None:
    path, _ = write_page(tmp_path, "--path", "Data Scientist", "Machine Learning Engineer")
    visit = open_page(path)
    shown = visit.evaluate("() => window.careergraph.data.nodes")
    lit = {n["id"] for n in shown if isinstance(n["color"], dict)}
    drawn = visit.evaluate(DRAWN_COLOURS)
    assert {d["drawn"].lower() for d in drawn if d["id"] not in lit} == {"#e2e8f0"}
    assert all(d["drawn"].lower() == d["legend"].lower() for d in drawn if d["id"] in lit)


def test_the_legend_and_selection_stay_in_view_beside_a_route(tmp_path: Path, open_page) -> None:
    path, _ = write_page(tmp_path, "--path", "Data Scientist", "Machine Learning Engineer")
    visit = open_page(path)
    height = visit.page.viewport_size["height"]
    for selector in ("#legend", "#info", "#route summary"):
        box = visit.page.locator(selector).bounding_box()
        assert box["y"] + min(box["height"], 40) <= height, selector
    assert visit.evaluate("() => document.querySelector('aside').scrollHeight") <= height
    visit.page.click("#route summary")
    assert visit.evaluate("() => document.getElementById('route').open") is False


def test_a_failed_search_message_goes_after_a_good_one(tmp_path: Path, open_page) -> None:
    path, _ = write_page(tmp_path)
    visit = open_page(path)
    visit.page.fill("#search", "no such thing at all")
    visit.page.press("#search", "Enter")
    assert "no node matches" in visit.page.text_content("#search-message")
    visit.page.fill("#search", "docker")
    visit.page.press("#search", "Enter")
    assert visit.page.text_content("#search-message") == ""
    assert visit.page.text_content("#info .node-label") == "Docker"


def test_clicking_a_move_on_the_career_map_lists_its_evidence(
    tmp_path: Path, big_graph: Path, open_page
) -> None:
    path, count = write_page(tmp_path, data=[big_graph])
    assert count == 12
    visit = open_page(path)
    a, b = "https://example.org/role/10", "https://example.org/role/11"
    visit.evaluate("(id) => window.careergraph.network.focus(id, {scale: 1.5, animation: false})", a)
    points = [
        visit.evaluate(
            "(id) => window.careergraph.network.canvasToDOM(window.careergraph.network.getPosition(id))", node
        )
        for node in (a, b)
    ]
    box = visit.page.locator("#network").bounding_box()
    # a point on the edge, a third of the way from role 10 (clear of both nodes' circles)
    x = points[0]["x"] + (points[1]["x"] - points[0]["x"]) / 3
    y = points[0]["y"] + (points[1]["y"] - points[0]["y"]) / 3
    visit.page.mouse.click(box["x"] + x, box["y"] + y)
    assert visit.page.text_content("#info .node-label") == "Role 10 → Role 11"
    link = visit.page.locator("#info a", has_text="Guest 10-3 · Episode 10-3 · 1:03")
    assert link.get_attribute("href") == "https://video.example/10-3&t=63"
    assert visit.outside == [] and visit.console_errors == []
