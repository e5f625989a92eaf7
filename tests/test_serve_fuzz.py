"""Schemathesis over the dashboard's OpenAPI schema: generated requests for every operation
(bounded: ``POWDERKEG_FUZZ_EXAMPLES`` per operation, default 20) find no server error (5xx).
Forecast and simulate run on fakes with the contract shapes (absent, they answer 503 by design)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from serve_support import install_fakes, serve_app

EXAMPLES = int(os.environ.get("POWDERKEG_FUZZ_EXAMPLES", "20"))

# The schema comes from the app object, not over HTTP: `from_asgi` leaves its client's portal
# thread running from collection on, and a live thread keeps the coder's tests from forking.
_app = serve_app()
schema = schemathesis.openapi.from_dict(_app.app.openapi())
schema.app = _app
schema.location = "/openapi.json"


@pytest.fixture(autouse=True)
def fakes(tmp_path: Path) -> Iterator[None]:
    mp = pytest.MonkeyPatch()
    install_fakes(mp, tmp_path)
    yield
    mp.undo()


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_no_server_errors(case: schemathesis.Case) -> None:
    case.call_and_validate(checks=[not_a_server_error], timeout=120)
