"""Loading: file -> ``${}`` substitution -> ``ARRKESTRA_*`` overrides -> old tools' aliases ->
validation (the checks across sections are its last step), with every problem of every
stage reported at once.

Precedence follows from the order: overrides replace file values, aliases only fill what is
still unset, pydantic defaults fill the rest.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from arrkestra.config.loading.environment import CONFIG_VARIABLE, env_overrides
from arrkestra.config.loading.legacy import AliasResult, apply_aliases
from arrkestra.config.loading.problems import redact_problems, under_any, validation_problems
from arrkestra.config.loading.provenance import sources_of
from arrkestra.config.loading.substitution import EnvLookup, Substitution, read_error
from arrkestra.config.models.fieldtree import Loc
from arrkestra.config.models.secrets import raw_secrets
from arrkestra.config.models.settings import FAILED_SECTIONS, Settings
from arrkestra.core.errors import ConfigError, ConfigProblem

DEFAULT_CONFIG = Path("arrkestra.yaml")


def resolve_config_path(cli_path: Path | None, environ: Mapping[str, str]) -> tuple[Path, bool]:
    """``(path, explicitly_chosen)``: ``--config`` wins, then ``ARRKESTRA_CONFIG``, else
    ``./arrkestra.yaml``, which may be missing (the daemon runs on defaults and environment)."""
    if cli_path is not None:
        return cli_path, True
    chosen = environ.get(CONFIG_VARIABLE)
    if chosen:
        return Path(chosen), True
    return DEFAULT_CONFIG, False


def load_settings(path: Path | None, environ: Mapping[str, str]) -> Settings:
    """The validated settings, or ``ConfigError`` listing every problem (secrets masked)."""
    explicit = True
    if path is None:
        path, explicit = resolve_config_path(None, environ)
    return settings_from_data(read_config_file(path, explicit=explicit), environ)


def read_config_file(path: Path, *, explicit: bool) -> dict[str, Any]:
    """The file's top-level mapping; ``{}`` for a missing default file or an empty one."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        if not explicit:
            return {}
        hint = "check the --config option or ARRKESTRA_CONFIG"
        raise ConfigError([ConfigProblem("", f"config file {path} does not exist", hint)]) from None
    except (OSError, UnicodeDecodeError) as exc:
        problem = ConfigProblem("", f"cannot read config file {path}: {read_error(exc)}", "")
        raise ConfigError([problem]) from None
    from arrkestra.config.loading.yaml_file import parse_yaml  # only when there is a file

    data = parse_yaml(text, path)
    if data is None:
        return {}
    if not isinstance(data, dict):
        hint = "start with sections such as server:, sonarr:, mirror:"
        problem = ConfigProblem("", f"{path} must contain a mapping at the top level", hint)
        raise ConfigError([problem])
    return data


def settings_from_data(raw: Mapping[str, Any], environ: Mapping[str, str]) -> Settings:
    """Everything after reading the file: also the way to build settings from a dict in tests."""
    env = EnvLookup(environ)
    substitution = Substitution(env)
    data = substitution.apply(dict(raw))
    overrides = env_overrides(Settings, environ)
    aliased = apply_aliases(deep_merge(data, overrides.data), env, frozenset(substitution.names))
    problems = substitution.problems + overrides.problems + aliased.problems
    settings, found = _validate(aliased, {**aliased.sources, **overrides.sources})
    seen = [p.path for p in problems]
    problems += [p for p in found if not under_any(p.path, seen)]
    if problems or settings is None:
        secrets = list(raw_secrets(Settings, aliased.data))
        raise ConfigError(redact_problems(problems, secrets))
    sources = sources_of(
        settings.model_dump(mode="json"),
        raw,
        (overrides.data, overrides.sources),
        aliased.sources,
    )
    return settings.with_load_notes(tuple(aliased.notes)).with_sources(sources)


def deep_merge(base: Mapping[str, Any], top: Mapping[str, Any]) -> dict[str, Any]:
    """``top`` over ``base``: sections merge key by key, everything else is replaced."""
    merged = dict(base)
    for key, value in top.items():
        below = merged.get(key)
        if isinstance(value, dict) and isinstance(below, dict):
            value = deep_merge(below, value)
        merged[key] = value
    return merged


def _validate(
    aliased: AliasResult, sources: Mapping[Loc, str]
) -> tuple[Settings | None, list[ConfigProblem]]:
    """Validate (the checks across sections are its last step). When sections fail on
    their own, the references among the valid ones are still checked, so every problem is
    reported at once."""
    try:
        return Settings.model_validate(aliased.data), []
    except ValidationError as exc:
        problems = validation_problems(exc, Settings, sources)
        failed = {str(error["loc"][0]) for error in exc.errors() if error["loc"]}
    if not failed:
        return None, problems  # only references failed: each is reported already
    valid = {key: value for key, value in aliased.data.items() if key not in failed}
    try:
        Settings.model_validate(valid, context={FAILED_SECTIONS: failed})
    except ValidationError as exc:
        problems += validation_problems(exc, Settings, sources)
    return None, problems
