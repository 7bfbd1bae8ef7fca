"""Checks that need more than one section: references between sections and duplicates in lists.

``Settings`` runs them once, as its last validation step; each problem carries its exact
path (``mirror.paths[2].instances[0]``) and the loader reports each on its own. Each
check takes the sections it reads, nothing more.
"""

from __future__ import annotations

import difflib

from arrkestra.config.models.discovery import DiscoverySettings, DiscoveryTarget
from arrkestra.config.models.pipelines import MirrorSettings
from arrkestra.core.errors import ConfigProblem


def _choices_hint(name: str, configured: list[str]) -> str:
    if not configured:
        return "no instance of that kind is configured"
    close = difflib.get_close_matches(name, configured, n=1)
    prefix = f"did you mean {close[0]}? " if close else ""
    return f"{prefix}configured: {', '.join(configured)}"


def duplicate_arr_paths(mirror: MirrorSettings) -> list[ConfigProblem]:
    """Each ``mirror.paths`` arr_path has one rule."""
    problems = []
    seen: dict[str, int] = {}
    for index, rule in enumerate(mirror.paths):
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


def unknown_path_instances(mirror: MirrorSettings, configured: list[str]) -> list[ConfigProblem]:
    """The instances a path rule names (``radarr.hd``) are ``configured``."""
    problems = []
    for index, rule in enumerate(mirror.paths):
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


def discovery_targets(
    discovery: DiscoverySettings,
    sonarr: list[str],
    default_sonarr: str | None,
    with_url: list[str] | None = None,
) -> list[ConfigProblem]:
    """Each rule's target names a configured Sonarr instance (or there is a default one)
    and has what adding a show needs."""
    problems = []
    for index, rule in enumerate(discovery.effective_rules()):
        if discovery.rules is None:
            where = "discovery.target"
        else:
            where = f"discovery.rules[{index}].target"
        problems += _target_instance(
            rule.target, where, sonarr, default_sonarr, sonarr if with_url is None else with_url
        )
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
    target: DiscoveryTarget, where: str, names: list[str], default: str | None, with_url: list[str]
) -> list[ConfigProblem]:
    """The target names a configured Sonarr instance with a url, or there is a default one."""
    instance = target.instance or default
    if instance in with_url:
        return []
    if instance in names:
        message = f"sonarr.{instance} has no url: discovery adds shows through Sonarr's API"
        return [ConfigProblem(f"sonarr.{instance}.url", message, "set it (or SONARR_URL)")]
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
