"""Dedupe: cluster events that report the same real event.

Two event rows may be the same real event when they have
- the same PLOVER type,
- overlapping actors: they share at least one actor or target code, their actor code sets
  overlap (or one is empty) and their target code sets overlap (or one is empty); name variants
  ("Russia", "Moscow", "the Kremlin") are already one code,
- dates within ``2 * days`` of each other, and
- places within ``2 * km`` of each other when both have coordinates; otherwise the same
  country (a missing country does not count against).

A cluster is a set of rows that can all lie within ``±days`` and ``km`` of one common centre:
every pair in it meets the conditions above (complete linkage). Candidate pairs come from one SQL
self-join on (type, code) within the date window; each connected group of candidates is then
clustered by complete-linkage agglomeration on the distance
``max(|Δdays| / (2·days), Δkm / (2·km))`` cut at 1, so closer reports join first and a
near-miss (a different type, other actors, a date more than 2 days off, a place more than 30 km
off) stays apart. ``cluster_id`` is the smallest event id in the cluster and ``mentions`` its
size; ``event_sources`` lists every row of every cluster with where it came from.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.sparse import coo_matrix, csr_matrix
from scipy.sparse.csgraph import connected_components

from powderkeg.store.store import date_window

if TYPE_CHECKING:
    from powderkeg.store.store import Store

EARTH_KM = 6371.0088
_FAR = 1e6


def haversine_km(lat1: Any, lon1: Any, lat2: Any, lon2: Any) -> Any:
    """Great-circle distance in km (numpy broadcasting)."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp = p2 - p1
    dl = np.radians(lon2) - np.radians(lon1)
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * EARTH_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def _code_matrix(sets: list[list[str]], vocab: dict[str, int]) -> csr_matrix:
    rows, cols = [], []
    for i, codes in enumerate(sets):
        for c in codes:
            rows.append(i)
            cols.append(vocab[c])
    n = len(sets)
    data = np.ones(len(rows), dtype=np.int32)
    return coo_matrix((data, (rows, cols)), shape=(n, max(len(vocab), 1))).tocsr()


def pair_distance(group: pd.DataFrame, days: float, km: float) -> np.ndarray:
    """Square matrix of the dedupe distance within one candidate group (>1 = not the same)."""
    n = len(group)
    d = group["day"].to_numpy(dtype=float)
    dd = np.abs(d[:, None] - d[None, :]) / (2 * days)
    lat = group["lat"].to_numpy(dtype=float)
    lon = group["lon"].to_numpy(dtype=float)
    has = ~(np.isnan(lat) | np.isnan(lon))
    dk = np.zeros((n, n))
    both = has[:, None] & has[None, :]
    if both.any():
        dist = haversine_km(lat[:, None], lon[:, None], lat[None, :], lon[None, :])
        dk = np.where(both, dist / (2 * km), 0.0)
    ctry = group["country"].to_numpy(dtype=object)
    known = np.array([c is not None and c == c for c in ctry])
    same_ctry = np.equal.outer(ctry.astype(str), ctry.astype(str))
    ctry_clash = ~both & known[:, None] & known[None, :] & ~same_ctry
    actor_sets, target_sets = list(group["actor_codes"]), list(group["target_codes"])
    vocab: dict[str, int] = {}
    for codes in actor_sets + target_sets:
        for c in codes:
            vocab.setdefault(c, len(vocab))
    a = _code_matrix(actor_sets, vocab)
    t = _code_matrix(target_sets, vocab)
    a_empty = np.asarray(a.sum(axis=1)).ravel() == 0
    t_empty = np.asarray(t.sum(axis=1)).ravel() == 0
    a_ov = (a @ a.T).toarray() > 0
    t_ov = (t @ t.T).toarray() > 0
    allc = a + t
    any_ov = (allc @ allc.T).toarray() > 0
    ok_a = a_ov | a_empty[:, None] | a_empty[None, :]
    ok_t = t_ov | t_empty[:, None] | t_empty[None, :]
    types = group["type"].to_numpy(dtype=object)
    same_type = np.equal.outer(types.astype(str), types.astype(str))
    compatible = same_type & ok_a & ok_t & any_ov & ~ctry_clash
    dist = np.maximum(dd, dk)
    dist = np.where(compatible, dist, _FAR)
    np.fill_diagonal(dist, 0.0)
    return dist


def cluster_group(group: pd.DataFrame, days: float, km: float) -> np.ndarray:
    """Cluster labels (0..k-1) for one candidate group by complete linkage cut at 1."""
    n = len(group)
    if n == 1:
        return np.zeros(1, dtype=np.int64)
    dist = pair_distance(group, days, km)
    iu = np.triu_indices(n, k=1)
    z = linkage(dist[iu], method="complete")
    return fcluster(z, t=1.0, criterion="distance").astype(np.int64) - 1


def _greedy(group: pd.DataFrame, days: float, km: float, chunk: int) -> np.ndarray:
    """Very large candidate groups: cluster date-ordered chunks of ``chunk`` rows."""
    order = np.argsort(group["day"].to_numpy(), kind="stable")
    labels = np.empty(len(group), dtype=np.int64)
    base = 0
    for start in range(0, len(order), chunk):
        idx = order[start : start + chunk]
        lab = cluster_group(group.iloc[idx], days, km)
        labels[idx] = lab + base
        base += int(lab.max()) + 1
    return labels


def cluster_events(
    frame: pd.DataFrame, con: Any, *, days: float = 1.0, km: float = 10.0, max_group: int = 2000
) -> pd.Series:
    """Cluster id (an event_id) for every row of ``frame``.

    ``frame`` has event_id, type, date, actor_codes, target_codes, lat, lon, country. ``con`` is
    a DuckDB connection used for the candidate self-join.
    """
    df = frame.reset_index(drop=True).copy()
    df["idx"] = np.arange(len(df), dtype=np.int64)
    day = pd.to_datetime(df["date"], errors="coerce")
    df["day"] = (day - pd.Timestamp("1970-01-01")).dt.days.astype("float64")
    usable = df["type"].notna() & df["day"].notna()
    con.register(
        "_pk_dd",
        df.loc[
            usable, ["idx", "type", "day", "actor_codes", "target_codes", "lat", "lon", "country"]
        ],
    )
    try:
        window = 2 * days
        reach = 2 * km
        edges = con.execute(
            f"""WITH c AS (
                  SELECT DISTINCT idx, type, day, lat, lon, country,
                         unnest(list_distinct(list_concat(actor_codes, target_codes))) AS code
                  FROM _pk_dd)
                SELECT DISTINCT a.idx AS i, b.idx AS j
                FROM c a JOIN c b
                  ON a.type = b.type AND a.code = b.code AND a.idx < b.idx
                 AND b.day BETWEEN a.day - {window} AND a.day + {window}
                WHERE CASE WHEN a.lat IS NOT NULL AND b.lat IS NOT NULL
                                AND a.lon IS NOT NULL AND b.lon IS NOT NULL
                           THEN 2 * {EARTH_KM} * asin(sqrt(least(1.0,
                                  pow(sin(radians(b.lat - a.lat) / 2), 2)
                                  + cos(radians(a.lat)) * cos(radians(b.lat))
                                    * pow(sin(radians(b.lon - a.lon) / 2), 2)))) <= {reach}
                           ELSE a.country IS NULL OR b.country IS NULL
                                OR a.country = b.country END"""
        ).fetchnumpy()
    finally:
        con.unregister("_pk_dd")
    n = len(df)
    labels = np.arange(n, dtype=np.int64)  # singletons by default
    if len(edges["i"]):
        graph = coo_matrix(
            (np.ones(len(edges["i"]), dtype=np.int8), (edges["i"], edges["j"])), shape=(n, n)
        )
        _, comp = connected_components(graph, directed=False)
        sizes = np.bincount(comp)
        next_label = n
        big = np.flatnonzero(sizes > 1)
        members = pd.Series(np.arange(n)).groupby(comp).indices
        for c in big:
            idx = np.asarray(members[c])
            group = df.iloc[idx]
            if len(idx) > max_group:
                lab = _greedy(group, days, km, max_group)
            else:
                lab = cluster_group(group, days, km)
            labels[idx] = lab + next_label
            next_label += int(lab.max()) + 1
    ids = df["event_id"].to_numpy(dtype=object)
    rep = pd.Series(ids).groupby(labels).transform("min")
    return pd.Series(rep.to_numpy(), index=frame.index, name="cluster_id")


def dedupe_store(
    store: Store,
    *,
    days: float = 1.0,
    km: float = 10.0,
    since: str | None = None,
    until: str | None = None,
    datasets: list[str] | None = None,
) -> dict[str, Any]:
    """Recompute clusters for the events in the window (all by default) and store them.

    Sets ``cluster_id`` and ``mentions`` on every selected event and rewrites their rows in
    ``event_sources``, in one transaction. Returns ``{"events", "clusters", "merged", "seconds"}``.
    """
    t0 = time.perf_counter()
    con = store.connection
    where, params = date_window(since, until)
    if datasets is not None:
        where.append("coalesce(dataset, origin) IN (SELECT unnest(?::VARCHAR[]))")
        params.append(list(datasets))
    cond = f" WHERE {' AND '.join(where)}" if where else ""
    frame = con.execute(
        "SELECT event_id, type, date, actor_codes, target_codes, lat, lon, country FROM events"
        + cond,
        params,
    ).df()
    frame["actor_codes"] = frame["actor_codes"].map(lambda v: list(v) if v is not None else [])
    frame["target_codes"] = frame["target_codes"].map(lambda v: list(v) if v is not None else [])
    cluster = cluster_events(frame, con, days=days, km=km)
    result = pd.DataFrame({"event_id": frame["event_id"], "cluster_id": cluster.to_numpy()})
    result["mentions"] = result.groupby("cluster_id")["event_id"].transform("size").astype("int32")
    con.register("_pk_clusters", result)
    try:
        with store.transaction():
            con.execute(
                """UPDATE events SET cluster_id = c.cluster_id, mentions = c.mentions
                   FROM _pk_clusters c WHERE events.event_id = c.event_id"""
            )
            con.execute(
                "DELETE FROM event_sources WHERE event_id IN (SELECT event_id FROM _pk_clusters)"
            )
            con.execute(
                """INSERT INTO event_sources
                   SELECT e.event_id, c.cluster_id, e.origin, e.dataset, e.row_id, e.doc_id,
                          coalesce(d.source, e.dataset)
                   FROM _pk_clusters c JOIN events e ON e.event_id = c.event_id
                   LEFT JOIN documents d ON d.doc_id = e.doc_id"""
            )
    finally:
        con.unregister("_pk_clusters")
    n_clusters = int(result["cluster_id"].nunique())
    return {
        "events": len(result),
        "clusters": n_clusters,
        "merged": len(result) - n_clusters,
        "seconds": round(time.perf_counter() - t0, 3),
    }
