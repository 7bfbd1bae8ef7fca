"""ArrSync's ``.env``: the loader's alias table maps all of it but one variable.

``DRY_RUN`` is shared with TVMaze-Sync, so its alias is the global dry run. ArrSync's dry
run held back only its own deletions: migrating from ArrSync's file, it becomes
``cleanup.dry_run``, and the mirror and discovery keep running for real.
"""

from __future__ import annotations

from collections.abc import Sequence

from arrkestra.config.loading.aliases import ARRSYNC
from arrkestra.config.migration.alias_mapping import as_boolean, fill_variable
from arrkestra.config.migration.draft import Draft
from arrkestra.config.migration.variables import Variable

TOOL = ARRSYNC
PIPELINE = "cleanup"


def apply(draft: Draft, variables: Sequence[Variable]) -> set[Variable]:
    """ArrSync's own meaning of its variables; returns those used."""
    used: set[Variable] = set()
    for variable in variables:
        if variable.tool == TOOL and variable.name == "DRY_RUN":
            pipeline_dry_run(draft, variable, PIPELINE, "ArrSync's dry run held back its deletions")
            used.add(variable)
    return used


def pipeline_dry_run(draft: Draft, variable: Variable, pipeline: str, why: str) -> None:
    """An old tool's ``DRY_RUN``: that tool's pipeline only."""
    value = as_boolean(variable.text)
    if value is None and not variable.verbatim:
        draft.not_mapped(variable.key, "invalid: not true or false", variable.source)
        return
    fill_variable(draft, variable, (pipeline, "dry_run"), value, why)
