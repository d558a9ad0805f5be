"""The career explorer over HTTP: each page as HTML and as JSON, 404 with suggestions, 400 for bad input."""

from __future__ import annotations

import json
import re
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner

from careergraph.cli import main
from careergraph.data import shipped_dir

ROUTE = "/route?from=Data+Scientist&to=Machine+Learning+Engineer"
BEN = "https://www.youtube.com/watch?v=sMy8NYZnsy8&t=529"
PAGES = [
    "/",
    ROUTE,
    "/route?from=data+scientists&to=MLE&have=Python,Docker&k=2",
    "/roles/data-scientist",
    "/guests/benwilson",
    "/episodes/machine-learning-engineering-production-best-practices",
    "/search?q=ben",
]


@pytest.fixture(scope="module")
def data(data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    extra = tmp_path_factory.mktemp("explorer") / "hostile-guest.ttl"
    extra.write_text(
        "@prefix cg: <https://w3id.org/careergraph/ontology#> .\n"
        "@prefix schema: <https://schema.org/> .\n"
        "@base <https://w3id.org/careergraph/id/> .\n"
        '<guest/hostile> a schema:Person ; schema:name "<script>alert(5)</script>" .\n'
        "<episode/hostile> cg:guest <guest/hostile> .\n",
        encoding="utf-8",
    )
    return [
        shipped_dir("graph_data"),
        data_dir / "hostile.ttl",
        data_dir / "chapters.ttl",
        data_dir / "moves.ttl",
        extra,
    ]


@pytest.fixture(scope="module")
def server(listening, data: list[Path]):
    def command(port: int) -> list[str]:
        options = [x for d in data for x in ("--data", str(d))]
        return [sys.executable, "-m", "careergraph", *options, "serve", "--port", str(port)]

    with listening(command) as port:
        yield f"http://127.0.0.1:{port}"


def fetch(server: str, path: str, accept: str | None = "text/html") -> tuple[int, dict[str, str], str]:
    headers = {"Accept": accept} if accept else {}
    try:
        with urllib.request.urlopen(urllib.request.Request(server + path, headers=headers), timeout=30) as r:
            return r.status, {k.lower(): v for k, v in r.headers.items()}, r.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, {k.lower(): v for k, v in error.headers.items()}, error.read().decode()


def as_json(server: str, path: str) -> tuple[int, dict]:
    status, headers, body = fetch(server, path, "application/json")
    assert headers["content-type"] == "application/json"
    return status, json.loads(body)


@pytest.mark.parametrize("path", PAGES)
def test_every_page_as_html_and_json(server: str, path: str) -> None:
    status, headers, html = fetch(server, path)
    assert status == 200 and headers["content-type"].startswith("text/html")
    assert "default-src 'none'" in headers["content-security-policy"]
    assert "script-src 'self'" in headers["content-security-policy"]
    # nothing on the page is fetched from elsewhere: scripts, styles and images come from the server
    assert not re.search(r'<(script|link|img|iframe)[^>]+(src|href)="(https?:)?//', html)
    assert '<datalist id="role-names">' in html and '<option value="Machine Learning Engineer">' in html
    status, by_accept = as_json(server, path)
    assert status == 200
    separator = "&" if "?" in path else "?"
    status, _, body = fetch(server, f"{path}{separator}format=json", None)
    assert status == 200 and json.loads(body) == by_accept


def test_the_route_is_the_cli_route(server: str, data: list[Path]) -> None:
    _, page = as_json(server, ROUTE)
    options = [x for d in data for x in ("--data", str(d))]
    cli = CliRunner().invoke(
        main, [*options, "path", "Data Scientist", "Machine Learning Engineer", "-k", "3", "-f", "json"]
    )
    assert cli.exit_code == 0, cli.output
    expected = json.loads(cli.output)
    for path in page["paths"]:  # the page adds links to the guests who made each move
        for hop in path["hops"]:
            hop.pop("mover_links", None)
    assert {k: page[k] for k in expected} == expected
    assert page["drawing"]["nodes"] and any(e["route"] for e in page["drawing"]["edges"])


def test_the_route_page_opens_the_video_at_the_minute(server: str) -> None:
    _, _, html = fetch(server, ROUTE)
    assert f'href="{BEN.replace("&", "&amp;")}"' in html
    assert ">8:49</a>" in html
    assert 'href="/episodes/machine-learning-engineering-production-best-practices"' in html
    assert "Skills to gain (36)" in html
    movers = html.index("Who made this move")
    assert html.index('<a href="/guests/benwilson">Ben Wilson</a>', movers) - movers < 80


def test_a_guest_page_lists_their_career_moves(server: str) -> None:
    _, guest = as_json(server, "/guests/benwilson")
    (move,) = guest["moves"]
    assert move["supports"][0]["label"] == "Data Scientist → Machine Learning Engineer"
    assert move["supports"][0]["url"] == ROUTE
    assert move["cited"][0]["url"] == BEN and move["cited"][0]["span"] == "8:49–13:19"
    assert move["id"] not in {c["id"] for c in guest["claims"]}


def test_have_and_k_change_the_route(server: str) -> None:
    _, plain = as_json(server, ROUTE)
    _, held = as_json(server, ROUTE + "&have=Software+engineering&have=Docker,Nonsense&k=1")
    assert len(held["paths"]) == 1
    assert held["have"] == {"skills": ["Software engineering"], "unknown": ["Docker", "Nonsense"]}
    skills = {s["label"] for s in held["paths"][0]["hops"][0]["skills_to_gain"]}
    assert "Software engineering" not in skills
    assert held["paths"][0]["cost"] < plain["paths"][0]["cost"]


def test_role_guest_and_episode_pages(server: str) -> None:
    _, role = as_json(server, "/roles/data-scientist")
    assert role["role"]["label"] == "Data Scientist"
    out = {m["role"]["label"]: m for m in role["moves_out"]}
    _, route = as_json(server, ROUTE)
    (hop,) = route["paths"][0]["hops"]
    assert out["Machine Learning Engineer"]["citations"] == len(hop["evidence"]) >= 13
    assert "Ben Wilson" in out["Machine Learning Engineer"]["guests"]
    assert out["Machine Learning Engineer"]["route"] == ROUTE
    assert {"label": "Ben Wilson", "id": "https://w3id.org/careergraph/id/guest/benwilson"}.items() <= next(
        g for g in role["guests"] if g["label"] == "Ben Wilson"
    ).items()
    _, guest = as_json(server, "/guests/benwilson")
    assert [e["label"] for e in guest["episodes"]][0].startswith("Practical Machine Learning Engineering")
    cited = [c for claim in guest["claims"] for c in claim["cited"] if c["url"] == BEN]
    assert cited and cited[0]["span"] in ("8:49", "8:49–13:19")
    _, episode = as_json(server, "/episodes/machine-learning-engineering-production-best-practices")
    assert episode["guests"][0]["url"] == "/guests/benwilson"
    first = next(c for c in episode["chapters"] if c["start"] == 529 and c["end"] == 799)
    assert first["title"] == "Why notebooks are not products" and first["url"] == BEN
    assert any(claim["guests"][0]["label"] == "Ben Wilson" for claim in episode["claims"])


def test_search_ranks_guests_roles_and_chapters(server: str) -> None:
    _, found = as_json(server, "/search?q=ben")
    assert found["results"][0]["label"] == "Ben Wilson" and found["results"][0]["url"] == "/guests/benwilson"
    _, chapters = as_json(server, "/search?q=notebooks")
    (chapter,) = [r for r in chapters["results"] if r["kind"] == "chapter"]
    assert chapter["url"] == BEN and chapter["episode"]["url"].startswith("/episodes/")
    _, roles = as_json(server, "/search?q=data+scientist")
    assert roles["results"][0] == {
        "kind": "role",
        "id": "https://w3id.org/careergraph/id/role/data-scientist",
        "label": "Data Scientist",
        "url": "/roles/data-scientist",
        "score": 0,
    }
    _, _, html = fetch(server, "/search?q=notebooks")
    assert "Why notebooks are not products" in html


@pytest.mark.parametrize(
    ("path", "suggestion"),
    [
        ("/roles/data-scientst", ("Data Scientist", "/roles/data-scientist")),
        ("/guests/benwilsen", ("Ben Wilson", "/guests/benwilson")),
        ("/episodes/machine-learning-engineering-production", None),
    ],
)
def test_unknown_slugs_are_404_with_suggestions(server: str, path: str, suggestion) -> None:
    status, headers, html = fetch(server, path)
    assert status == 404 and headers["content-type"].startswith("text/html")
    status, body = as_json(server, path)
    assert status == 404 and body["error"].startswith("no ")
    if suggestion:
        assert {"label": suggestion[0], "url": suggestion[1]} in body["suggestions"]
        assert f'<a href="{suggestion[1]}">{suggestion[0]}</a>' in html
    else:
        assert body["suggestions"] and all(s["url"].startswith("/episodes/") for s in body["suggestions"])


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/route?from=Data+Scientist", "needs both from= and to="),
        ("/route?from=Data+Sceintist&to=MLE", "did you mean: Data Scientist"),
        ("/route?from=MLE&to=Machine+Learning+Engineer", "same role"),
        ("/route?from=Data+Scientist&to=MLE&k=many", "k must be a whole number"),
        ("/route?from=Data+Scientist&to=MLE&k=0", "k must be between 1 and 10"),
        ("/search?q=", "q is empty"),
        ("/roles/data-scientist?format=xml", "format must be html or json"),
    ],
)
def test_bad_parameters_are_400(server: str, path: str, message: str) -> None:
    status, _, html = fetch(server, path)
    assert status == 400 and message in html
    if "format=" not in path:
        status, body = as_json(server, path)
        assert status == 400 and message in body["error"]


def test_hostile_labels_stay_text(server: str) -> None:
    pages = [
        "/",
        "/roles/hostile",
        "/guests/hostile",
        "/episodes/hostile",
        "/search?q=%3Cimg",
        "/search?q=script",
    ]
    for path in pages:
        status, _, html = fetch(server, path)
        assert status == 200, path
        assert "<img src=x" not in html and "<script>alert" not in html and "<b onmouseover" not in html, path
    _, _, html = fetch(server, "/roles/hostile")
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    _, _, html = fetch(server, "/episodes/hostile")
    assert "javascript:" not in html  # its video link is dropped


def test_static_files_and_the_sparql_endpoint(server: str) -> None:
    status, headers, body = fetch(server, "/static/explorer.js", None)
    assert status == 200 and headers["content-type"].startswith("text/javascript") and "route-data" in body
    assert fetch(server, "/static/../server.py", None)[0] == 404
    assert fetch(server, "/static/nothing.js", None)[0] == 404
    # protocol requests to /sparql are as they were: no query is 400, a query is answered
    status, _, body = fetch(server, "/sparql", None)
    assert status == 400 and "no query" in body
    query = urllib.parse.urlencode({"query": "ASK { ?s ?p ?o }"})
    status, headers, body = fetch(server, f"/sparql?{query}", None)
    assert status == 200 and json.loads(body)["boolean"] is True
    # a browser asking for /sparql gets the query page
    status, headers, body = fetch(server, "/sparql", "text/html,application/xhtml+xml,*/*;q=0.8")
    assert status == 200 and headers["content-type"].startswith("text/html")


def test_named_queries_for_the_editor(server: str) -> None:
    _, listed = as_json(server, "/queries")
    names = {q["name"]: q for q in listed["queries"]}
    assert {"roles", "role-skills", "transition-evidence"} <= names.keys()
    evidence = names["transition-evidence"]
    assert [(p["name"], p["example"]) for p in evidence["params"]] == [
        ("from", "Data Scientist"),
        ("to", "Machine Learning Engineer"),
    ]
    assert evidence["editor"].startswith("/sparql#query=")
    status, headers, text = fetch(server, "/queries/role-skills?role=data+scientists", None)
    assert status == 200 and headers["content-type"].startswith("application/sparql-query")
    assert "VALUES ?role { <https://w3id.org/careergraph/id/role/data-scientist> }" in text
    status, _, text = fetch(server, "/queries/role-skils", None)
    assert status == 404 and "did you mean: role-skills" in text
    status, _, text = fetch(server, "/queries/role-skills", None)
    assert status == 400 and "needs parameter 'role'" in text
    status, _, text = fetch(server, "/queries/role-skills?role=Data+Sceintist", None)
    assert status == 400 and "did you mean: Data Scientist" in text
    _, _, html = fetch(server, "/queries")
    assert 'href="/sparql#query=' in html


def test_pages_asked_at_once_are_all_answered(server: str) -> None:
    """The pages are answered from a pool of threads: the label index and the projection the session
    keeps (SQLite) must be readable from any of them, not only from the thread that opened them."""
    from concurrent.futures import ThreadPoolExecutor

    paths = ["/search?q=data", "/roles/data-scientist", ROUTE, "/roles/data-scientst"]
    expected = {path: as_json(server, path) for path in paths}  # one at a time first
    with ThreadPoolExecutor(16) as pool:
        answers = list(pool.map(lambda i: (paths[i % 4], as_json(server, paths[i % 4])), range(96)))
    assert expected["/roles/data-scientst"][0] == 404
    assert all(answer == expected[path] for path, answer in answers)
