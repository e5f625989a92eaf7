"""Great-circle distances (haversine, mean Earth radius 6,371.0088 km)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from powderkeg.errors import InputError
from powderkeg.types import Place

EARTH_RADIUS_KM = 6371.0088


def haversine_km(lat1: Any, lon1: Any, lat2: Any, lon2: Any) -> Any:
    """Haversine distance in km; scalars give a float, arrays broadcast to an array.

    NaN coordinates give NaN (a missing location is never "near").
    """
    if all(isinstance(v, int | float) for v in (lat1, lon1, lat2, lon2)):
        p1, p2 = math.radians(lat1), math.radians(lat2)
        dp = p2 - p1
        dl = math.radians(lon2 - lon1)
        h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
        return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))
    la1, lo1, la2, lo2 = (np.radians(np.asarray(v, dtype=float)) for v in (lat1, lon1, lat2, lon2))
    h = np.sin((la2 - la1) / 2) ** 2 + np.cos(la1) * np.cos(la2) * np.sin((lo2 - lo1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.minimum(1.0, np.sqrt(h)))


def _latlon(x: Any, which: str) -> tuple[Any, Any]:
    if isinstance(x, Place):
        if x.lat is None or x.lon is None:
            raise InputError(which, f"place {x.name!r} has no coordinates")
        return x.lat, x.lon
    if isinstance(x, tuple | list) and len(x) == 2 and not hasattr(x[0], "__len__"):
        return float(x[0]), float(x[1])
    arr = np.asarray(x, dtype=float)
    if arr.ndim >= 1 and arr.shape[-1] == 2:
        return arr[..., 0], arr[..., 1]
    raise InputError(which, "expected a Place, a (lat, lon) pair or an array of shape (..., 2)")


def distance_km(a: Any, b: Any) -> Any:
    """Distance in km between ``a`` and ``b``.

    Each of ``a``/``b`` is a :class:`Place`, a ``(lat, lon)`` pair, or an array of shape
    ``(n, 2)`` of ``(lat, lon)`` rows (vectorised; broadcasts like numpy). Two points give a
    float; arrays give an ``np.ndarray``. Example: ``distance_km(pred, gold) <= 50``.
    """
    lat1, lon1 = _latlon(a, "a")
    lat2, lon2 = _latlon(b, "b")
    return haversine_km(lat1, lon1, lat2, lon2)
