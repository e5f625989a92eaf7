"""simulate stage: Monte Carlo of linked escalation ladders over a scenario file.

- :func:`simulate`: the contract's Simulation JSON (``powderkeg simulate``).
- :func:`compare`: one outcome under two sets of ``--set`` overrides, with an interval for the
  difference (the what-if pair in reports).
- :func:`list_scenarios`: the scenarios bundled in the package.
- :func:`load`: read, override and validate a scenario (pydantic; errors name the field).
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from powderkeg.simulate.run import compare, simulate
from powderkeg.simulate.scenario import Scenario, load


def list_scenarios() -> list[Path]:
    """Paths of the scenario files bundled in the package."""
    root = resources.files("powderkeg.simulate").joinpath("scenarios")
    return sorted(Path(str(p)) for p in root.iterdir() if str(p).endswith((".yaml", ".yml")))


__all__ = ["Scenario", "compare", "list_scenarios", "load", "simulate"]
