"""The career explorer in headless Chromium: pages render with no error and reach nothing outside it."""

from __future__ import annotations

import sys
import urllib.parse
from pathlib import Path

import pytest

from careergraph.data import shipped_dir

pytestmark = pytest.mark.browser

PAGES = [
    "/",
    "/route?from=Data+Scientist&to=Machine+Learning+Engineer",
    "/roles/data-scientist",
    "/guests/benwilson",
    "/episodes/machine-learning-engineering-production-best-practices",
    "/search?q=docker",
    "/queries",
    "/roles/no-such-role",
    "/route?from=Data+Scientist",
]
HOSTILE = ["/", "/roles/hostile", "/episodes/hostile", "/search?q=%3C", "/search?q=alert"]


@pytest.fixture(scope="module")
def server(listening, data_dir: Path):
    data = [shipped_dir("graph_data"), data_dir / "hostile.ttl", data_dir / "chapters.ttl"]

    def command(port: int) -> list[str]:
        options = [x for d in data for x in ("--data", str(d))]
        return [sys.executable, "-m", "careergraph", *options, "serve", "--port", str(port)]

    with listening(command) as port:
        yield f"http://127.0.0.1:{port}"


@pytest.mark.parametrize("path", PAGES)
def test_every_page_renders_cleanly(open_page, server, path: str) -> None:
    page = open_page(server + path)
    assert page.status in (200, 400, 404)
    assert page.page.locator("header.top form.route-form").count() == 1
    # 404 and 400 are the page's own answer, not an error of the page
    errors = [e for e in page.console_errors if "status of 40" not in e]
    assert errors == [] and page.outside == []


def test_the_route_page_draws_the_route_and_links_the_minute(open_page, server) -> None:
    page = open_page(server + PAGES[1])
    page.page.wait_for_selector("body[data-drawn=true]", state="attached", timeout=30_000)
    drawn = page.page.evaluate("() => window.careergraphRoute.nodes.get().filter((n) => n.borderWidth === 4)")
    assert {n["label"] for n in drawn} >= {"Data Scientist", "Machine Learning Engineer"}
    link = page.page.locator("a.minute", has_text="8:49").first
    assert link.get_attribute("href") == "https://www.youtube.com/watch?v=sMy8NYZnsy8&t=529"
    assert page.console_errors == [] and page.outside == []


def test_from_the_home_page_to_a_route_without_javascript(browser, server) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(server + "/")
    page.fill(".big-route input[name=from]", "Data Scientist")
    page.fill(".big-route input[name=to]", "machine learning engineer")
    page.click(".big-route button")
    page.wait_for_url("**/route?**")
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(page.url).query)
    assert query["from"] == ["Data Scientist"] and query["to"] == ["machine learning engineer"]
    assert page.locator("a.minute[href$='&t=529']").count() >= 1
    assert page.locator("datalist#role-names option[value='Data Scientist']").count() == 1
    context.close()


def test_search_finds_a_guest_and_a_chapter(open_page, server) -> None:
    page = open_page(server + "/")
    page.page.fill("header input[name=q]", "ben")
    page.page.press("header input[name=q]", "Enter")
    page.page.wait_for_url("**/search?q=ben")
    page.page.click(".result.guest a:text('Ben Wilson')")
    page.page.wait_for_url("**/guests/benwilson")
    assert page.page.text_content("h1") == "Ben Wilson"
    page.page.fill("header input[name=q]", "timeboxing")
    page.page.press("header input[name=q]", "Enter")
    chapter = page.page.locator(".result.chapter a.minute")
    assert chapter.text_content() == "Timeboxing experiments"
    assert chapter.get_attribute("href") == "https://www.youtube.com/watch?v=sMy8NYZnsy8&t=1746"
    assert page.console_errors == [] and page.outside == []


@pytest.mark.parametrize("path", HOSTILE)
def test_hostile_labels_stay_text(open_page, server, path: str) -> None:
    page = open_page(server + path)
    page.page.wait_for_timeout(100)
    assert page.dialogs == []
    assert page.page.evaluate("() => document.querySelectorAll('img, b, main script').length") == 0
    text = page.page.text_content("body")
    assert "<img src=x onerror=alert(1)>" in text or "<b onmouseover" in text or "</script>" in text
    assert page.console_errors == [] and page.outside == []


def editor(open_page, server: str):
    page = open_page(server + "/sparql")
    page.page.wait_for_selector("body[data-ready=true]", state="attached", timeout=30_000)
    return page


def test_the_sparql_editor_runs_a_named_query_and_shows_its_table(open_page, server) -> None:
    page = editor(open_page, server)
    page.page.select_option("#example-name", "role-skills")
    assert page.page.input_value("#example-params input[name=role]") == "Data Scientist"
    page.page.click("#examples button")
    page.page.wait_for_function(
        "() => window.careergraphYasgui.getTab().getYasqe().getValue().includes('VALUES')"
    )
    page.page.click(".CodeMirror")
    page.page.keyboard.press("Control+Enter")
    page.page.wait_for_selector(".yasr table tbody tr", timeout=30_000)
    rows = page.page.locator(".yasr table tbody tr")
    assert rows.count() == 10
    assert "Data cleaning" in page.page.text_content(".yasr table tbody")
    assert page.console_errors == [] and page.outside == []


def test_the_sparql_editor_asks_no_one_else_and_shares_by_fragment(open_page, server) -> None:
    page = editor(open_page, server)
    yasqe = "window.careergraphYasgui.getTab().getYasqe()"
    page.page.click(".CodeMirror")
    page.page.keyboard.press("Control+A")
    page.page.keyboard.type("PREFIX dc: <http://purl.org/dc/terms/>\nPREFIX foaf")
    page.page.wait_for_timeout(500)  # where a prefix look-up would go out
    query = "PREFIX foaf: <http://xmlns.com/foaf/0.1/>\nSELECT ?s WHERE { ?s a foaf:Nobody }"
    page.page.evaluate(f"(text) => {yasqe}.setValue(text)", query)
    link = page.page.evaluate(f"() => {yasqe}.config.createShareableLink({yasqe})")
    assert link.startswith(server + "/sparql#") and "query=PREFIX" in link
    shared = open_page(link)
    shared.page.wait_for_selector("body[data-ready=true]", state="attached", timeout=30_000)
    assert shared.page.evaluate(f"() => {yasqe}.getValue()") == query
    shared.page.wait_for_selector(".yasr_results", timeout=30_000)  # a shared link runs its query
    assert page.outside == [] and shared.outside == []
    assert page.console_errors == [] and shared.console_errors == []
