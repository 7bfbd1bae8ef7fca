"""Checks that need more than one section: references between sections and duplicates in lists.

Each problem carries its exact path (``mirror.paths[2].instances[0]``). ``skip`` names
sections that failed their own validation: checks reading them would only repeat that
failure in a more confusing form.
"""

from __future__ import annotations

import difflib
from typing import TYPE_CHECKING

from arrkestra.core.errors import ConfigProblem

if TYPE_CHECKING:
    from arrkestra.config.models_discovery import DiscoveryTarget
    from arrkestra.config.settings import Settings


def cross_check(settings: Settings, skip: frozenset[str] = frozenset()) -> list[ConfigProblem]:
    problems: list[ConfigProblem] = []
    if "mirror" not in skip:
        problems += _duplicate_arr_paths(settings)
        if not {"sonarr", "radarr"} & skip:
            problems += _unknown_path_instances(settings)
    if not {"discovery", "sonarr"} & skip and settings.discovery.enabled:
        problems += _discovery_targets(settings)
    return problems


def _choices_hint(name: str, configured: list[str]) -> str:
    if not configured:
        return "no instance of that kind is configured"
    close = difflib.get_close_matches(name, configured, n=1)
    prefix = f"did you mean {close[0]}? " if close else ""
    return f"{prefix}configured: {', '.join(configured)}"


def _duplicate_arr_paths(settings: Settings) -> list[ConfigProblem]:
    problems = []
    seen: dict[str, int] = {}
    for index, rule in enumerate(settings.mirror.paths):
        key = rule.arr_path.rstrip("/\\") or rule.arr_path
        if key in seen:
            problems.append(
                ConfigProblem(
                    f"mirror.paths[{index}].arr_path",
                    f"{rule.arr_path} already has a rule (mirror.paths[{seen[key]}])",
                    "each arr_path needs exactly one rule: merge the two or remove one",
                )
            )
        seen.setdefault(key, index)
    return problems


def _unknown_path_instances(settings: Settings) -> list[ConfigProblem]:
    configured = [f"sonarr.{n}" for n in settings.sonarr] + [f"radarr.{n}" for n in settings.radarr]
    problems = []
    for index, rule in enumerate(settings.mirror.paths):
        for position, ref in enumerate(rule.instances or []):
            if ref not in configured:
                problems.append(
                    ConfigProblem(
                        f"mirror.paths[{index}].instances[{position}]",
                        f"{ref} is not a configured instance",
                        _choices_hint(ref, configured),
                    )
                )
    return problems


def _discovery_targets(settings: Settings) -> list[ConfigProblem]:
    problems = []
    for index, rule in enumerate(settings.discovery.effective_rules()):
        if settings.discovery.rules is None:
            where = "discovery.target"
        else:
            where = f"discovery.rules[{index}].target"
        problems += _target_instance(settings, rule.target, where)
        problems += [
            ConfigProblem(
                f"{where}.{key}",
                "required when discovery is enabled",
                f"as Sonarr names it, e.g. {key}: {example}",
            )
            for key, example in (("root_folder", "/tv"), ("quality_profile", "HD-1080p"))
            if getattr(rule.target, key) is None
        ]
    return problems


def _target_instance(
    settings: Settings, target: DiscoveryTarget, where: str
) -> list[ConfigProblem]:
    """The target names a configured Sonarr instance, or there is a default one."""
    names = list(settings.sonarr)
    instance = target.instance or settings.default_instance("sonarr")
    if instance in settings.sonarr:
        return []
    if instance is not None:
        message = f"sonarr.{instance} is not a configured instance"
        return [ConfigProblem(f"{where}.instance", message, _choices_hint(instance, names))]
    if not names:
        message = "discovery adds shows to Sonarr, but no sonarr instance is configured"
        hint = "add a sonarr: instance (or set SONARR_URL)"
    else:
        message = "several sonarr instances are configured and none is marked default"
        hint = f"name one: {where}.instance: {names[0]}"
    return [ConfigProblem(f"{where}.instance", message, hint)]
