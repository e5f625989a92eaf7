"""Actors: states, IGOs, sub-state entities, groups and persons found in text.

``load_registry(extra_paths=())`` returns an :class:`ActorRegistry` built from the package's data
files (plus user files, later ones win); ``find(text, date=None)`` gives
:class:`ActorMention` items (``start``, ``end``, ``actor``: :class:`powderkeg.types.Actor`),
``resolve(name, date=None)`` one actor or None, ``get(code)`` the canonical actor of a code and
``names(code)`` its surface forms. See :mod:`powderkeg.actors.registry` for the rules.
"""

from powderkeg.actors._load import UNKNOWN, Office, Person
from powderkeg.actors.registry import (
    DATA_DIR,
    DATA_FILES,
    ActorMention,
    ActorRegistry,
    load_registry,
)

__all__ = [
    "DATA_DIR",
    "DATA_FILES",
    "UNKNOWN",
    "ActorMention",
    "ActorRegistry",
    "Office",
    "Person",
    "load_registry",
]
