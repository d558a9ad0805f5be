"""`careergraph serve`: a read-only SPARQL 1.1 Protocol endpoint, queried over HTTP."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import re
import sys
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rdflib import Graph
from rdflib.plugins.stores.sparqlstore import SPARQLStore

from careergraph.data import shipped_dir

ROLES = (
    "PREFIX skos: <http://www.w3.org/2004/02/skos/core#> PREFIX cg: <https://w3id.org/careergraph/ontology#> "
    "SELECT ?role ?label WHERE { ?role a cg:Role ; skos:prefLabel ?label } ORDER BY ?label"
)
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


@pytest.fixture(scope="module")
def server(listening):
    def command(port: int) -> list[str]:
        return [
            sys.executable, "-m", "careergraph", "--data", str(shipped_dir("graph_data")), "serve",
            "--port", str(port), "--timeout", "1", "--max-rows", "5",
        ]  # fmt: skip

    with listening(command) as port:
        yield f"http://127.0.0.1:{port}"


def request(url: str, *, data: bytes | None = None, headers: dict[str, str] | None = None):
    try:
        with urllib.request.urlopen(
            urllib.request.Request(url, data=data, headers=headers or {}), timeout=20
        ) as r:
            return r.status, dict(r.headers), r.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode()


def get(server: str, query: str, accept: str | None = None):
    headers = {"Accept": accept} if accept else {}
    return request(f"{server}/sparql?" + urllib.parse.urlencode({"query": query}), headers=headers)


def test_a_standard_client_reads_it(server: str) -> None:
    remote = Graph(store=SPARQLStore(f"{server}/sparql", returnFormat="json"))
    answer = [(str(r.role), str(r.label)) for r in remote.query(ROLES)]
    local = [
        (str(r.role), str(r.label))
        for r in Graph().parse(shipped_dir("graph_data") / "roles.ttl").query(ROLES)
    ]
    assert answer == local[:5]  # the server cuts at --max-rows 5


def test_content_negotiation_with_q_values(server: str) -> None:
    status, headers, body = get(server, ROLES, "text/csv;q=0.4, application/sparql-results+xml;q=0.9")
    assert status == 200 and headers["content-type"].startswith("application/sparql-results+xml")
    assert ET.fromstring(body).tag == "{http://www.w3.org/2005/sparql-results#}sparql"
    status, headers, body = get(server, ROLES, "text/csv")
    assert next(csv.reader(io.StringIO(body))) == ["role", "label"]
    status, headers, body = get(server, ROLES, "text/tab-separated-values")
    assert body.splitlines()[0] == "?role\t?label"
    status, headers, body = get(server, ROLES)
    assert json.loads(body)["head"]["vars"] == ["role", "label"]
    construct = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 3"
    status, headers, body = get(server, construct, "application/n-triples")
    assert (
        headers["content-type"].startswith("application/n-triples")
        and len(Graph().parse(data=body, format="nt")) == 3
    )
    status, headers, body = get(server, construct, "text/turtle")
    assert len(Graph().parse(data=body, format="turtle")) == 3
    status, _, body = get(server, ROLES, "image/png")
    assert status == 406


def test_post_form_and_sparql_query_body(server: str) -> None:
    form = urllib.parse.urlencode({"query": "ASK { ?s a <https://schema.org/Clip> }"}).encode()
    status, _, body = request(
        f"{server}/sparql", data=form, headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert status == 200 and json.loads(body)["boolean"] is True
    status, _, body = request(
        f"{server}/sparql", data=ROLES.encode(), headers={"Content-Type": "application/sparql-query"}
    )
    assert status == 200 and len(json.loads(body)["results"]["bindings"]) == 5


def test_row_cap_is_flagged(server: str) -> None:
    status, headers, body = get(server, ROLES)
    assert headers.get("x-careergraph-truncated") == "true"
    few = ROLES + " LIMIT 2"
    status, headers, body = get(server, few)
    assert "x-careergraph-truncated" not in {k.lower() for k in headers}


@pytest.mark.parametrize(
    "query,reason",
    [
        ("SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }", "SERVICE"),
        ("SELECT * FROM <http://127.0.0.1:9/g> WHERE { ?s ?p ?o }", "FROM"),
        ("LOAD <http://127.0.0.1:9/data.ttl>", "updates"),
        ("INSERT DATA { <urn:a> <urn:b> <urn:c> }", "updates"),
    ],
)
def test_refused_with_a_reason(server: str, query: str, reason: str) -> None:
    status, _, body = get(server, query)
    assert status == 403 and reason in body


def test_updates_are_refused(server: str) -> None:
    form = urllib.parse.urlencode({"update": "DELETE WHERE { ?s ?p ?o }"}).encode()
    status, _, body = request(
        f"{server}/sparql", data=form, headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert status == 403 and "updates are not allowed" in body
    status, _, _ = request(
        f"{server}/sparql", data=b"CLEAR ALL", headers={"Content-Type": "application/sparql-update"}
    )
    assert status == 403


def test_malformed_query_gets_the_parser_message(server: str) -> None:
    status, _, body = get(server, "SELECT ?x WHERE { ?x ")
    assert status == 400 and "not a SPARQL query" in body and "Expected" in body


def test_unknown_host_is_refused(server: str) -> None:
    status, _, _ = request(f"{server}/sparql?query=ASK%7B%7D", headers={"Host": "evil.example"})
    assert status == 400


def test_timeout_and_the_server_keeps_serving(server: str) -> None:
    status, _, body = get(server, SLOW)
    assert status == 503 and "stopped after 1 s" in body
    status, _, _ = get(server, ROLES)
    assert status == 200


def test_the_query_page_is_self_contained(server: str) -> None:
    status, headers, body = request(f"{server}/sparql", headers={"Accept": "text/html"})
    assert status == 200 and headers["content-type"].startswith("text/html")
    assert '<div id="yasgui">' in body
    # everything the page loads comes from the server itself
    assert re.findall(r'(?:src|href)="([^"]*)"', body) and all(
        link.startswith("/") and not link.startswith("//")
        for link in re.findall(r'(?:src|href)="([^"]*)"', body)
    )


# --- defence in depth -------------------------------------------------------------------------


def test_cross_origin_requests_are_refused(server: str) -> None:
    ask = f"{server}/sparql?query=ASK%7B%7D"
    assert request(ask, headers={"Origin": "http://evil.example"})[0] == 403
    assert request(ask, headers={"Origin": "null"})[0] == 403
    assert request(ask, headers={"Sec-Fetch-Site": "cross-site"})[0] == 403  # an <img> on another site
    assert request(ask, headers={"Referer": "http://evil.example/page.html"})[0] == 403
    form = urllib.parse.urlencode({"query": "ASK {}"}).encode()
    status, _, body = request(
        f"{server}/sparql",
        data=form,
        headers={"Content-Type": "application/x-www-form-urlencoded", "Origin": "http://evil.example"},
    )
    assert status == 403 and "cross-site requests are refused" in body
    navigate = {"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": "document"}
    status, _, _ = request(
        f"{server}/sparql",
        data=form,
        headers={"Content-Type": "application/x-www-form-urlencoded", **navigate},
    )
    assert status == 403  # an auto-submitted form on another site
    # A person following a link from another site opens the page (the explorer's URLs are shared).
    assert request(ask, headers={**navigate, "Referer": "http://elsewhere.example/"})[0] == 200
    # The query page's own requests, and clients that are not browsers, are served.
    host = server.removeprefix("http://")
    assert request(ask, headers={"Origin": server, "Sec-Fetch-Site": "same-origin"})[0] == 200
    assert request(ask, headers={"Origin": f"http://{host}"})[0] == 200
    assert request(ask)[0] == 200


def _raw(server: str, message: bytes) -> bytes:
    """What the server answers to ``message``, sent as it is, until it hangs up."""
    import socket

    host, port = server.removeprefix("http://").split(":")
    answer = b""
    with socket.create_connection((host, int(port)), timeout=20) as connection:
        connection.sendall(message)
        while chunk := connection.recv(4096):
            answer += chunk
    return answer


def test_a_body_over_the_limit_is_413(server: str) -> None:
    # Refused from its declared length, before the body is read (a client would still be sending it).
    head = b"POST /sparql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/sparql-query\r\n"
    answer = _raw(server, head + b"Content-Length: 2000000\r\nConnection: close\r\n\r\nASK {}")
    assert answer.startswith(b"HTTP/1.1 413") and b"larger than 1000000 bytes" in answer
    # And counted as it arrives, when no length is declared.
    import socket
    import time

    chunk = b"x" * 600_000
    host, port = server.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=20) as connection:
        connection.sendall(head + b"Transfer-Encoding: chunked\r\n\r\n")
        for _ in range(2):
            connection.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            time.sleep(0.2)
        assert connection.recv(4096).startswith(b"HTTP/1.1 413")


def test_head_answers_like_get_without_a_body(server: str) -> None:
    answer = _raw(
        server, b"HEAD /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200") and b"application/sparql-results+json" in head
    assert body == b""


def _children(pid: int) -> list[int]:
    from pathlib import Path

    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(FileNotFoundError):  # a thread that ended while we looked
            found += [int(child) for child in (task / "children").read_text().split()]
    return found


def _sockets(pid: int) -> int:
    import os
    import stat
    from pathlib import Path

    count = 0
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            count += stat.S_ISSOCK(os.stat(fd).st_mode)
        except OSError:
            pass
    return count


@pytest.fixture(scope="module")
def oxigraph_server(listening, tmp_path_factory: pytest.TempPathFactory):
    """A server on an Oxigraph store, with a low memory cap, and its error log."""
    import subprocess

    location = tmp_path_factory.mktemp("oxigraph") / "store"
    data = ["--data", str(shipped_dir("graph_data")), "--store", f"oxigraph:{location}"]
    subprocess.run([sys.executable, "-m", "careergraph", *data, "load"], check=True, capture_output=True)
    log = tmp_path_factory.mktemp("log") / "serve.log"

    def command(port: int) -> list[str]:
        script = (
            "import sys; from careergraph.cli import main; "
            f"sys.stderr = open({str(log)!r}, 'w', buffering=1); sys.exit(main())"
        )
        return [
            sys.executable, "-c", script, *data, "serve", "--port", str(port), "--timeout", "3",
            "--max-memory", "200",
        ]  # fmt: skip

    with listening(command) as port:
        yield f"http://127.0.0.1:{port}", location, log


def _server_pid(port: str) -> int:
    import subprocess

    out = subprocess.run(["ss", "-Hltnp", f"sport = :{port}"], capture_output=True, text=True).stdout
    return int(out.split("pid=")[1].split(",")[0])


def test_workers_hold_no_listening_or_client_socket(oxigraph_server) -> None:
    import shutil

    if shutil.which("ss") is None:
        pytest.skip("needs ss (iproute2) to find the server's process")
    url, _, _ = oxigraph_server
    pid = _server_pid(url.rsplit(":", 1)[1])
    from careergraph.server import ServerSettings

    workers = _children(pid)
    expected = ServerSettings().workers + 1  # the fast lane's query workers and the safety check's process
    assert expected >= 3 and len(workers) == expected
    assert [_sockets(worker) for worker in workers] == [1] * expected  # its pipe to the server, nothing else


def test_a_query_past_the_memory_cap_is_503_and_the_server_carries_on(oxigraph_server) -> None:
    url, _, log = oxigraph_server
    # A cross product sorted whole before its first row. (Without the OFFSET the row cap reaches
    # Oxigraph as a LIMIT, and it keeps only the first rows while it sorts: no memory to run out of.)
    greedy = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } ORDER BY ?a ?d ?g OFFSET 1"
    status, _, body = get(url, greedy)
    assert status == 503 and "200 MiB" in body, body
    assert get(url, "ASK { ?s ?p ?o }")[0] == 200
    assert "a query was stopped at the 200 MiB memory cap" in log.read_text()
    assert "memory allocation" not in log.read_text()  # the engine's own screenful stays out of the log


def test_a_client_hanging_up_mid_body_is_one_line_in_the_log(oxigraph_server) -> None:
    import socket
    import time

    url, _, log = oxigraph_server
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port))) as connection:
        connection.sendall(
            b"POST /sparql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/sparql-query\r\n"
            b"Content-Length: 1000\r\n\r\nASK"
        )
        time.sleep(0.3)
    for _ in range(50):
        if "hung up" in log.read_text():
            break
        time.sleep(0.05)
    text = log.read_text()
    assert "careergraph: 127.0.0.1 hung up before sending the whole request\n" in text
    assert "Traceback" not in text


def test_slow_queries_do_not_hold_up_fast_ones(oxigraph_server) -> None:
    import threading
    import time

    url, _, _ = oxigraph_server
    slow_done: list[tuple[int, str]] = []

    def slow() -> None:
        status, _, body = get(url, SLOW)
        slow_done.append((status, body))

    threads = [threading.Thread(target=slow) for _ in range(8)]
    for thread in threads:
        thread.start()
    time.sleep(0.5)  # all eight sent: twice as many as the slow lane holds
    fast = [get(url, "ASK { ?s ?p ?o }")[:3:2] for _ in range(10)]
    still_running = 8 - len(slow_done)
    for thread in threads:
        thread.join()
    assert [status for status, _ in fast] == [200] * 10, fast
    # Two (one client's share of the slow lane) went on there, at low priority, until the time
    # limit; the fast answers came while they ran. The other six were stopped at once.
    assert still_running == 2
    bodies = [body for _, body in slow_done]
    assert [status for status, _ in slow_done] == [503] * 8
    assert bodies.count("the query was stopped after 3 s\n") == 2
    assert sum("busy with slow queries" in body for body in bodies) == 6


def test_the_slow_lane_is_shared_between_clients() -> None:
    from careergraph.server import Lanes, ServerSettings

    lanes = Lanes(None, ServerSettings(slow_workers=4, slow_per_client=2))  # nothing forked
    assert [lanes._admit_slow("a") for _ in range(3)] == [True, True, False]  # a's share is two
    assert [lanes._admit_slow("b") for _ in range(3)] == [True, True, False]
    assert lanes._admit_slow("c") is False  # the lane is full
    lanes._release_slow("a")
    assert lanes._admit_slow("c") is True and lanes.slow_by_client == {"a": 1, "b": 2, "c": 1}


def _served_with(settings: str):
    """A command for the ``listening`` fixture: the shipped data served with ``ServerSettings(settings)``."""

    def command(port: int) -> list[str]:
        script = f"""if True:
            from careergraph.server import ServerSettings, run_server
            from careergraph import Session
            from careergraph.data import shipped_dir
            session = Session([shipped_dir("graph_data")], "memory")
            run_server(session, ServerSettings({settings}), host="127.0.0.1", port={port})
            """
        return [sys.executable, "-c", script]

    return command


def test_headers_must_arrive_in_time(listening) -> None:
    import socket
    import time

    with listening(_served_with("header_timeout=0.5, max_connections=4, workers=1, slow_workers=1")) as port:
        half = socket.create_connection(("127.0.0.1", port), timeout=10)
        half.sendall(b"GET /sparql HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # and never the blank line
        assert half.recv(100) == b""  # the server hung up
        half.close()
        crowd = [socket.create_connection(("127.0.0.1", port), timeout=10) for _ in range(8)]
        # The server accepts what is queued when its loop next looks (well within the header deadline);
        # on a busy machine it may still take some later, once earlier ones have been answered and closed.
        time.sleep(0.2)
        closed = refused = 0
        for connection in crowd:
            connection.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            try:
                answer = connection.recv(100)
            except OSError:
                answer = b""
            closed += answer == b""
            refused += answer.startswith(b"HTTP/1.1 503")
            connection.close()
        # Past the cap of four, connections are closed as they arrive, or (uvicorn's own limit, when one
        # is accepted as another leaves) answered 503; never eight pages for eight connections.
        assert closed >= 1 and closed + refused >= 4


def test_a_body_that_never_comes_and_a_head_too_large_are_refused(listening) -> None:
    """A POST that declares a body and sends none gets 408 at the body's deadline (the fast path
    waited for ever for its first piece); a request line and headers past 16 KiB get 431."""
    import socket

    with listening(_served_with("body_timeout=0.5, workers=1, slow_workers=1")) as port:
        with socket.create_connection(("127.0.0.1", port), timeout=10) as stalled:
            stalled.sendall(
                b"POST /sparql HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                b"Content-Type: application/sparql-query\r\nContent-Length: 100\r\n\r\n"
            )
            assert stalled.recv(200).startswith(b"HTTP/1.1 408 ")
        with socket.create_connection(("127.0.0.1", port), timeout=10) as large:
            large.sendall(b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: ")
            large.sendall(b"x" * 24_000)  # one header's value, and no end to it
            answer = b""
            while chunk := large.recv(200):
                answer += chunk
            assert answer.startswith(b"HTTP/1.1 431 ")


def test_binding_beyond_loopback_warns() -> None:
    from careergraph.server import exposure_warning

    assert exposure_warning("127.0.0.1") is None and exposure_warning("localhost") is None
    assert exposure_warning("0.0.0.0").startswith("WARNING: serving on 0.0.0.0, not on loopback")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    template=st.sampled_from(
        [
            "PREFIX : <{url}> SELECT * WHERE { SERVICE:x { ?s ?p ?o } }",
            "SELECT * WHERE { BIND(1<'>' AS ?z) SERVICE <{url}> { ?s ?p ?o } }",
            "SELECT * WHERE { FILTER EXISTS { \\u0053ERVICE <{url}> { ?s ?p ?o } } }",
            "PREFIX : <{url}> SELECT * WHERE { # {\n service\t:x{?s ?p ?o} }",
        ]
    ),
    how=st.sampled_from(["get", "form", "body"]),
)
def test_service_is_refused_through_the_server(server: str, listener, template: str, how: str) -> None:
    port, seen = listener
    text = template.replace("{url}", f"http://127.0.0.1:{port}/")
    if how == "get":
        status, _, body = get(server, text)
    elif how == "form":
        form = urllib.parse.urlencode({"query": text}).encode()
        status, _, body = request(
            f"{server}/sparql", data=form, headers={"Content-Type": "application/x-www-form-urlencoded"}
        )
    else:
        status, _, body = request(
            f"{server}/sparql", data=text.encode(), headers={"Content-Type": "application/sparql-query"}
        )
    assert status == 403 and "SERVICE" in body
    assert seen == []


def test_a_running_server_reopens_a_store_that_load_replaced(oxigraph_server) -> None:
    import subprocess
    import time

    url, location, log = oxigraph_server
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"

    def triples() -> int:
        status, _, body = get(url, count)
        assert status == 200, body
        return int(json.loads(body)["results"]["bindings"][0]["n"]["value"])

    def load(data) -> None:
        command = [
            sys.executable,
            "-m",
            "careergraph",
            "--data",
            str(data),
            "--store",
            f"oxigraph:{location}",
        ]
        subprocess.run([*command, "load", "--replace"], check=True, capture_output=True)

    def guest_page() -> int:
        return request(f"{url}/guests/benwilson?format=json")[0]

    before = triples()
    assert guest_page() == 200
    try:
        load(shipped_dir("graph_data") / "roles.ttl")
        time.sleep(1.1)  # the server looks at most once a second
        assert guest_page() == 404  # the explorer reads the data anew: no guests in roles.ttl
        after = [triples() for _ in range(8)]  # each worker answers once at least
        assert set(after) == {len(Graph().parse(shipped_dir("graph_data") / "roles.ttl"))} != {before}
        assert f"the data at {location} was replaced: reopening it" in log.read_text()
    finally:
        load(shipped_dir("graph_data"))


@pytest.mark.browser
def test_a_page_elsewhere_cannot_make_the_server_run_queries(browser, oxigraph_server, tmp_path) -> None:
    """What the issue showed in Chromium: an <img> and an auto-submitted form on another page."""
    url, _, log = oxigraph_server
    query = urllib.parse.quote("ASK { ?s ?p ?o }")
    attack = tmp_path / "attack.html"
    attack.write_text(
        f'<!doctype html><img src="{url}/sparql?query={query}">'
        f'<form id="f" method="POST" action="{url}/sparql"><input name="query" value="ASK {{ }}"></form>'
        '<script>setTimeout(() => document.getElementById("f").submit(), 300)</script>',
        encoding="utf-8",
    )
    page = browser.new_page()
    seen: list[tuple[str, str, int]] = []
    page.on("response", lambda r: seen.append((r.request.method, r.url.split("?")[0], r.status)))
    try:
        with page.expect_navigation(url=f"{url}/sparql", timeout=20_000):
            page.goto(attack.as_uri())
        page.wait_for_load_state("load")
        ours = sorted(entry for entry in seen if entry[1].startswith(url))
        assert ours == [("GET", f"{url}/sparql", 403), ("POST", f"{url}/sparql", 403)]
        assert "cross-site requests are refused" in page.content()
    finally:
        page.close()
    assert "refused a cross-site request" in log.read_text()


def test_several_server_processes_answer_on_one_port_and_end_together(listening) -> None:
    import os
    import subprocess

    def command(port: int) -> list[str]:
        data = ["--data", str(shipped_dir("graph_data"))]
        return [sys.executable, "-m", "careergraph", *data, "serve", "--port", str(port), "--workers", "2"]

    with listening(command) as port:
        url = f"http://127.0.0.1:{port}"
        answers = {get(url, ROLES, "text/csv")[2] for _ in range(12)}
        assert len(answers) == 1 and "Data Scientist" in answers.pop()
        out = subprocess.run(["ps", "-ww", "-eo", "pid=,ppid=,args="], capture_output=True, text=True).stdout
        rows = [line.split(None, 2) for line in out.splitlines()]
        ours = [pid for pid, _ppid, args in rows if f"--port {port}" in args]
        (first,) = [pid for pid, ppid, args in rows if ppid == str(os.getpid()) and f"--port {port}" in args]
        servers = [pid for pid, ppid, _args in rows if ppid == first]
        assert len(servers) == 2, out
        # A listening socket each (SO_REUSEPORT), so that the kernel spreads connections over them.
        assert _listening_sockets(port) == 2
        for server in servers:  # each with query workers (and a checker) of its own
            assert sum(ppid == server for _pid, ppid, _args in rows) >= 2, out
    import time

    for _ in range(100):  # a safety checker leaves when its pipe closes: give it a moment
        left = [pid for pid in ours if os.path.exists(f"/proc/{pid}")]
        if not left:
            break
        time.sleep(0.1)
    assert left == [], "every server process and query worker ends with the first"


def _listening_sockets(port: int) -> int:
    """How many sockets listen on ``port`` (from /proc/net/tcp: state 0A is LISTEN)."""
    rows = Path("/proc/net/tcp").read_text().splitlines()[1:]
    return sum(row.split()[1].endswith(f":{port:04X}") and row.split()[3] == "0A" for row in rows)


def test_a_server_process_that_dies_stops_the_others_and_fails(tmp_path) -> None:
    """With --workers 2, one server killed outright: the command stops the other and exits 1, saying
    why, instead of serving on at half capacity (or, once both are gone, exiting 0)."""
    import os
    import signal
    import socket
    import subprocess
    import time

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    data = ["--data", str(shipped_dir("graph_data"))]
    command = [sys.executable, "-m", "careergraph", *data, "serve", "--port", str(port), "--workers", "2"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        for _ in range(300):
            servers = [int(pid) for pid in _children(process.pid)]
            if len(servers) == 2:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
                    break
                except OSError:
                    pass
            time.sleep(0.05)
        assert len(servers) == 2
        os.kill(servers[0], signal.SIGKILL)
        _out, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 1
    assert "a server process was killed by signal 9: the others were stopped" in err
    assert "Traceback" not in err
