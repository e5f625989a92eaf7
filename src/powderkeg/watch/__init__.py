"""watch stage: theatres, the indicators-and-warnings catalogue, per-period series and alerts.

Works on a pandas DataFrame with the store's events columns (see :mod:`powderkeg.watch.frame`).
Theatres and indicators are data files under ``data/``; see README.md for the rules.
"""

from powderkeg.watch.alerts import Alert, alerts, anomaly_scores
from powderkeg.watch.frame import EVENT_COLUMNS, PLOVER_TYPES, event_row, events_frame
from powderkeg.watch.indicators import (
    Indicator,
    Rule,
    indicators_hit,
    load_indicators,
    match_indicators,
    select_indicators,
)
from powderkeg.watch.plot import plot_trend, plot_trend_html, trend_html
from powderkeg.watch.series import (
    indicator_series,
    media_volume_series,
    theatre_series,
)
from powderkeg.watch.theatres import (
    BBox,
    Theatre,
    load_theatre_file,
    load_theatres,
    resolve_theatre,
    theatre_streams,
)

__all__ = [
    "EVENT_COLUMNS",
    "PLOVER_TYPES",
    "Alert",
    "BBox",
    "Indicator",
    "Rule",
    "Theatre",
    "alerts",
    "anomaly_scores",
    "event_row",
    "events_frame",
    "indicator_series",
    "indicators_hit",
    "load_indicators",
    "load_theatre_file",
    "load_theatres",
    "theatre_streams",
    "match_indicators",
    "media_volume_series",
    "plot_trend",
    "plot_trend_html",
    "resolve_theatre",
    "select_indicators",
    "theatre_series",
    "trend_html",
]
