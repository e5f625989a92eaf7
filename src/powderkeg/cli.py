"""The command line: a thin layer over :mod:`powderkeg.api`.

Each command parses its options, calls one API function, and prints the result. Errors are one
line on stderr naming the input and the problem; exit codes follow CONTRACT.md (0 ok, 1 could not
do its job, 2 usage error).
"""

from __future__ import annotations

import functools
import json
import os
import re
import sys
from collections.abc import Callable
from contextlib import contextmanager
from typing import Any, TypeVar

import click

from . import __version__, api
from .errors import PowderkegError
from .types import Problem

F = TypeVar("F", bound=Callable[..., Any])


def _fail(message: str, code: int = 1) -> None:
    click.echo(f"powderkeg: {message}", err=True)
    sys.exit(code)


def handle_errors(fn: F) -> F:
    """Turn known errors into one line on stderr; never show a traceback to a user."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except PowderkegError as e:
            _fail(str(e), e.exit_code)
        except MemoryError:
            _fail("out of memory; lower --max-bytes or split the input", 1)
        except KeyboardInterrupt:
            _fail("interrupted", 130)
        except (click.exceptions.Exit, click.ClickException, SystemExit):
            raise
        except Exception as e:  # noqa: BLE001 - last resort: one line, trace only on request
            if os.environ.get("POWDERKEG_DEBUG"):
                raise
            _fail(f"internal error: {type(e).__name__}: {e} (set POWDERKEG_DEBUG=1 for the trace)", 1)

    return wrapper  # type: ignore[return-value]


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _safe(text: Any) -> str:
    """Text for a terminal: control characters (ESC sequences, bells, backspaces from article
    text) removed, so input cannot drive the user's terminal. JSON output escapes them itself."""
    return _CONTROL.sub("", str(text))


def _print_json(obj: Any) -> None:
    click.echo(json.dumps(obj, ensure_ascii=False, indent=None, default=str))


@contextmanager
def _progress(label: str, enabled: bool, length: int | None = None) -> Any:
    """A rich progress bar on stderr when it is a terminal, else a no-op (yields None).

    Yields ``update(n=1)``; without ``length`` the bar pulses and counts what is done.
    """
    if not enabled:
        yield None
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
    )

    count = MofNCompleteColumn() if length else TextColumn("{task.completed} done")
    columns = (SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), count, TimeElapsedColumn())
    with Progress(*columns, console=Console(file=sys.stderr), transient=True) as bar:
        task = bar.add_task(label, total=length)

        def update(n: int = 1) -> None:
            bar.advance(task, n)

        yield update


@contextmanager
def _stages(label: str, enabled: bool) -> Any:
    """A spinner with the current stage on stderr (terminal only); yields ``step(stage, n)``."""
    if not enabled:
        yield None
        return
    from rich.console import Console

    with Console(file=sys.stderr).status(f"{label}...") as status:

        def step(stage: str, n: int = 0) -> None:
            status.update(f"{label}: {stage}" + (f" ({n} rows)" if n else ""))

        yield step


def _want_progress(json_out: bool, quiet: bool) -> bool:
    return not quiet and sys.stderr.isatty()


def _validate_date(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is None:
        return None
    from datetime import date

    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date; use YYYY-MM-DD") from None


def _validate_doc_date(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """--date: YYYY-MM-DD, YYYY-MM or YYYY (events dated from it get that precision)."""
    if value is None:
        return None
    from .read.dates import parse_partial_date

    if parse_partial_date(value)[0] is None:
        raise click.BadParameter(f"{value!r} is not a date; use YYYY-MM-DD, YYYY-MM or YYYY")
    return value.strip()


_input_options = [
    click.option("--date", callback=_validate_doc_date, help="Document date YYYY-MM-DD (or YYYY-MM, YYYY: events dated from it get month/year precision) for relative dates when the input has none."),
    click.option("--encoding", default=None, help="Text encoding of the inputs (default UTF-8), e.g. latin-1 or cp1252."),
    click.option("--max-bytes", type=click.IntRange(min=1), default=api.DEFAULT_MAX_BYTES, show_default=True, help="Files above this size are quarantined, not read."),
]  # fmt: skip


def input_options(fn: F) -> F:
    for opt in reversed(_input_options):
        fn = opt(fn)
    return fn


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="powderkeg")
def main() -> None:
    """powderkeg: conflict early warning from news and event data.

    Read news, code events in the PLOVER ontology, store them, watch theatres, and write reports.

    Example: powderkeg demo
    """


@main.command()
@click.option("--out", "out_dir", default="powderkeg-demo", show_default=True, help="Folder for the database and report.")
@click.option("--json", "json_out", is_flag=True, help="Print {db, report, counts} as JSON.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
@handle_errors
def demo(out_dir: str, json_out: bool, quiet: bool) -> None:
    """Run the main job end to end on the bundled sample articles.

    Reads the sample articles shipped in the package, codes them, stores the events in a local
    DuckDB file, computes theatre indicators and alerts, and writes a report.

    Example: powderkeg demo --out /tmp/pk-demo
    """
    total = None
    if _want_progress(json_out, quiet):
        from .show.demo import sample_articles

        total = sum(1 for d in sample_articles() if not isinstance(d, Problem))
    with _progress("coding sample articles", _want_progress(json_out, quiet), total) as update:
        result = api.demo(out_dir, progress=update)
    if json_out:
        _print_json(result)
    else:
        c = result["counts"]
        click.echo(f"database: {result['db']}")
        click.echo(f"report:   {result['report']}")
        click.echo(", ".join(f"{k}: {v}" for k, v in c.items() if not isinstance(v, list)))
        click.echo(f"dashboard: powderkeg serve --db {result['db']}   then open http://127.0.0.1:8750/")


def _safe_lines(text: str) -> str:
    return "\n".join(_safe(line) for line in text.split("\n"))


def _problems_out(problems: list[Problem]) -> None:
    for p in problems:
        click.echo(_safe(f"powderkeg: {p}"), err=True)


@main.command()
@click.argument("paths", nargs=-1, required=True)
@input_options
@click.option("--json", "json_out", is_flag=True, help="Print {\"documents\": [Document]} as JSON.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
@handle_errors
def code(paths: tuple[str, ...], date: str | None, encoding: str | None, max_bytes: int, json_out: bool, quiet: bool) -> None:
    """Code text, HTML, feed or JSONL files into PLOVER events ('-' reads stdin).

    Example: powderkeg code article.txt --date 2021-12-15 --json
    """
    with _progress("coding", _want_progress(json_out, quiet)) as update:
        docs, problems = api.code_paths(paths, date=date, encoding=encoding, max_bytes=max_bytes, progress=update)
    _problems_out(problems)
    if json_out:
        _print_json({"documents": [d.to_json() for d in docs]})
    else:
        for d in docs:
            click.echo(_safe(f"# {d.title or d.source}  ({d.date or 'no date'}, {len(d.events)} events)"))
            for e in d.events:
                actors = "+".join(a.code for a in e.actor) or "-"
                targets = "+".join(a.code for a in e.target) or "-"
                click.echo(_safe(f"{e.type:<11} {actors:>10} -> {targets:<10} {e.factuality:<12} {_safe(e.sentence)[:90]}"))
    if not docs and problems:
        sys.exit(1)


@main.command()
@click.argument("path")
@input_options
@handle_errors
def brief(path: str, date: str | None, encoding: str | None, max_bytes: int) -> None:
    """Print a readable Markdown brief of one article.

    Actors with codes, events (type, actor -> target, place, date, factuality, sentence), places
    with coordinates, quantities, indicators hit; hypotheticals are kept apart from facts.

    Example: powderkeg brief article.txt --date 2021-12-15 > brief.md
    """
    docs, problems = api.code_paths([path], date=date, encoding=encoding, max_bytes=max_bytes)
    if problems and not docs:
        _fail(str(problems[0]), 1)
    _problems_out(problems)
    for d in docs:
        click.echo(_safe_lines(api.brief(d)))


@main.command(name="eval")
@click.option("--format", "fmt", required=True, type=click.Choice(["plv", "cameo-quad", "acled", "case2021", "events", "cameo-roles"]), help="Format of the labelled file (CONTRACT.md).")
@click.argument("path")
@click.option("--cv", type=click.IntRange(min=0), default=0, help="k-fold cross-validation: retrain on k-1 folds, score the held-out fold (for dev files the shipped model saw).")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--json", "json_out", is_flag=True, help="Print the Metrics JSON.")
@click.option("--quiet", is_flag=True, help="No progress display.")
@handle_errors
def eval_(fmt: str, path: str, cv: int, seed: int, json_out: bool, quiet: bool) -> None:
    """Score the coder on a labelled file, with the same configuration as `code`.

    Example: powderkeg eval --format plv ../shared/data/plover/plv_train.tsv --cv 5
    """
    with _stages(f"scoring {path}" + (f" ({cv}-fold)" if cv else ""), _want_progress(json_out, quiet)):
        metrics = api.evaluate(fmt, path, cv=cv, seed=seed)
    if json_out:
        _print_json(metrics)
        return
    from .evaluate import format_report

    click.echo(format_report(metrics))


@main.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--db", required=True, help="DuckDB file (created if missing).")
@input_options
@click.option("--json", "json_out", is_flag=True, help="Print Counts as JSON.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
@click.option("--batch-size", type=click.IntRange(min=1), default=None, help="Documents coded and committed together (a Dask partition with --dask/--workers)  [default: 256]")
@click.option("--workers", type=click.IntRange(min=1), default=None, help="Code on a local Dask cluster of N worker processes.")
@click.option("--dask", "dask_address", metavar="ADDRESS", default=None, help="Code on the Dask cluster whose scheduler is at ADDRESS, e.g. tcp://10.0.0.5:8786.")
@handle_errors
def ingest(paths: tuple[str, ...], db: str, date: str | None, encoding: str | None, max_bytes: int, json_out: bool, quiet: bool, batch_size: int | None, workers: int | None, dask_address: str | None) -> None:
    """Read, code and store documents. Ingesting the same text twice adds nothing.

    Bad inputs are quarantined in the database with the reason; the rest is stored. Documents
    are committed in batches; a re-run skips those already stored, so an interrupted ingest
    resumes where it stopped. --dask/--workers code partitions on Dask workers (docs/scale.md).

    Example: powderkeg ingest news/ --db events.duckdb --date 2021-12-15
    """
    log = None if quiet else (lambda m: click.echo(f"powderkeg: {m}", err=True))
    with _progress("ingesting", _want_progress(json_out, quiet)) as update:
        counts = api.ingest(paths, db=db, date=date, encoding=encoding, max_bytes=max_bytes, progress=update, batch_size=batch_size, workers=workers, dask=dask_address, log=log)
    _report_counts(counts, json_out)


def _report_counts(counts: Any, json_out: bool) -> None:
    data = counts.to_json()
    if json_out:
        _print_json(data)
    else:
        for p in data["problems"]:
            click.echo(f"powderkeg: {p}", err=True)
        click.echo(", ".join(f"{k}: {v}" for k, v in data.items() if k != "problems"))
    if data["read"] and data["quarantined"] == data["read"]:
        sys.exit(1)


@main.command(name="import")
@click.option("--format", "fmt", required=True, type=click.Choice(["gdelt2", "gdelt1", "gdelt1-reduced", "icews", "icews-tkg", "acled", "ucdp", "plover", "acled-admin1", "icews-dyad-year", "gdelt-yearly"]), help="Dataset format (CONTRACT.md); the last three are count tables, stored as series.")
@click.argument("path")
@click.option("--db", required=True, help="DuckDB file (created if missing).")
@click.option("--json", "json_out", is_flag=True, help="Print Counts as JSON.")
@click.option("--quiet", is_flag=True, help="No progress display.")
@handle_errors
def import_(fmt: str, path: str, db: str, json_out: bool, quiet: bool) -> None:
    """Import an event dataset into the store, mapped to PLOVER, with provenance.

    Importing the same file twice adds 0 rows; malformed rows are quarantined with their line.
    Count tables (acled-admin1, icews-dyad-year, gdelt-yearly) go to the store's series table,
    keyed by kind, series and date, for trends and backtests.

    Example: powderkeg import --format ucdp ged.csv --db events.duckdb
    """
    with _stages(f"importing {path}", _want_progress(json_out, quiet)) as step:
        counts = api.import_dataset(path, fmt=fmt, db=db, progress=step)
    _report_counts(counts, json_out)


@main.command()
@click.option("--events", "events_csv", type=click.Path(dir_okay=False), help="CSV with columns time (ISO date or float days) and stream.")
@click.option("--db", help="DuckDB store to build theatre streams from (with --theatres).")
@click.option("--theatres", help="Comma-separated theatre ids, e.g. ukraine,serbia-kosovo.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed for tie jitter and resampling.")
@click.option("--json", "json_out", is_flag=True, help="Print the Link JSON.")
@handle_errors
def link(events_csv: str | None, db: str | None, theatres: str | None, seed: int, json_out: bool) -> None:
    """Measure whether escalation in one theatre excites another (Hawkes + Granger).

    Prints the branching matrix (expected events in row stream triggered by one in column
    stream) with 95% intervals, Granger p-values, and a verdict that says when data are too thin.

    Example: powderkeg link --db events.duckdb --theatres ukraine,serbia-kosovo --json
    """
    result = api.link(events_csv=events_csv, db=db, theatres=theatres.split(",") if theatres else None, seed=seed)
    if json_out:
        _print_json(result)
        return
    click.echo(_link_text(result))


def _cell_at(matrix: Any, i: int, j: int) -> float | None:
    """``matrix[i][j]`` as a float, or None where the matrix or the entry is null / not finite."""
    try:
        v = matrix[i][j]
    except (TypeError, IndexError, KeyError):
        return None
    if v is None:
        return None
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if f == f and f not in (float("inf"), float("-inf")) else None


def _link_text(result: dict[str, Any]) -> str:
    """The Link result as a readable table: branching with intervals, Granger p, verdict."""
    streams = [str(s) for s in result.get("streams") or []]
    n_events = result.get("n_events") or {}
    lines = [f"verdict: {result.get('verdict') or 'n/a'}"]
    lines.append("streams: " + (", ".join(f"{s} ({n_events.get(s, 0)} events)" for s in streams) or "none"))
    level = result.get("level") or 0.95
    width = max([12, *(len(s) + 2 for s in streams)])

    def table(title: str, cell: Callable[[int, int], str]) -> None:
        lines.append("")
        lines.append(title)
        corner = "to \\ from"
        lines.append(f"{corner:<{width}}" + "".join(f"{s:>{width + 14}}" for s in streams))
        for i, to in enumerate(streams):
            lines.append(f"{to:<{width}}" + "".join(f"{cell(i, j):>{width + 14}}" for j in range(len(streams))))

    def fmt(v: float | None) -> str:
        return "n/a" if v is None else f"{v:.3f}"

    def branching(i: int, j: int) -> str:
        b = _cell_at(result.get("branching"), i, j)
        lo = _cell_at(result.get("branching_ci_low"), i, j)
        hi = _cell_at(result.get("branching_ci_high"), i, j)
        if b is None:
            return "n/a"
        ci = f"[{fmt(lo)}, {fmt(hi)}]" if lo is not None or hi is not None else "[n/a]"
        return f"{fmt(b)} {ci}"

    def granger(i: int, j: int) -> str:
        return "-" if i == j else fmt(_cell_at(result.get("granger_p"), i, j))

    table(f"branching: expected events in the row stream triggered by one in the column stream, "
          f"[{level:.0%} interval]", branching)
    table("Granger p-values: does the column stream help predict the row stream? (small p: yes)", granger)
    for note in result.get("notes") or []:
        lines.append(f"note: {note}")
    for p in result.get("problems") or []:
        lines.append(f"quarantined: {p}")
    return "\n".join(lines)


_FREQ = click.Choice(["day", "week", "month"])


@main.command()
@click.argument("theatre")
@click.option("--db", required=True, help="DuckDB store to read (opened read-only).")
@click.option("--freq", type=_FREQ, default="week", show_default=True, help="Period length.")
@click.option("--since", callback=_validate_date, help="First date YYYY-MM-DD (inclusive).")
@click.option("--until", callback=_validate_date, help="Last date YYYY-MM-DD (inclusive).")
@click.option("--normalize", is_flag=True, help="Add counts divided by media volume (events in the store per period, all theatres); the plot draws those.")
@click.option("--plot", "plot_path", help="Write a chart: PATH.png, or PATH.html (self-contained, works offline).")
@click.option("--json", "json_out", is_flag=True, help="Print the trend as one JSON document.")
@click.option("--csv", "csv_out", is_flag=True, help="Print the trend as CSV (one row per period, all columns).")
@handle_errors
def trend(theatre: str, db: str, freq: str, since: str | None, until: str | None, normalize: bool, plot_path: str | None, json_out: bool, csv_out: bool) -> None:
    """Per-period series of one theatre: counts by PLOVER type and quad class, mean intensity,
    fatalities where known, material-conflict share, media volume (and normalised counts).

    Example: powderkeg trend ukraine --db events.duckdb --freq month --plot ukraine.png
    """
    if json_out and csv_out:
        raise click.UsageError("give --json or --csv, not both")
    result = api.trend(theatre, db=db, freq=freq, since=since, until=until, normalize=normalize, plot=plot_path)
    if json_out:
        _print_json(result)
        return
    cols = result["columns"]
    if csv_out:
        import csv

        w = csv.writer(sys.stdout, lineterminator="\n")
        w.writerow(cols)
        for r in result["rows"]:
            w.writerow(["" if r[c] is None else r[c] for c in cols])
        return
    shown = [c for c in api.TREND_TEXT_COLUMNS if c in cols]
    if normalize:
        shown = [c for c in shown if c != "media_volume"] + ["n_events_norm", "media_volume"]
    click.echo(f"{result['name']} ({result['theatre']}), per {freq}; {len(result['rows'])} periods")
    click.echo(f"{'period':<10} " + " ".join(f"{_short(c):>9}" for c in shown))
    for r in result["rows"]:
        click.echo(f"{r['period']:<10} " + " ".join(f"{_num(r[c]):>9}" for c in shown))
    if result["plot"]:
        click.echo(f"plot: {result['plot']}")


def _short(col: str) -> str:
    names = {"n_events": "events", "quad_material_conflict": "mat_confl", "quad_verbal_conflict": "verb_confl",
             "type_ASSAULT": "ASSAULT", "type_MOBILIZE": "MOBILIZE", "mean_intensity": "intensity",
             "material_conflict_share": "mc_share", "media_volume": "volume", "n_events_norm": "events/vol"}  # fmt: skip
    return names.get(col, col)[:9]


def _num(v: Any) -> str:
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{v:.0f}" if v.is_integer() and abs(v) >= 1 else f"{v:.3g}"
    return str(v)


@main.command()
@click.option("--db", required=True, help="DuckDB store to read (opened read-only).")
@click.option("--theatre", "theatres", multiple=True, help="Theatre id (repeatable); default: every theatre.")
@click.option("--method", type=click.Choice(["zscore", "poisson", "logz"]), default=None, help="Alert method (watch README): robust z-score (default for events), Poisson tail, or robust z on log1p (default for fatalities).")
@click.option("--measure", type=click.Choice(["events", "fatalities"]), default="events", show_default=True, help="Score the number of events hitting an indicator, or their fatalities.")
@click.option("--freq", type=_FREQ, default="week", show_default=True, help="Period length.")
@click.option("--since", callback=_validate_date, help="Only alerts in periods from this date (history before it is still read).")
@click.option("--until", callback=_validate_date, help="Only alerts in periods up to this date.")
@click.option("--window", type=click.IntRange(min=2), default=12, show_default=True, help="Trailing periods in the baseline.")
@click.option("--threshold", type=float, default=None, help="Score at or above which an alert fires (default 3).")
@click.option("--min-count", type=click.IntRange(min=1), default=3, show_default=True, help="Fewest events for an alert.")
@click.option("--normalize", is_flag=True, help="Read history as rates per unit of media volume.")
@click.option("--json", "json_out", is_flag=True, help="Print {method, ..., alerts: [Alert + events]} as JSON.")
@handle_errors
def alerts(db: str, theatres: tuple[str, ...], method: str | None, measure: str, freq: str, since: str | None, until: str | None, window: int, threshold: float | None, min_count: int, normalize: bool, json_out: bool) -> None:
    """List alerts: indicators whose count in a theatre departs from its own history, each with
    the events and sentences behind it.

    Example: powderkeg alerts --db events.duckdb --theatre serbia-kosovo --method zscore --json
    """
    result = api.alerts(db=db, theatres=list(theatres) or None, method=method, measure=measure, freq=freq, since=since, until=until,
                        window=window, threshold=threshold, min_count=min_count, normalize=normalize)  # fmt: skip
    if json_out:
        _print_json(result)
        return
    found = result["alerts"]
    click.echo(f"{len(found)} alerts ({result['measure']}, {result['method']}, per {freq}, window {result['window']}, threshold {result['threshold']:g})")
    for a in found:
        click.echo(f"{a['period']}  {a['theatre']:<14} {a['indicator']:<24} {a['value']:>4} (baseline {_num(a['baseline'])}, score {_num(a['score'])})")
        for e in a["events"][:5]:
            who = "+".join(e["actor_codes"]) or "-"
            whom = "+".join(e["target_codes"]) or "-"
            fat = f" {e['fatalities']} killed" if e["fatalities"] else ""
            click.echo(_safe(f"    {e['date']} {e['type']} {who}->{whom}{fat}: {(e['sentence'] or '')[:100]}"))
        if len(a["events"]) > 5:
            click.echo(f"    ... and {len(a['events']) - 5} more events")


@main.command()
@click.option("--db", required=True, help="DuckDB store to read (opened read-only).")
@click.option("--format", "fmt", required=True, type=click.Choice(["parquet", "csv", "geojson"]), help="Parquet or CSV: every events column; GeoJSON: one Point per event with lat/lon.")
@click.option("--out", required=True, help="Output file.")
@click.option("--theatre", "theatres", multiple=True, help="Only events of this theatre (repeatable).")
@click.option("--since", callback=_validate_date, help="First date YYYY-MM-DD (inclusive).")
@click.option("--until", callback=_validate_date, help="Last date YYYY-MM-DD (inclusive).")
@click.option("--json", "json_out", is_flag=True, help="Print {format, out, rows, skipped_no_coordinates} as JSON.")
@handle_errors
def export(db: str, fmt: str, out: str, theatres: tuple[str, ...], since: str | None, until: str | None, json_out: bool) -> None:
    """Export stored events to Parquet, CSV or GeoJSON.

    Example: powderkeg export --db events.duckdb --format geojson --out ukraine.geojson --theatre ukraine
    """
    result = api.export(db=db, fmt=fmt, out=out, theatres=list(theatres), since=since, until=until)
    if json_out:
        _print_json(result)
        return
    extra = f" ({result['skipped_no_coordinates']} without coordinates left out)" if fmt == "geojson" else ""
    click.echo(f"{result['rows']} events -> {result['out']}{extra}")


# ---------------------------------------------------------------- forecast and backtest


def _score_row(name: str, sc: dict[str, Any], skill: Any = None) -> str:
    def f(v: Any, spec: str = ".3f") -> str:
        return "-" if v is None else format(v, spec)

    return (f"{name:<22} {f(sc.get('crps')):>9} {f(sc.get('brier')):>7} {f(sc.get('coverage90'), '.2f'):>6} "
            f"{f(sc.get('log_score'), '.2f'):>6} {f(skill, '+.3f') if skill is not None else '':>7}")  # fmt: skip


def _score_table(block: dict[str, Any]) -> list[str]:
    lines = [f"{'':<22} {'CRPS':>9} {'Brier':>7} {'cov90':>6} {'log':>6} {'skill':>7}"]
    lines.append(_score_row("model (series default)", block["model"], block["skill_vs_best_baseline"]))
    for name, sc in block.get("models", {}).items():
        lines.append(_score_row(f"  {name}", sc, sc.get("skill_vs_best_baseline")))
    for name, sc in block["baselines"].items():
        lines.append(_score_row(f"baseline {name}", sc))
    return lines


@main.command()
@click.option("--series", "series_csv", required=True, type=click.Path(dir_okay=False), help="CSV with columns date, series, count (weekly or monthly dates, inferred).")
@click.option("--horizon", type=click.IntRange(min=1), default=6, show_default=True, help="Forecast 1..H periods ahead.")
@click.option("--test-periods", type=click.IntRange(min=1), default=24, show_default=True, help="Score the last N dates of every series.")
@click.option("--select-periods", type=click.IntRange(min=0), default=12, show_default=True, help="Dates before the test window on which each series' default model is chosen.")
@click.option("--min-train", type=click.IntRange(min=2), default=24, show_default=True, help="Periods a series must have before its first forecast origin.")
@click.option("--model", "models", multiple=True, type=click.Choice(["nbar", "blend", "hawkes"]), help="Candidate model(s) besides the baselines (default nbar and blend).")
@click.option("--cross", multiple=True, help="Series whose lag-1 counts enter every other series' model (repeatable).")
@click.option("--fill-gaps", type=click.Choice(["quarantine", "zero"]), default="quarantine", show_default=True, help="A series with missing periods is quarantined, or its missing rows read as zero.")
@click.option("--samples", "n_samples", type=click.IntRange(min=50), default=1000, show_default=True, help="Ensemble size per forecast.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed for every random draw.")
@click.option("--plot", "plot_path", help="Write the reliability plot (PNG).")
@click.option("--json", "json_out", is_flag=True, help="Print the Backtest JSON.")
@handle_errors
def backtest(series_csv: str, horizon: int, test_periods: int, select_periods: int, min_train: int, models: tuple[str, ...], cross: tuple[str, ...], fill_gaps: str, n_samples: int, seed: int, plot_path: str | None, json_out: bool) -> None:
    """Rolling-origin backtest: forecasts for each of the last N dates of every series at each
    horizon, each from the data up to h periods before that date only, scored (CRPS, Brier, log
    score, 90% coverage) against the ViEWS baselines (Poisson on the last value, bootstrap).

    Example: powderkeg backtest --series counts.csv --horizon 6 --test-periods 24 --plot rel.png
    """
    result = api.backtest(series_csv, horizon=horizon, test_periods=test_periods, select_periods=select_periods, min_train=min_train,
                          models=list(models) or ["nbar", "blend"], cross=list(cross), fill_gaps=fill_gaps,
                          n_samples=n_samples, seed=seed, plot=plot_path)  # fmt: skip
    if json_out:
        _print_json(result)
        return
    click.echo(f"{result['n_series']} series, per {result['freq']}, test window {result['test_window'][0]} to "
               f"{result['test_window'][1]}, horizons 1-{result['horizon']}, {result['n_forecasts']} forecasts per model")  # fmt: skip
    click.echo("all horizons:")
    for line in _score_table(result):
        click.echo("  " + line)
    for h, block in result["by_horizon"].items():
        click.echo(f"horizon {h}:")
        for line in _score_table(block):
            click.echo("  " + line)
    for note in result["notes"]:
        click.echo(f"note: {note}")
    for p in result["problems"]:
        click.echo(f"quarantined: {p}")
    if result.get("plot"):
        click.echo(f"plot: {result['plot']}")


@main.command()
@click.argument("theatre")
@click.option("--db", required=True, help="DuckDB store to read (opened read-only).")
@click.option("--horizon", type=click.IntRange(min=1), default=6, show_default=True, help="Periods ahead.")
@click.option("--freq", type=click.Choice(["week", "month"]), default="month", show_default=True, help="Period length.")
@click.option("--measure", type=click.Choice(["material_conflict", "events", "fatalities"]), default="material_conflict", show_default=True, help="What is counted per period.")
@click.option("--model", type=click.Choice(["auto", "nbar", "blend", "hawkes", "poisson_last", "bootstrap"]), default="auto", show_default=True, help="auto: the model with the lowest CRPS on the theatre's own recent past.")
@click.option("--threshold", "thresholds", multiple=True, type=click.IntRange(min=1), help="Report P(count >= N) (repeatable; default 1, 5, 10, 25).")
@click.option("--cross", multiple=True, help="Theatre whose lag-1 counts enter the other theatres' NB models (repeatable).")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed for every random draw.")
@click.option("--plot", "plot_path", help="Write a fan chart (PNG).")
@click.option("--json", "json_out", is_flag=True, help="Print the Forecast JSON.")
@handle_errors
def forecast(theatre: str, db: str, horizon: int, freq: str, measure: str, model: str, thresholds: tuple[int, ...], cross: tuple[str, ...], seed: int, plot_path: str | None, json_out: bool) -> None:
    """Predictive distribution of a theatre's counts (material-conflict events by default) for
    the next K periods: mean, 5/50/95% quantiles, P(at least N) and P(at least 25 deaths).

    Example: powderkeg forecast ukraine --db events.duckdb --horizon 6 --json
    """
    result = api.forecast(theatre, db=db, horizon=horizon, freq=freq, measure=measure, model=model,
                          thresholds=list(thresholds) or (1, 5, 10, 25), seed=seed, plot=plot_path, cross=list(cross))  # fmt: skip
    if json_out:
        _print_json(result)
        return
    click.echo(f"{result['theatre']}: {result['measure']} per {result['freq']}, model {result['model']}; "
               f"history to {result['history_end']}")  # fmt: skip
    ns = list(result["periods"][0]["p_at_least"]) if result["periods"] else []
    click.echo(f"{'period':<11}{'mean':>8}{'5%':>6}{'50%':>6}{'95%':>6}" + "".join(f"{'P>=' + n:>8}" for n in ns)
               + f"{'P(25+ dead)':>12}")  # fmt: skip
    for p in result["periods"]:
        q = p["quantiles"]
        d = p.get("p_deaths_at_least", {}).get("25")
        click.echo(f"{p['date']:<11}{p['mean']:>8.1f}{q['0.05']:>6g}{q['0.5']:>6g}{q['0.95']:>6g}"
                   + "".join(f"{p['p_at_least'][n]:>8.2f}" for n in ns) + (f"{d:>12.2f}" if d is not None else f"{'-':>12}"))  # fmt: skip
    for note in result.get("notes", []):
        click.echo(f"note: {note}")
    if result.get("plot"):
        click.echo(f"plot: {result['plot']}")
@main.command()
@click.argument("scenario")
@click.option("--runs", type=click.IntRange(min=1), required=True, help="Number of Monte Carlo runs.")
@click.option("--seed", type=int, required=True, help="Seed: the same scenario, runs and seed give the same output.")
@click.option("--set", "sets", multiple=True, metavar="PATH=VALUE", help="Override one parameter for a what-if (repeatable), e.g. commitments.article5.reliability=0.5.")
@click.option("--from-store", "from_store", help="DuckDB store: start the theatres from their currently observed state.")
@click.option("--workers", type=click.IntRange(min=1), default=1, show_default=True, help="Local processes sharing the chunks of runs.")
@click.option("--dask", "dask_address", help="Dask scheduler address (e.g. tcp://10.0.0.5:8786): run the chunks there.")
@click.option("--json", "json_out", is_flag=True, help="Print the Simulation JSON.")
@handle_errors
def simulate(scenario: str, runs: int, seed: int, sets: tuple[str, ...], from_store: str | None, workers: int, dask_address: str | None, json_out: bool) -> None:
    """Monte Carlo over a scenario file (a bundled name such as ukraine-balkans-2021, or a path):
    outcome probabilities with 95% intervals, each parameter's source, the commonest paths and
    the parameters that move each outcome most.

    Example: powderkeg simulate ukraine-balkans-2021 --runs 100000 --seed 1 --set theatres.serbia-kosovo.closed=true --json
    """
    from .simulate.report import resolve_scenario, text_summary

    result = api.simulate(resolve_scenario(scenario), runs=runs, seed=seed, sets=list(sets), from_store=from_store, workers=workers, dask=dask_address)
    if json_out:
        _print_json(result)
        return
    click.echo(text_summary(result))
@main.command()
@click.option("--db", required=True, help="DuckDB store to show (read from its snapshot; imports can run meanwhile).")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind; any other than loopback needs --token.")
@click.option("--port", type=click.IntRange(1, 65535), default=8750, show_default=True)
@click.option("--token", default=None, help="Require 'Authorization: Bearer TOKEN' on every request (at least 8 characters).")
@handle_errors
def serve(db: str, host: str, port: int, token: str | None) -> None:
    """Offline web dashboard and REST API over a store (OpenAPI schema at /openapi.json).

    Pages: overview map, theatres, links, actors, forecasts and scenarios, documents. Nothing is
    loaded from the internet.

    Example: powderkeg serve --db powderkeg-demo/demo.duckdb   (then open http://127.0.0.1:8750/)
    """
    from .serve import check_bind
    from .serve import serve as run_server

    check_bind(host, token)
    run_server(db, host=host, port=port, token=token, announce=lambda m: click.echo(f"powderkeg: {m}", err=True))


if __name__ == "__main__":  # pragma: no cover
    main()
