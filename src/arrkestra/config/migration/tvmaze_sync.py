"""TVMaze-Sync's ``config.yaml``: its keys are the variables TVMaze-Sync reads as overrides
(``variables.config_variables``), so the alias table maps most of them. Here is what it
means differently inside arrkestra:

- its ``sonarr`` section is the Sonarr instance discovery adds to: an instance already
  configured with the same URL, else ``sonarr.default`` (``sonarr.tvmaze`` when that name
  is taken), named in ``discovery.target.instance``;
- ``dry_run`` held back only its additions: ``discovery.dry_run``;
- ``server.enabled``: arrkestra's server always runs (webhooks and the API need it).

``${VAR}`` references stay references; a secret written inline becomes ``${VAR}`` of the
variable TVMaze-Sync would have read it from, and the report says to set it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from arrkestra.config.loading.aliases import TVMAZE_SYNC
from arrkestra.config.migration.alias_mapping import fill_variable
from arrkestra.config.migration.arrsync import pipeline_dry_run
from arrkestra.config.migration.draft import Draft
from arrkestra.config.migration.report import Kind
from arrkestra.config.migration.variables import Variable

TOOL = TVMAZE_SYNC
PIPELINE = "discovery"
INSTANCE_KEYS = {"SONARR_URL": "url", "SONARR_API_KEY": "api_key"}
NOT_MAPPED = {
    "SERVER_ENABLED": "arrkestra's server always runs: webhooks, /health and the API need it",
}
_REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def apply(
    draft: Draft, variables: Sequence[Variable], environment: Mapping[str, str]
) -> set[Variable]:
    """The Sonarr instance, the dry run and what does not apply; returns those used.

    ``environment``: the old ``.env`` files' values, to tell whether ``${SONARR_URL}`` is
    an instance already configured.
    """
    mine = [v for v in variables if v.tool == TOOL]
    instance = [v for v in mine if v.name in INSTANCE_KEYS and v.key != v.name]  # config.yaml
    used: set[Variable] = set(instance)
    if instance:
        _sonarr_instance(draft, instance, environment)
    for variable in mine:
        if variable.name == "DRY_RUN":
            pipeline_dry_run(
                draft, variable, PIPELINE, "TVMaze-Sync's dry run held back its additions"
            )
            used.add(variable)
        elif variable.name in NOT_MAPPED:
            draft.not_mapped(variable.key, NOT_MAPPED[variable.name], variable.source)
            used.add(variable)
    if mine:
        draft.default(("discovery", "enabled"), True, why="TVMaze-Sync added shows: discovery does")
    return used


def _sonarr_instance(
    draft: Draft, instance: Sequence[Variable], environment: Mapping[str, str]
) -> None:
    """Its ``sonarr:`` url and api_key: on the instance with that URL, else a new one."""
    name = _instance_name(draft, instance, environment)
    configured = draft.get(("sonarr",)) or {}
    others = [] if name in configured else list(configured)
    for variable in instance:
        if name in configured and variable.name == "SONARR_URL":
            new = f"sonarr.{name}.url"
            draft.report.add(Kind.MAPPED, variable.key, new, variable.source, "the same server")
            continue
        loc = ("sonarr", name, INSTANCE_KEYS[variable.name])
        fill_variable(draft, variable, loc, variable.text)
    maybe_same = (
        f"; if it is the same server as sonarr.{others[0]}, name that one here and remove "
        f"sonarr.{name}"
        if others
        else ""
    )
    draft.default(
        ("discovery", "target", "instance"),
        name,
        why=f"the Sonarr instance of TVMaze-Sync's config.yaml{maybe_same}",
    )


def _instance_name(
    draft: Draft, instance: Sequence[Variable], environment: Mapping[str, str]
) -> str:
    """An instance already configured with the same URL, else ``default`` (or ``tvmaze``)."""
    url = next((v for v in instance if v.name == "SONARR_URL"), None)
    wanted = _resolved(url.text, environment) if url is not None else None
    configured = draft.get(("sonarr",)) or {}
    for name, settings in configured.items():
        if wanted and _resolved(str(settings.get("url") or ""), environment) == wanted:
            return str(name)
    return "tvmaze" if "default" in configured else "default"


def _resolved(text: str, environment: Mapping[str, str]) -> str:
    """A URL with ``${NAME}`` resolved from the old files, for comparison only."""
    return _REFERENCE.sub(lambda m: environment.get(m[1], m[0]), text).strip().rstrip("/").lower()
