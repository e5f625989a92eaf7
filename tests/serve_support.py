"""Shared by the `powderkeg serve` tests: one small store and one app per test process, a server
thread for the browser, and fake forecast/simulate functions with the contract shapes."""

from __future__ import annotations

import datetime as dt
import functools
import socket
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import pandas as pd

from powderkeg.store import Store
from powderkeg.types import Actor, Document, Event, Place

MONDAY = dt.date(2022, 1, 3)
WEEKS = 21
SPIKE_WEEK, SPIKE_EVENTS = 20, 8
BORDER = "Serbian troops were deployed at the boundary with Kosovo near Jarinje."
SHELLING = "Russian shelling killed two soldiers near Avdiivka."
EVIL_TITLE = 'Evil <script>alert("t")</script> title'
EVIL_TEXT = (
    'Serbia deployed troops near Jarinje <img src=x onerror="document.body.dataset.pwned=1">. '
    'Kosovo protested <script>document.body.dataset.pwned="2"</script> the move.'
)


def synthetic_rows() -> pd.DataFrame:
    """Serbia-Kosovo: one border deployment a week, then a spike; Ukraine: two attacks a week."""
    rows = []
    for k in range(WEEKS):
        day = MONDAY + dt.timedelta(days=7 * k + 2)
        for j in range(SPIKE_EVENTS if k == SPIKE_WEEK else 1):
            rows.append(dict(row_id=f"sk-{k}-{j}", type="MOBILIZE", actor_codes=["SRB"],
                             target_codes=["XKX"], date=day, sentence=f"{BORDER} ({k}.{j})",
                             place_name="Jarinje", country="XKX", lat=43.15, lon=20.75,
                             fatalities=None))  # fmt: skip
        for j in range(2):
            rows.append(dict(row_id=f"ua-{k}-{j}", type="ASSAULT", actor_codes=["RUS"],
                             target_codes=["UKR"], date=day + dt.timedelta(days=j),
                             sentence=SHELLING, place_name="Avdiivka", country="UKR",
                             lat=48.14 + j / 100, lon=37.74, fatalities=2))  # fmt: skip
    return pd.DataFrame(rows)


def evil_document() -> Document:
    """A coded document whose title, text and sentence carry markup that must never run."""
    doc = Document.from_text(EVIL_TEXT, source="evil.html", title=EVIL_TITLE, date="2022-05-20")
    end = doc.text.index(". ") + 1
    srb = Actor(text="Serbia", code="SRB", name="Serbia", kind="state")
    xkx = Actor(text="Kosovo", code="XKX", name="Kosovo", kind="state")
    ev = Event(
        id="e" * 16, span=(0, end), sentence=doc.text[:end], type="MOBILIZE", mode="troops",
        actor=[srb], target=[xkx], date="2022-05-20", date_precision="day", quad="material_conflict",
        intensity=-6.5, location=Place(text="Jarinje", name="Jarinje", country="XKX", lat=43.15, lon=20.75, precision="city"),
    )  # fmt: skip
    doc.events = [ev]
    doc.coder = "test"
    return doc


@functools.cache
def serve_db() -> Path:
    """A store with dataset rows (alerts fire in Serbia-Kosovo) and one coded evil document."""
    path = Path(tempfile.mkdtemp(prefix="pk-serve-test-")) / "events.duckdb"
    with Store(path) as store:
        store.import_table(synthetic_rows(), "synthetic", source="synthetic-test")
        store.add_documents([evil_document()])
    return path


@functools.cache
def serve_app() -> Any:
    from powderkeg.serve import create_app

    return create_app(serve_db(), allowed_hosts=["testserver", "127.0.0.1", "localhost"])


# ---------------------------------------------------------------- fakes with the contract shapes


def fake_forecast(theatre: str, *, db: Any, horizon: int = 6, freq: str = "month") -> dict[str, Any]:
    start = pd.Timestamp("2022-06-01")
    periods = []
    for h in range(horizon):
        mean = 4.0 + h
        periods.append({
            "date": (start + pd.DateOffset(months=h)).date().isoformat(), "mean": mean,
            "quantiles": {"0.05": mean - 3, "0.25": mean - 1, "0.5": mean, "0.75": mean + 1, "0.95": mean + 4},
            "p_at_least": {"1": 0.9, "10": 0.1},
        })  # fmt: skip
    return {"theatre": theatre, "model": "fake", "periods": periods}


def fake_simulate(scenario: Any, *, runs: int, seed: int, sets: Any = ()) -> dict[str, Any]:
    shift = 0.1 * len(list(sets))
    return {
        "runs": runs, "seed": seed, "seconds": 0.01,
        "outcomes": {"war": {"p": 0.2 + shift, "ci": [0.15 + shift, 0.25 + shift]},
                     "stalemate": {"p": 0.8 - shift, "ci": [0.75 - shift, 0.85 - shift]}},
        "parameters": {"escalation.rate": {"value": 0.3, "source": "scenario"}},
        "paths": {"war": [["incident", "mobilisation", "war"]], "stalemate": [["incident", "talks"]]},
        "sensitivity": {"war": {"escalation.rate": 0.12, "mediation.p": -0.05}},
    }  # fmt: skip


def install_fakes(monkeypatch: Any, tmp: Path) -> Path:
    import powderkeg.api
    import powderkeg.simulate

    scen = tmp / "kosovo-north.yaml"
    scen.write_text("name: kosovo-north\nescalation:\n  rate: 0.3\n", encoding="utf-8")
    monkeypatch.setattr(powderkeg.api, "forecast", fake_forecast, raising=False)
    monkeypatch.setattr(powderkeg.api, "simulate", fake_simulate, raising=False)
    monkeypatch.setattr(powderkeg.simulate, "list_scenarios", lambda: [scen], raising=False)
    return scen


# ---------------------------------------------------------------- a real server for the browser


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ServerThread:
    """uvicorn serving an app on loopback in a daemon thread."""

    def __init__(self, app: Any) -> None:
        import uvicorn

        self.port = free_port()
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> ServerThread:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("server did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
