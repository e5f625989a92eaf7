"""Reading the project's YAML data files (and users' copies of them) with one error style."""

from __future__ import annotations

from typing import Any

import yaml

from powderkeg.errors import InputError

#: The C loader when PyYAML was built with libyaml (several times faster), else the pure one.
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def parse_yaml(text: str, source: str, *, error: type[InputError] = InputError) -> Any:
    """The YAML document in ``text``; on a syntax error, ``error(source, reason)`` naming the
    line and the problem, never a traceback."""
    try:
        return yaml.load(text, Loader=SAFE_LOADER)  # noqa: S506 - a safe loader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise error(source, f"not valid YAML{where}: {problem}") from None
