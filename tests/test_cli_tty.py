"""Every CLI command's TEXT output (not --json) under a real pseudo-terminal.

The progress bar and the text tables only run when a terminal is attached, so CliRunner (which
pipes) cannot see their crashes. Each command runs here as a user runs it in a terminal (a pty
from python's ``pty`` module, stdin/stdout/stderr all on it) and must exit 0 without "internal
error" or a traceback.

To add a command: append a ``Case`` to ``CASES`` (its args may use ``{tmp}`` = a fresh folder,
``{db}`` = the demo's database, filled with events, and ``{article}``, ``{ucdp}``, ``{quad}``,
``{streams}``: small inputs written by ``inputs``).
"""

from __future__ import annotations

import os
import pty
import select
import signal
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

SAFETY_TIMEOUT_S = 600  # a hung command fails the test instead of hanging CI; not a speed check

ARTICLE = (
    "Russia masses troops near Ukraine\n\n"
    "More than 100,000 Russian troops have massed on Ukraine's eastern border, officials said. "
    "The EU warned Moscow that it would impose sanctions if Russia attacked Ukraine.\n"
    "Serbian forces shelled a village in Kosovo yesterday, killing three people.\n"
)


def run_tty(args: list[str], cwd: Path, timeout: float = SAFETY_TIMEOUT_S) -> tuple[int, str]:
    """Run ``powderkeg ARGS`` with a pseudo-terminal as its stdin, stdout and stderr; return its
    exit code and everything it wrote (progress bars included)."""
    env = dict(os.environ, TERM="xterm-256color", COLUMNS="120", LINES="40")
    env.pop("POWDERKEG_DEBUG", None)
    cmd = [sys.executable, "-m", "powderkeg.cli", *args]
    pid, fd = pty.fork()
    if pid == 0:  # child: the pty is its controlling terminal
        try:
            os.chdir(cwd)
            os.execve(sys.executable, cmd, env)
        finally:
            os._exit(127)
    out = bytearray()
    deadline = time.monotonic() + timeout
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                os.kill(pid, signal.SIGKILL)
                out += f"\n[test: killed after {timeout:.0f} s]".encode()
                break
            ready, _, _ = select.select([fd], [], [], min(left, 1.0))
            if not ready:
                continue
            try:
                chunk = os.read(fd, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not chunk:
                break
            out += chunk
    finally:
        _, status = os.waitpid(pid, 0)
        os.close(fd)
    return os.waitstatus_to_exitcode(status), out.decode("utf-8", "replace")


def assert_clean(name: str, code: int, out: str) -> None:
    tail = out[-3000:]
    assert code == 0, f"{name}: exit {code}\n{tail}"
    assert "internal error" not in out, f"{name}: internal error\n{tail}"
    assert "Traceback" not in out, f"{name}: traceback\n{tail}"


@dataclass(frozen=True)
class Case:
    name: str
    args: tuple[str, ...]
    expect: str = ""  # a piece of text the output must hold


CASES: list[Case] = [
    Case("code", ("code", "{article}", "--date", "2021-12-15"), "events)"),
    Case("code-month-date", ("code", "{article}", "--date", "2015-02"), "2015-02-01"),
    Case("brief", ("brief", "{article}", "--date", "2021-12"), "## Actors"),
    Case("ingest", ("ingest", "{article}", "--db", "{tmp}/ingest.duckdb", "--date", "2015"), "read: 1"),
    Case("import", ("import", "--format", "ucdp", "{ucdp}", "--db", "{tmp}/import.duckdb"), "read: 3"),
    Case("eval", ("eval", "--format", "cameo-quad", "{quad}"), ""),
    Case("link-db", ("link", "--db", "{db}", "--theatres", "ukraine,serbia-kosovo"), "Granger p-values"),
    Case("link-csv", ("link", "--events", "{streams}"), "Granger p-values"),
    Case("trend", ("trend", "ukraine", "--db", "{db}", "--freq", "month"), "periods"),
    Case("alerts", ("alerts", "--db", "{db}"), "alerts"),
    Case("export", ("export", "--db", "{db}", "--format", "csv", "--out", "{tmp}/events.csv"), "events ->"),
]


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[int, str, Path]:
    """``powderkeg demo`` under a terminal, once for the module: its result is the demo test's,
    and its database feeds the commands that read a store."""
    out = tmp_path_factory.mktemp("demo")
    code, text = run_tty(["demo", "--out", str(out / "d")], out)
    return code, text, out / "d" / "demo.duckdb"


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    d = tmp_path_factory.mktemp("inputs")
    article = d / "article.txt"
    article.write_text(ARTICLE, encoding="utf-8")
    ucdp = d / "ged.csv"
    ucdp.write_text(
        "id,year,type_of_violence,side_a,side_b,country,latitude,longitude,date_prec,"
        "date_start,date_end,best\n"
        "1,2022,1,Government of Ukraine,Government of Russia (Soviet Union),Ukraine,50.4,30.5,1,"
        "2022-03-01,2022-03-01,4\n"
        "2,2022,3,Government of Russia (Soviet Union),Civilians,Ukraine,49.9,36.2,1,"
        "2022-03-02,2022-03-02,2\n"
        "3,2022,2,Wagner,Government of Ukraine,Ukraine,48.6,38.0,1,2022-03-05,2022-03-05,7\n",
        encoding="utf-8",
    )
    quad = d / "quad.tsv"
    quad.write_text(
        "The army shelled the town.\t4\nThe ministers met in Geneva.\t1\n"
        "Protesters accused the government of fraud.\t3\nThe two states signed a treaty.\t2\n"
        "Officials said nothing happened.\t0\n",
        encoding="utf-8",
    )
    streams = d / "streams.csv"
    rows = ["time,stream"] + [f"2022-01-{1 + i % 28:02d},{s}" for i in range(40) for s in ("a", "b")]
    streams.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return {"article": str(article), "ucdp": str(ucdp), "quad": str(quad), "streams": str(streams)}


def test_demo_under_a_terminal(demo_run: tuple[int, str, Path]) -> None:
    code, out, db = demo_run
    assert_clean("demo", code, out)
    assert "report:" in out and db.is_file()


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_command_text_output_under_a_terminal(
    case: Case, demo_run: tuple[int, str, Path], inputs: dict[str, str], tmp_path: Path
) -> None:
    assert demo_run[0] == 0, "the demo failed; its database is needed here"
    fill = {"tmp": str(tmp_path), "db": str(demo_run[2]), **inputs}
    args = [a.format(**fill) for a in case.args]
    code, out = run_tty(args, tmp_path)
    assert_clean(case.name, code, out)
    assert case.expect in out, f"{case.name}: {case.expect!r} not in output\n{out[-3000:]}"


def test_piped_output_has_no_progress_bar(tmp_path: Path, inputs: dict[str, str]) -> None:
    """Piped (not a terminal): nothing but the result, no bar or escape sequences."""
    import subprocess

    r = subprocess.run(
        [sys.executable, "-m", "powderkeg.cli", "code", inputs["article"], "--date", "2021-12-15"],
        capture_output=True, text=True, cwd=tmp_path, timeout=SAFETY_TIMEOUT_S,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert "\x1b" not in r.stdout + r.stderr
    assert r.stderr == ""
