"""The FastAPI application: dashboard pages (jinja2 shells filled by the browser from the REST API)
and the REST API itself (OpenAPI schema at ``/openapi.json``)."""

from __future__ import annotations

import datetime as dt
import importlib
import json
import re
import tempfile
import threading
from pathlib import Path
from typing import Annotated, Any

from fastapi import FastAPI, File, Form, HTTPException, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, FileSystemLoader, select_autoescape
from pydantic import BaseModel, Field

from .. import __version__
from ..errors import InputError, PowderkegError, UsageError
from . import queries as q
from .data import DataSource
from .security import Guard

HERE = Path(__file__).parent
MAX_BODY = 2 * 1024 * 1024  # bytes per request (uploads included)
MAX_TEXT = 200_000  # characters of article text coded per request
MAX_RUNS = 20_000
MAX_SCENARIO = 64 * 1024
THEATRE_RE = r"^[a-z0-9][a-z0-9-]{0,63}$"
ID_RE = r"^[A-Za-z0-9_:.-]{1,128}$"
SET_RE = re.compile(r"^[A-Za-z0-9_.\[\]-]{1,200}=[^\n]{0,200}$")
FREQS = {"day": "D", "week": "W", "month": "M"}
PAGES = {
    "overview": "Overview", "links": "Links", "actors": "Actors",
    "forecasts": "Forecasts & scenarios", "documents": "Documents",
}  # fmt: skip

TheatreId = Annotated[str, Query(pattern=THEATRE_RE, description="Theatre id, e.g. serbia-kosovo")]
Freq = Annotated[str, Query(pattern="^(day|week|month)$", description="Period length")]


class ArticleIn(BaseModel):
    text: str = Field(min_length=1, max_length=MAX_TEXT, description="Article text (plain text)")
    title: str | None = Field(default=None, max_length=500)
    date: dt.date | None = Field(default=None, description="Document date, for relative dates")


class SimulationIn(BaseModel):
    scenario: str = Field(pattern=r"^[A-Za-z0-9_.-]{1,100}$", description="Scenario name (list: /api/scenarios)")
    yaml: str | None = Field(default=None, max_length=MAX_SCENARIO, description="Edited scenario text to run instead of the stored file")
    runs: int = Field(default=1000, ge=1, le=MAX_RUNS)
    seed: int = Field(default=0, ge=0, le=2**32 - 1)
    sets: list[str] = Field(default_factory=list, max_length=20, description="PATH=VALUE overrides, as --set")


def _contract_fn(module: str, name: str) -> Any:
    """A function another stage provides, looked up at request time (503 when absent)."""
    try:
        mod = importlib.import_module(module)
    except ImportError:
        mod = None
    fn = getattr(mod, name, None) if mod is not None else None
    if fn is None:
        raise HTTPException(503, f"{module}.{name} is not available in this build of powderkeg")
    return fn


def _has(module: str, name: str) -> bool:
    try:
        _contract_fn(module, name)
    except HTTPException:
        return False
    return True


class _Coder:
    """One coder per server, loaded on first use; coding runs one document at a time."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._coder: Any = None

    def code(self, doc: Any) -> Any:
        from .. import api

        with self._lock:
            if self._coder is None:
                from ..coder import Coder

                self._coder = Coder()
            return next(iter(api.code_documents([doc], coder=self._coder)))


def create_app(
    db: str | Path,
    *,
    token: str | None = None,
    allowed_hosts: list[str] | None = None,
    max_body: int = MAX_BODY,
) -> Any:
    """The ASGI app for the store at ``db`` (wrapped in the security guard)."""
    ds = DataSource(db)
    app = FastAPI(
        title="powderkeg", version=__version__,
        description="Conflict early warning over one powderkeg store: events, trends, alerts, "
        "links, actors, forecasts, scenarios and documents. Read-only except for coding a "
        "pasted article (never stored) and running a scenario.",
        docs_url=None, redoc_url=None,
    )  # fmt: skip
    app.state.ds = ds
    coder = _Coder()
    env = Environment(
        loader=FileSystemLoader(str(HERE / "templates")), autoescape=select_autoescape(["html"])
    )
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")

    @app.exception_handler(PowderkegError)
    async def _pk_error(request: Request, exc: PowderkegError) -> JSONResponse:
        status = 422 if isinstance(exc, UsageError) else 503 if isinstance(exc, InputError) else 400
        return JSONResponse({"detail": str(exc)}, status_code=status)

    @app.exception_handler(LookupError)
    async def _not_found(request: Request, exc: LookupError) -> JSONResponse:
        return JSONResponse({"detail": str(exc.args[0]) if exc.args else "not found"}, status_code=404)

    # -------------------------------------------------------------- pages

    def page(name: str, **ctx: Any) -> HTMLResponse:
        html = env.get_template(f"{name}.html").render(pages=PAGES, page=name, version=__version__, **ctx)
        return HTMLResponse(html)

    @app.get("/", include_in_schema=False)
    def overview_page() -> HTMLResponse:
        return page("overview")

    @app.get("/theatre/{theatre_id}", include_in_schema=False)
    def theatre_page(theatre_id: str) -> HTMLResponse:
        th = ds.theatres().get(theatre_id)
        if th is None:
            raise HTTPException(404, f"unknown theatre {theatre_id!r}")
        return page("theatre", theatre=th)

    for _name in ("links", "actors", "forecasts", "documents"):
        def _make(n: str) -> Any:
            def handler() -> HTMLResponse:
                return page(n, theatres=list(ds.theatres().values()))
            return handler
        app.get(f"/{_name}", include_in_schema=False)(_make(_name))

    @app.get("/documents/{doc_id}", include_in_schema=False)
    def document_page(doc_id: str) -> HTMLResponse:
        return page("document", doc_id=doc_id)

    # -------------------------------------------------------------- API

    @app.get("/api/health", tags=["meta"])
    def health() -> dict[str, Any]:
        """Server and store status."""
        with ds.cursor() as cur:
            n = int(cur.execute("SELECT count(*) FROM events").fetchone()[0])  # type: ignore[index]
        return {"status": "ok", "version": __version__, "events": n, "snapshot": ds.snap.exists()}

    @app.get("/api/capabilities", tags=["meta"])
    def capabilities() -> dict[str, bool]:
        """Which optional stages this build has (forecast, simulate)."""
        return {
            "forecast": _has("powderkeg.api", "forecast"),
            "simulate": _has("powderkeg.api", "simulate"),
            "scenarios": _has("powderkeg.simulate", "list_scenarios"),
        }

    @app.get("/api/theatres", tags=["watch"])
    def theatres() -> list[dict[str, Any]]:
        """The theatres known to this build (bundled data files)."""
        return q.theatres(ds)

    @app.get("/api/overview", tags=["watch"])
    def overview() -> Response:
        """Each theatre's current escalation level (calm, watch, warning, alarm) and recent alerts."""
        return _cached_json(ds, "overview", None, lambda: q.overview(ds))

    @app.get("/api/points", tags=["events"])
    def points(
        theatre: Annotated[str | None, Query(pattern=THEATRE_RE)] = None,
        limit: Annotated[int, Query(ge=1, le=q.MAX_POINTS)] = 2000,
    ) -> Response:
        """The latest events that have coordinates (for the map)."""
        return _cached_json(ds, "points", (theatre, limit), lambda: q.points(ds, theatre=theatre, limit=limit))

    @app.get("/api/events", tags=["events"])
    def events(
        theatre: Annotated[str | None, Query(pattern=THEATRE_RE)] = None,
        type: Annotated[list[str] | None, Query(description="PLOVER type (repeatable)", max_length=16)] = None,  # noqa: A002
        quad: Annotated[str | None, Query(pattern="^(" + "|".join(q.QUADS) + ")$")] = None,
        actor: Annotated[str | None, Query(pattern=r"^[A-Za-z]{2,6}(-[A-Za-z0-9]{1,12})?$")] = None,
        since: dt.date | None = None,
        until: dt.date | None = None,
        bbox: Annotated[str | None, Query(description="south,west,north,east in degrees")] = None,
        doc_id: Annotated[str | None, Query(pattern=ID_RE)] = None,
        dataset: Annotated[str | None, Query(max_length=64)] = None,
        factuality: Annotated[str | None, Query(pattern="^(asserted|negated|hypothetical|future|historical)$")] = None,
        page: Annotated[int, Query(ge=1, le=100_000)] = 1,
        page_size: Annotated[int, Query(ge=1, le=q.MAX_PAGE_SIZE)] = 50,
    ) -> Response:
        """Events, newest first, filtered (all filters combine) and paginated."""
        for t in type or []:
            if not re.fullmatch(r"[A-Za-z]{2,12}", t):
                raise HTTPException(422, f"type {t!r} is not a PLOVER type")
        box = _bbox(bbox) if bbox else None
        return _json(q.events(
            ds, theatre=theatre, types=type or (), quad=quad, actor=actor, since=since,
            until=until, bbox=box, doc_id=doc_id, dataset=dataset, factuality=factuality,
            page=page, page_size=page_size,
        ))  # fmt: skip

    @app.get("/api/events/{event_id}", tags=["events"])
    def event(event_id: str) -> Response:
        """One event: every stored field, and the document it came from."""
        found = q.event(ds, event_id)
        if found is None:
            raise HTTPException(404, "no such event")
        return _json(found)

    @app.get("/api/trend/{theatre}", tags=["watch"])
    def trend(theatre: str, freq: Freq = "week", since: dt.date | None = None, until: dt.date | None = None) -> Response:
        """Per-period counts by PLOVER type and quad class, and the same divided by media volume."""
        _check_theatre(theatre)
        if since and until and since > until:
            raise HTTPException(422, "since is after until")
        return _cached_json(ds, "trend", (theatre, freq, since, until), lambda: q.trend(ds, theatre, freq=FREQS[freq], since=since, until=until))

    @app.get("/api/alerts", tags=["watch"])
    def alerts(theatre: Annotated[str | None, Query(pattern=THEATRE_RE)] = None, freq: Freq = "week") -> Response:
        """Alerts (robust z-score over a 12-period window) with the events behind each."""
        return _cached_json(ds, "alerts", (theatre, freq), lambda: q.alerts(ds, freq=FREQS[freq], theatre=theatre))

    @app.get("/api/link", tags=["link"])
    def link(
        theatres: Annotated[str | None, Query(pattern=r"^[a-z0-9-]+(,[a-z0-9-]+){1,9}$")] = None,
        seed: Annotated[int, Query(ge=0, le=2**31 - 1)] = 0,
    ) -> Response:
        """Cross-theatre excitation (Hawkes branching matrix with intervals, Granger p-values)."""
        names = theatres.split(",") if theatres else None
        return _json(q.link(ds, names, seed=seed))

    @app.get("/api/actors", tags=["actors"])
    def actors(
        theatre: Annotated[str | None, Query(pattern=THEATRE_RE)] = None,
        limit: Annotated[int, Query(ge=1, le=500)] = 120,
    ) -> Response:
        """A network of actors: edges by relation (alliance, proxy, arms, hostility) with event ids."""
        return _cached_json(ds, "actors", (theatre, limit), lambda: q.actors(ds, theatre=theatre, limit=limit))

    @app.get("/api/forecast/{theatre}", tags=["forecast"])
    def forecast(
        theatre: str,
        horizon: Annotated[int, Query(ge=1, le=24)] = 6,
        freq: Annotated[str, Query(pattern="^(week|month)$")] = "month",
    ) -> Response:
        """Predictive distribution of a theatre's counts (contract Forecast JSON)."""
        _check_theatre(theatre)
        fn = _contract_fn("powderkeg.api", "forecast")
        return _json(ds.cached(
            "forecast", (theatre, horizon, freq),
            lambda: json.loads(json.dumps(fn(theatre, db=str(ds.db), horizon=horizon, freq=freq), default=str)),
            size=32,
        ))  # fmt: skip

    @app.get("/api/scenarios", tags=["simulate"])
    def scenarios() -> list[dict[str, Any]]:
        """The scenarios bundled with this build."""
        paths = _contract_fn("powderkeg.simulate", "list_scenarios")()
        return [{"name": Path(p).stem, "file": Path(p).name} for p in paths]

    @app.get("/api/scenarios/{name}", tags=["simulate"])
    def scenario(name: str) -> dict[str, Any]:
        """One scenario's YAML text (edit it and POST it to /api/simulate)."""
        path = _scenario_path(name)
        return {"name": name, "yaml": path.read_text(encoding="utf-8")}

    @app.post("/api/simulate", tags=["simulate"])
    def simulate(body: SimulationIn) -> Response:
        """Monte Carlo over a scenario (contract Simulation JSON); ``yaml`` runs an edited copy."""
        fn = _contract_fn("powderkeg.api", "simulate")
        for s in body.sets:
            if not SET_RE.fullmatch(s):
                raise HTTPException(422, f"set {s[:60]!r}: use PATH=VALUE")
        path = _scenario_path(body.scenario)
        with tempfile.TemporaryDirectory(prefix="pk-serve-") as tmp:
            if body.yaml is not None:
                path = Path(tmp) / path.name
                path.write_text(body.yaml, encoding="utf-8")
            try:
                out = fn(path, runs=body.runs, seed=body.seed, sets=list(body.sets))
            except PowderkegError as exc:
                raise HTTPException(422, str(exc)) from None
        return _json(json.loads(json.dumps(out, default=str)))

    @app.get("/api/documents", tags=["documents"])
    def documents(
        page: Annotated[int, Query(ge=1, le=100_000)] = 1,
        page_size: Annotated[int, Query(ge=1, le=q.MAX_PAGE_SIZE)] = 50,
    ) -> Response:
        """Stored documents (title, source, date, number of events)."""
        return _json(q.documents(ds, page=page, page_size=page_size))

    @app.get("/api/documents/{doc_id}", tags=["documents"])
    def document(doc_id: str) -> Response:
        """A stored document's text and its events (sentence spans index the text)."""
        found = q.document(ds, doc_id)
        if found is None:
            raise HTTPException(404, "no such document")
        return _json(found)

    @app.post("/api/code", tags=["documents"])
    def code_text(body: ArticleIn) -> Response:
        """Code a pasted article (not stored): its events, actors, places and a brief."""
        from ..types import Document

        doc = Document.from_text(body.text, source="pasted", title=body.title,
                                 date=body.date.isoformat() if body.date else None)  # fmt: skip
        return _json(_coded(coder.code(doc)))

    @app.post("/api/code/upload", tags=["documents"])
    def code_upload(
        file: Annotated[UploadFile, File(description="A .txt, .html or .md article")],
        date_: Annotated[dt.date | None, Form(alias="date")] = None,
    ) -> Response:
        """Code an uploaded article file (plain text or HTML; at most 2 MB; not stored)."""
        from .. import api
        from ..types import Problem

        name = Path(file.filename or "article.txt").name
        suffix = Path(name).suffix.lower()
        if suffix not in (".txt", ".html", ".htm", ".md", ""):
            raise HTTPException(415, f"{name}: upload a .txt, .html or .md file")
        data = file.file.read(MAX_BODY + 1)
        if len(data) > MAX_BODY:
            raise HTTPException(413, f"{name}: over {MAX_BODY} bytes")
        with tempfile.TemporaryDirectory(prefix="pk-upload-") as tmp:
            path = Path(tmp) / ("article" + (suffix or ".txt"))
            path.write_bytes(data)
            items = list(api.read([path], date=date_.isoformat() if date_ else None))
        docs = [d for d in items if not isinstance(d, Problem)]
        if not docs:
            reason = str(items[0]).replace(str(path), name) if items else "no text"
            raise HTTPException(422, f"{name}: {reason}")
        doc = docs[0]
        if len(doc.text) > MAX_TEXT:
            raise HTTPException(413, f"{name}: over {MAX_TEXT} characters of text")
        doc = type(doc)(**{**doc.__dict__, "source": name})
        return _json(_coded(coder.code(doc)))

    def _check_theatre(theatre: str) -> None:
        if theatre not in ds.theatres():
            raise HTTPException(404, f"unknown theatre {theatre[:64]!r}")

    return Guard(app, token=token, max_body=max_body, allowed_hosts=allowed_hosts)


def _scenario_path(name: str) -> Path:
    paths = _contract_fn("powderkeg.simulate", "list_scenarios")()
    for p in paths:
        if Path(p).stem == name or Path(p).name == name:
            return Path(p)
    raise HTTPException(404, f"no scenario {name[:100]!r}")


def _coded(doc: Any) -> dict[str, Any]:
    from .. import api

    return {"document": doc.to_json(), "text": doc.text, "brief": api.brief(doc)}


def _bbox(text: str) -> tuple[float, float, float, float]:
    try:
        s, w, n, e = (float(x) for x in text.split(","))
    except ValueError:
        raise HTTPException(422, "bbox: give south,west,north,east in degrees") from None
    if not (-90 <= s <= n <= 90 and -180 <= w <= e <= 180):
        raise HTTPException(422, "bbox: south <= north within -90..90, west <= east within -180..180")
    return s, w, n, e


def _finite(obj: Any) -> Any:
    if isinstance(obj, float):
        return obj if obj == obj and obj not in (float("inf"), float("-inf")) else None
    if isinstance(obj, dict):
        return {k: _finite(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_finite(v) for v in obj]
    return obj


def _cached_json(ds: DataSource, name: str, key: Any, compute: Any) -> Response:
    """A response body serialised once per snapshot and key: a cached answer costs a lookup."""
    body = ds.cached("json:" + name, key, lambda: _json(compute()).body, size=128)
    return Response(body, media_type="application/json")


def _json(obj: Any) -> Response:
    try:
        body = json.dumps(obj, ensure_ascii=False, allow_nan=False, default=str, separators=(",", ":"))
    except ValueError:  # a NaN or infinity somewhere: null it
        body = json.dumps(_finite(obj), ensure_ascii=False, allow_nan=False, default=str, separators=(",", ":"))
    return Response(body, media_type="application/json")
