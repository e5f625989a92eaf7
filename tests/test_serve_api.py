"""`powderkeg serve`: the REST API over a small store (FastAPI TestClient), its security rules,
and the contract endpoints (forecast, simulate) with fakes of the contract shapes."""

from __future__ import annotations

import multiprocessing as mp
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from powderkeg.cli import main
from powderkeg.errors import UsageError
from powderkeg.serve import check_bind, create_app
from serve_support import (
    EVIL_TEXT,
    EVIL_TITLE,
    SPIKE_EVENTS,
    WEEKS,
    evil_document,
    install_fakes,
    serve_app,
    serve_db,
)


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(serve_app())


def test_pages_and_headers(client: TestClient) -> None:
    for path in ("/", "/theatre/serbia-kosovo", "/links", "/actors", "/forecasts", "/documents",
                 f"/documents/{evil_document().doc_id}"):  # fmt: skip
        r = client.get(path)
        assert r.status_code == 200, path
        assert r.headers["content-type"].startswith("text/html")
        csp = r.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "default-src 'self'" in csp
        assert "http://" not in r.text.replace("http://www.w3.org", "") and "https://" not in r.text
    assert client.get("/theatre/nowhere").status_code == 404
    assert client.get("/static/vendor/leaflet.js").status_code == 200


def test_openapi_lists_the_endpoints(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    for path in ("/api/events", "/api/trend/{theatre}", "/api/alerts", "/api/link", "/api/actors",
                 "/api/forecast/{theatre}", "/api/scenarios", "/api/simulate", "/api/documents",
                 "/api/code", "/api/code/upload", "/api/overview"):  # fmt: skip
        assert path in spec["paths"], path


def test_events_filters_and_pages(client: TestClient) -> None:
    all_ = client.get("/api/events", params={"page_size": 500}).json()
    assert all_["total"] == WEEKS * 3 + SPIKE_EVENTS - 1 + 1  # dataset rows + the coded event
    sk = client.get("/api/events", params={"theatre": "serbia-kosovo", "page_size": 10}).json()
    assert sk["total"] == WEEKS + SPIKE_EVENTS - 1 + 1 and len(sk["events"]) == 10
    page2 = client.get("/api/events", params={"theatre": "serbia-kosovo", "page_size": 10, "page": 2}).json()
    assert not {e["event_id"] for e in sk["events"]} & {e["event_id"] for e in page2["events"]}
    dates = [e["date"] for e in sk["events"]]
    assert dates == sorted(dates, reverse=True)
    ua = client.get("/api/events", params={"type": "ASSAULT", "actor": "RUS"}).json()
    assert ua["total"] == WEEKS * 2 and all(e["type"] == "ASSAULT" for e in ua["events"])
    only = client.get("/api/events", params={"actor": "rus", "page_size": 7, "page": 2}).json()
    assert only["total"] == WEEKS * 2 and len(only["events"]) == 7
    both = client.get("/api/events", params={"actor": "SRB", "theatre": "serbia-kosovo"}).json()
    assert both["total"] == WEEKS + SPIKE_EVENTS - 1 + 1
    assert client.get("/api/events", params={"actor": "UKR", "page": 99}).json()["events"] == []
    box = client.get("/api/events", params={"bbox": "48,37,48.145,38"}).json()
    assert box["total"] == WEEKS and all(e["lat"] <= 48.145 for e in box["events"])
    win = client.get("/api/events", params={"since": "2022-01-03", "until": "2022-01-09"}).json()
    assert win["total"] == 3
    # user strings only travel as parameters: an injection attempt matches nothing
    inj = client.get("/api/events", params={"dataset": "x' OR '1'='1"}).json()
    assert inj["total"] == 0
    assert client.get("/api/events", params={"bbox": "1,2"}).status_code == 422
    assert client.get("/api/events", params={"theatre": "Robert'); DROP TABLE events;--"}).status_code == 422
    assert client.get("/api/events", params={"theatre": "nowhere"}).status_code == 404
    assert client.get("/api/events", params={"page_size": 100000}).status_code == 422


def test_every_trend_point_leads_to_its_events(client: TestClient) -> None:
    tr = client.get("/api/trend/serbia-kosovo", params={"freq": "week"}).json()
    assert sum(r["n_events"] for r in tr["rows"]) == WEEKS + SPIKE_EVENTS - 1 + 1
    assert all("type_MOBILIZE_norm" in r and "quad_material_conflict" in r for r in tr["rows"])
    checked = 0
    for r in tr["rows"]:
        for key, params in (("type_MOBILIZE", {"type": "MOBILIZE"}),
                            ("quad_material_conflict", {"quad": "material_conflict"})):  # fmt: skip
            ev = client.get("/api/events", params={"theatre": "serbia-kosovo", "since": r["period"],
                                                   "until": r["period_end"], "factuality": "asserted",
                                                   **params}).json()  # fmt: skip
            assert ev["total"] == r[key], (r["period"], key)
            checked += 1
    assert checked == 2 * len(tr["rows"])
    month = client.get("/api/trend/ukraine", params={"freq": "month"}).json()
    assert month["rows"][0]["period_end"] == "2022-01-31"
    assert client.get("/api/trend/serbia-kosovo", params={"freq": "year"}).status_code == 422
    r = client.get("/api/trend/serbia-kosovo", params={"since": "2022-03-01", "until": "2022-01-01"})
    assert r.status_code == 422


def test_alerts_overview_and_evidence(client: TestClient) -> None:
    al = client.get("/api/alerts", params={"theatre": "serbia-kosovo"}).json()["alerts"]
    spike = [a for a in al if a["indicator"] == "border_deployment" and a["value"] == SPIKE_EVENTS]
    assert spike and spike[0]["events"] and spike[0]["events"][0]["sentence"].startswith("Serbian troops")
    ov = client.get("/api/overview").json()
    levels = {t["id"]: t for t in ov["theatres"]}
    assert levels["serbia-kosovo"]["level"] >= 1 and levels["bosnia"]["level"] == 0
    assert "688" in levels["serbia-kosovo"]["country_numeric"] or levels["serbia-kosovo"]["countries"]
    pts = client.get("/api/points", params={"theatre": "ukraine"}).json()["points"]
    assert len(pts) == WEEKS * 2 and all(p["lat"] is not None for p in pts)
    one = client.get(f"/api/events/{pts[0]['event_id']}").json()
    assert one["dataset"] == "synthetic" and one["row_id"].startswith("ua-")
    assert client.get("/api/events/nothing").status_code == 404


def test_actors_and_link(client: TestClient) -> None:
    net = client.get("/api/actors").json()
    edges = {(e["source"], e["target"], e["relation"]): e for e in net["edges"]}
    assert edges[("RUS", "UKR", "hostility")]["events"] == WEEKS * 2
    assert {"SRB", "XKX", "RUS", "UKR"} <= {n["id"] for n in net["nodes"]}
    link = client.get("/api/link", params={"theatres": "serbia-kosovo,ukraine"}).json()
    assert link["streams"] == ["serbia-kosovo", "ukraine"] and len(link["branching"]) == 2
    assert len(link["branching_ci_low"]) == 2
    assert client.get("/api/link", params={"theatres": "serbia-kosovo"}).status_code == 422


def test_stored_document_keeps_markup_as_data(client: TestClient) -> None:
    doc = evil_document()
    d = client.get(f"/api/documents/{doc.doc_id}").json()
    assert d["title"] == EVIL_TITLE and "<script>" in d["text"]  # JSON data; the page escapes it
    assert d["events"][0]["span_start"] == 0 and d["events"][0]["span_end"] > 10
    listing = client.get("/api/documents").json()
    assert listing["total"] == 1 and listing["documents"][0]["n_events"] == 1


def test_code_pasted_and_uploaded_article(client: TestClient) -> None:
    r = client.post("/api/code", json={"text": EVIL_TEXT, "title": EVIL_TITLE, "date": "2022-05-20"})
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["text"].startswith("Serbia deployed") and isinstance(out["brief"], str)
    assert out["document"]["events"], out["brief"]
    up = client.post("/api/code/upload", files={"file": ("a.html", b"<html><body><p>" + EVIL_TEXT.encode() + b"</p></body></html>", "text/html")})
    assert up.status_code == 200, up.text
    assert up.json()["document"]["source"] == "a.html"
    assert client.post("/api/code/upload", files={"file": ("a.exe", b"MZ", "application/octet-stream")}).status_code == 415
    big = b"x" * (2 * 1024 * 1024 + 10)
    assert client.post("/api/code/upload", files={"file": ("a.txt", big, "text/plain")}).status_code == 413
    assert client.post("/api/code", json={"text": ""}).status_code == 422
    assert client.post("/api/code", content=b"{" * 100, headers={"content-type": "application/json"}).status_code == 422


def test_contract_endpoints_absent_answer_503(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    import powderkeg.api
    import powderkeg.simulate

    monkeypatch.delattr(powderkeg.api, "forecast", raising=False)
    monkeypatch.delattr(powderkeg.api, "simulate", raising=False)
    monkeypatch.delattr(powderkeg.simulate, "list_scenarios", raising=False)
    r = client.get("/api/forecast/ukraine")
    assert r.status_code == 503 and "forecast" in r.json()["detail"]
    assert client.get("/api/scenarios").status_code == 503
    assert client.post("/api/simulate", json={"scenario": "x"}).status_code == 503
    assert client.get("/api/capabilities").json() == {"forecast": False, "simulate": False, "scenarios": False}


def test_contract_endpoints_with_fakes(client: TestClient, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    install_fakes(monkeypatch, tmp_path)
    fc = client.get("/api/forecast/serbia-kosovo", params={"horizon": 3}).json()
    assert fc["theatre"] == "serbia-kosovo" and len(fc["periods"]) == 3
    assert client.get("/api/forecast/nowhere").status_code == 404
    assert client.get("/api/scenarios").json() == [{"name": "kosovo-north", "file": "kosovo-north.yaml"}]
    assert "escalation" in client.get("/api/scenarios/kosovo-north").json()["yaml"]
    assert client.get("/api/scenarios/other").status_code == 404
    a = client.post("/api/simulate", json={"scenario": "kosovo-north", "runs": 100, "seed": 1}).json()
    b = client.post("/api/simulate", json={"scenario": "kosovo-north", "runs": 100, "seed": 1,
                                           "sets": ["escalation.rate=0.5"], "yaml": "name: edited\n"}).json()  # fmt: skip
    assert a["runs"] == 100 and b["outcomes"]["war"]["p"] > a["outcomes"]["war"]["p"]
    bad = client.post("/api/simulate", json={"scenario": "kosovo-north", "sets": ["no equals sign"]})
    assert bad.status_code == 422
    assert client.post("/api/simulate", json={"scenario": "kosovo-north", "runs": 10**9}).status_code == 422


def test_simulate_errors_are_422(client: TestClient, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import powderkeg.api

    install_fakes(monkeypatch, tmp_path)

    def broken(scenario: Any, **kw: Any) -> dict[str, Any]:
        raise UsageError(f"{scenario}: line 2: unknown key 'foo'")

    monkeypatch.setattr(powderkeg.api, "simulate", broken)
    r = client.post("/api/simulate", json={"scenario": "kosovo-north", "yaml": "foo: 1\n"})
    assert r.status_code == 422 and "unknown key" in r.json()["detail"]


def test_token_host_and_body_limits() -> None:
    app = create_app(serve_db(), token="s3cret-token", max_body=1000)
    c = TestClient(app)
    assert c.get("/api/health").status_code == 401
    assert c.get("/", headers={"Authorization": "Bearer wrong-token"}).status_code == 401
    ok = {"Authorization": "Bearer s3cret-token"}
    assert c.get("/api/health", headers=ok).status_code == 200
    assert c.get("/openapi.json", headers=ok).status_code == 200
    r = c.post("/api/code", headers=ok, json={"text": "x" * 5000})
    assert r.status_code == 413
    local = TestClient(create_app(serve_db(), allowed_hosts=["127.0.0.1", "localhost"]), base_url="http://evil.example")
    assert local.get("/api/health").status_code == 400
    with pytest.raises(UsageError):
        check_bind("0.0.0.0", None)
    with pytest.raises(UsageError):
        check_bind("192.168.1.5", "short")
    assert check_bind("0.0.0.0", "long-enough-token") is None
    assert "127.0.0.1" in (check_bind("127.0.0.1", None) or [])


def test_cli_serve_refuses_without_token() -> None:
    r = CliRunner().invoke(main, ["serve", "--db", str(serve_db()), "--host", "0.0.0.0"])
    assert r.exit_code == 2 and "--token" in r.stderr and "Traceback" not in r.output
    r = CliRunner().invoke(main, ["serve", "--db", "/nonexistent/x.duckdb"])
    assert r.exit_code == 1 and "no such database" in r.stderr
    assert "Example: powderkeg serve" in CliRunner().invoke(main, ["serve", "--help"]).output


def _hold_writer(path: str, ready: Any, release: Any) -> None:
    from powderkeg.store import Store

    with Store(path) as store:
        store.connection.execute("SELECT count(*) FROM events").fetchall()
        ready.set()
        release.wait(30)


def test_reads_keep_working_while_a_writer_holds_the_file(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    shutil.copyfile(serve_db(), db)
    shutil.copyfile(str(serve_db()) + ".snapshot", str(db) + ".snapshot")
    c = TestClient(create_app(db, allowed_hosts=["testserver"]))
    ctx = mp.get_context("spawn")
    ready, release = ctx.Event(), ctx.Event()
    proc = ctx.Process(target=_hold_writer, args=(str(db), ready, release))
    proc.start()
    try:
        assert ready.wait(60)
        for _ in range(5):
            r = c.get("/api/events", params={"theatre": "ukraine"})
            assert r.status_code == 200 and r.json()["total"] == WEEKS * 2
        assert c.get("/api/trend/ukraine").status_code == 200
    finally:
        release.set()
        proc.join(30)
    assert proc.exitcode == 0


def test_demo_prints_how_to_open_the_dashboard(monkeypatch: pytest.MonkeyPatch) -> None:
    from powderkeg import api

    fake = {"db": "/tmp/x/demo.duckdb", "report": "/tmp/x/report.md", "counts": {"read": 1}}
    monkeypatch.setattr(api, "demo", lambda out, progress=None: fake)
    r = CliRunner().invoke(main, ["demo", "--out", "/tmp/x", "--quiet"])
    assert r.exit_code == 0 and "powderkeg serve --db /tmp/x/demo.duckdb" in r.stdout
    js = CliRunner().invoke(main, ["demo", "--out", "/tmp/x", "--json"])
    assert js.stdout.strip().startswith("{") and "serve" not in js.stdout  # JSON stays the contract's
