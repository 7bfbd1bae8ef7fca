"""From the old tools' files to one arrkestra config, in a fixed order.

1. the structure: ``mirror.paths`` from sync-webhook's ``PATH_MAPPINGS`` (or its README's
   table), its numbered instances, TVMaze-Sync's Sonarr instance;
2. each tool's own meaning of a shared variable (``DRY_RUN``);
3. the loader's alias table, in its order (so ``PORT`` wins over ``SYNC_WEBHOOK_PORT``,
   ``LOG_LEVEL`` over ``LOGGING_LEVEL``: the loader decides the same way);
4. what the alias table does not know, and everything left: *not mapped*, with why;
5. the pipelines of the migrated tools enabled, the others off; a default instance when
   a kind has several; and for each documented old setting nobody gave, arrkestra's
   default (*defaulted*).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import BaseModel, SecretStr

from arrkestra.config.loading.aliases import ALIASES, ARRSYNC, SYNC_WEBHOOK, TVMAZE_SYNC, loc_of
from arrkestra.config.migration import arrsync, sync_webhook, tvmaze_sync
from arrkestra.config.migration.alias_mapping import apply_aliases
from arrkestra.config.migration.draft import Draft, shown, unset
from arrkestra.config.migration.legacy_files import EnvFile, LegacyFile, PathMappings, TvmazeConfig
from arrkestra.config.migration.report import Kind, Report
from arrkestra.config.migration.variables import (
    Variable,
    config_variables,
    env_variables,
    tool_variables,
)
from arrkestra.config.models.fieldtree import model_class
from arrkestra.config.models.settings import Settings

PIPELINES_OF = {
    ARRSYNC: ("cleanup",),
    SYNC_WEBHOOK: ("mirror", "catchup", "reconcile"),
}


@dataclass(frozen=True)
class Migration:
    """The new config (plain data, ``${NAME}`` for secrets), and the report on it."""

    data: dict[str, Any]
    report: Report
    tools: tuple[str, ...]
    environment: dict[str, str]  # the old environment files' values, first file wins


def build_config(files: Sequence[LegacyFile]) -> Migration:
    draft = Draft()
    envs = [f for f in files if isinstance(f, EnvFile)]
    mappings = [f for f in files if isinstance(f, PathMappings)]
    variables: list[Variable] = []
    for env in envs:
        variables += env_variables(env.values, env.tools, env.path.name)
        for problem in env.problems:
            draft.not_mapped(problem, "skipped", env.path.name)
    for config in (f for f in files if isinstance(f, TvmazeConfig)):
        variables += config_variables(config.data, config.path.name)
    tools = _tools(files)
    environment: dict[str, str] = {}
    for env in envs:
        environment = {**env.values, **environment}

    used = sync_webhook.apply_paths(draft, mappings, variables)
    used |= sync_webhook.apply_instances(draft, variables)
    used |= tvmaze_sync.apply(draft, variables, environment)
    used |= arrsync.apply(draft, variables)
    used |= apply_aliases(draft, [v for v in variables if v not in used])
    used |= sync_webhook.apply_extras(draft, [v for v in variables if v not in used])
    for variable in variables:
        if variable not in used:
            draft.not_mapped(variable.key, _unknown(variable), variable.source)

    _pipelines(draft, tools, variables)
    _default_instances(draft)
    _defaulted(draft, tools, {v.name for v in variables})
    return Migration(draft.data, draft.report, tools, environment)


def _tools(files: Sequence[LegacyFile]) -> tuple[str, ...]:
    found: list[str] = []
    for file in files:
        if isinstance(file, EnvFile):
            found += file.tools
        elif isinstance(file, PathMappings):
            found.append(SYNC_WEBHOOK)
        elif isinstance(file, TvmazeConfig):
            found.append(TVMAZE_SYNC)
    return tuple(t for t in (ARRSYNC, SYNC_WEBHOOK, TVMAZE_SYNC) if t in found)


def _unknown(variable: Variable) -> str:
    if variable.name in tool_variables(variable.tool):
        return "arrkestra has no setting for it"
    if variable.key != variable.name:
        return f"not a {variable.tool} setting arrkestra knows (no variable {variable.name})"
    return f"unknown: not a variable of {variable.tool}"


def _pipelines(draft: Draft, tools: tuple[str, ...], variables: Sequence[Variable]) -> None:
    for tool, pipelines in PIPELINES_OF.items():
        for pipeline in pipelines:
            on = tool in tools
            why = f"{tool}'s job" if on else f"{tool} is not being migrated"
            draft.default((pipeline, "enabled"), on, why=why)
    if any(v.name == "DRY_RUN" for v in variables) and unset(draft.get(("dry_run",))):
        draft.default(
            ("dry_run",),
            False,
            why="DRY_RUN was its tool's own dry run (see above); written so a DRY_RUN left in "
            "the environment does not turn every pipeline's on",
        )


def _default_instances(draft: Draft) -> None:
    """With several instances of a kind, one is behind the old tools' URLs."""
    for kind in ("sonarr", "radarr"):
        instances = draft.get((kind,)) or {}
        if len(instances) < 2 or any(i.get("default") for i in instances.values()):
            continue
        name = next((n for n in ("hd", "default") if n in instances), next(iter(instances)))
        draft.default(
            (kind, name, "default"),
            True,
            why=f"the instance behind /webhook/{kind} and /sync/{kind} (the old tools' URLs); "
            f"point each other instance's webhook at /webhook/{kind}/NAME",
        )


def _defaulted(draft: Draft, tools: tuple[str, ...], given: set[str]) -> None:
    """Each documented setting of a migrated tool that no file gave: arrkestra's default."""
    defaults = Settings()
    for alias in ALIASES:
        if not any(tool in alias.tool for tool in tools) or given & set(alias.names):
            continue
        targets = [loc_of(part) for part in alias.target.split(", ")]
        if any(not unset(draft.get(loc)) for loc in targets):
            continue  # another old setting filled it
        said = ", ".join(
            f"{'.'.join(map(str, loc))} = {_default_of(defaults, loc)}" for loc in targets
        )
        draft.report.add(Kind.DEFAULTED, " / ".join(alias.names), said, "", "arrkestra's default")


def _default_of(settings: Settings, loc: tuple[str | int, ...]) -> str:
    """The value arrkestra uses at ``loc`` when nothing sets it, as the report prints it.

    An optional section that is off by default (``overseerr``) shows its keys' defaults.
    """
    value: Any = settings
    for key in loc:
        fields = type(value).model_fields if isinstance(value, BaseModel) else {}
        if not isinstance(key, str) or key not in fields:
            return "not set"
        value = getattr(value, key, None)  # a required key of a constructed section
        section = model_class(fields[key].annotation)
        if value is None and section is not None:
            value = section.model_construct()
    if value is None or isinstance(value, SecretStr | BaseModel):
        return "not set"
    if isinstance(value, float):
        return f"{value:g}s"
    if isinstance(value, date | Path):
        return str(value)
    return shown(value)
