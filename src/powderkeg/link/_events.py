"""Event input for the Hawkes model: validation, sorting and tie handling."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from powderkeg.errors import InputError

TIES = ("jitter", "error")


@dataclass(frozen=True)
class Events:
    """Validated, time-sorted events of ``n_streams`` streams on ``[start, end]``."""

    t: np.ndarray  # (N,) strictly increasing
    k: np.ndarray  # (N,) stream index 0..K-1
    n_streams: int
    start: float
    end: float
    ties: str  # what was done about ties, in words
    n_tied: int  # events that shared a time with another before tie handling

    @functools.cached_property
    def counts(self) -> np.ndarray:
        return np.bincount(self.k, minlength=self.n_streams)

    def by_stream(self) -> list[np.ndarray]:
        return [self.t[self.k == i] for i in range(self.n_streams)]


def as_times_marks(
    events: Sequence[Sequence[float]] | tuple[np.ndarray, np.ndarray], source: str = "events"
) -> tuple[np.ndarray, np.ndarray, int]:
    """Accept a list of per-stream time arrays or a ``(times, marks)`` pair."""
    if (
        isinstance(events, tuple)
        and len(events) == 2
        and np.ndim(events[0]) == 1
        and np.ndim(events[1]) == 1
        and len(events[0]) == len(events[1])
        and len(events[0]) > 0
        and np.issubdtype(np.asarray(events[1]).dtype, np.integer)
    ):
        t = np.asarray(events[0], dtype=float)
        k = np.asarray(events[1], dtype=np.int64)
        if (k < 0).any():
            raise InputError(source, "stream marks must be non-negative integers")
        return t, k, int(k.max()) + 1
    try:
        streams = [np.asarray(s, dtype=float).ravel() for s in events]
    except (TypeError, ValueError) as exc:
        raise InputError(source, f"event times must be numbers ({exc})") from None
    if not streams:
        raise InputError(source, "no streams given")
    t = np.concatenate(streams) if streams else np.empty(0)
    k = np.concatenate([np.full(len(s), i, dtype=np.int64) for i, s in enumerate(streams)])
    return t, k, len(streams)


def prepare(
    events: Sequence[Sequence[float]] | tuple[np.ndarray, np.ndarray],
    *,
    horizon: float | None = None,
    start: float = 0.0,
    n_streams: int | None = None,
    ties: str = "jitter",
    resolution: float | None = None,
    seed: int | None = 0,
    min_events: int = 2,
    source: str = "events",
) -> Events:
    """Validate and sort events, and resolve ties.

    Rules (each tested):
    - NaN or infinite times, an empty input, or fewer than ``min_events`` events in a stream:
      ``InputError``.
    - Unsorted times are sorted (the model only needs the order).
    - ``horizon`` (the end of observation) defaults to the last event time; a window of zero or
      negative length, or an event outside ``[start, horizon]``: ``InputError``.
    - Ties: with ``resolution`` > 0 (default 1.0 when every time is a whole number, i.e. day
      resolution), every event is moved to a seeded uniform time within its resolution cell
      ``[t, t + resolution)`` (clipped to the horizon): the true time inside the day is unknown, so
      all events are treated alike, not only tied ones.  With ``resolution`` 0, only tied events
      are spread uniformly over half the smallest gap between distinct times.  ``ties="error"``
      refuses tied input instead.
    """
    if ties not in TIES:
        raise InputError(source, f"ties must be one of {', '.join(TIES)}, not {ties!r}")
    t, k, kk = as_times_marks(events, source)
    if n_streams is not None:
        if kk > n_streams:
            raise InputError(source, f"stream index {kk - 1} >= n_streams={n_streams}")
        kk = n_streams
    if t.size == 0:
        raise InputError(source, "no events")
    bad = ~np.isfinite(t)
    if bad.any():
        raise InputError(
            source,
            f"{int(bad.sum())} event time(s) are NaN or infinite (first at position {int(np.flatnonzero(bad)[0])})",
        )
    counts = np.bincount(k, minlength=kk)
    few = np.flatnonzero(counts < min_events)
    if few.size:
        i = int(few[0])
        raise InputError(
            source,
            f"stream {i} has {int(counts[i])} event(s); the model needs at least {min_events} per stream",
        )
    order = np.argsort(t, kind="stable")
    t, k = t[order], k[order]
    start = float(start)
    end = float(t[-1]) if horizon is None else float(horizon)
    if not np.isfinite(end) or not np.isfinite(start):
        raise InputError(source, "horizon and start must be finite numbers")
    if end - start <= 0.0:
        raise InputError(source, f"observation window [{start}, {end}] has zero or negative length")
    if t[0] < start or t[-1] > end:
        raise InputError(
            source,
            f"event times run from {t[0]:g} to {t[-1]:g}, outside the window [{start:g}, {end:g}]",
        )
    same = np.r_[False, t[1:] == t[:-1]]
    tied_mask = same | np.r_[same[1:], False]
    n_tied = int(tied_mask.sum())
    if resolution is None:
        resolution = 1.0 if np.all(t == np.round(t)) else 0.0
    if resolution < 0:
        raise InputError(source, "resolution must be >= 0")
    rng = np.random.default_rng(seed)
    if resolution > 0:
        if ties == "error" and n_tied:
            raise InputError(
                source, f"{n_tied} events share their time with another (ties='error')"
            )
        room = np.minimum(resolution, end - t)
        t = t + rng.uniform(0.0, 1.0, t.size) * room
        how = (
            f"jitter: every time moved uniformly within its {resolution:g}-unit cell "
            f"(seed {seed}); {n_tied} events were tied"
        )
    elif n_tied:
        if ties == "error":
            raise InputError(
                source, f"{n_tied} events share their time with another (ties='error')"
            )
        uniq = np.unique(t)
        gap = float(np.min(np.diff(uniq))) if uniq.size > 1 else (end - start)
        room = np.minimum(0.5 * gap, end - t)
        t = np.where(tied_mask, t + rng.uniform(0.0, 1.0, t.size) * room, t)
        how = f"jitter: {n_tied} tied events spread uniformly over {0.5 * gap:g} (seed {seed})"
    else:
        how = "none: no ties"
    if how != "none: no ties":  # times moved: sort again
        order = np.argsort(t, kind="stable")
        t, k = t[order], k[order]
    if t.size > 1 and np.any(np.diff(t) <= 0):
        # a collision after jitter has probability ~0; nudge by the smallest representable step
        for idx in np.flatnonzero(np.diff(t) <= 0):
            t[idx + 1] = np.nextafter(t[idx], np.inf)
        if np.any(np.diff(t) <= 0) or t[-1] > end:
            raise InputError(source, "could not separate tied event times")
    return Events(t=t, k=k, n_streams=kk, start=start, end=end, ties=how, n_tied=n_tied)
