"""ontology stage: PLOVER v0.8 types, modes and contexts; CAMEO, ACLED and CASE 2021 maps.

All facts live in data files under ``data/`` (see ``data/README.md``); ``load_ontology()``
reads them once and returns an immutable :class:`Ontology`.
"""

from powderkeg.ontology.loader import (
    AcledSubType,
    CameoCode,
    EventType,
    Mode,
    Ontology,
    OntologyError,
    load_ontology,
)

__all__ = [
    "AcledSubType",
    "CameoCode",
    "EventType",
    "Mode",
    "Ontology",
    "OntologyError",
    "load_ontology",
]
