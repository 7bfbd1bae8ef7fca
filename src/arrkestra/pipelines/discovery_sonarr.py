"""discovery's Sonarr side: validate each target at the start of a cycle, then add shows.

Validation reads, once per cycle and instance, what every add needs: the version (v3
takes a language profile, v4 does not), the existing series (a show Sonarr already has
costs no request), the import-list exclusions (honoured: such a show is ``skipped``)
and each rule's target resolved to ids (root folder, profiles, tags).

Adding, per accepted show: no TVDB id -> ``pending_tvdb`` (see :func:`waiting_for_tvdb`:
tried again every ``retry_delay``, abandoned as ``skipped`` ``abandon_after`` after the
first try, whatever TVMaze updates meanwhile); already in Sonarr -> ``exists``; else
lookup ``tvdb:<id>`` and add. Each outcome is written before the next show is tried, so
a restart never adds a show twice (and if the process dies between Sonarr's answer and
the write, Sonarr's "already been added" makes the retry an ``exists``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import httpx

from arrkestra.adapters.sonarr import (
    AddKind,
    ExistingSeries,
    ResolvedTarget,
    SonarrClient,
    SonarrStatus,
    TargetSpec,
)
from arrkestra.config import Settings
from arrkestra.config.models.discovery import DiscoveryTarget
from arrkestra.core.errors import PermanentError, TransientError, UpstreamAuthError
from arrkestra.core.redact import Redactor
from arrkestra.core.shows import ShowStatus
from arrkestra.store.shows import Outcome, ShowRow


@dataclass(frozen=True)
class Target:
    """One rule's destination: a Sonarr instance (``sonarr.hd``) and how to add there."""

    instance: str
    spec: TargetSpec


@dataclass
class InstanceView:
    """What one Sonarr instance looked like at the start of this cycle."""

    client: SonarrClient
    status: SonarrStatus
    tvdb_ids: set[int]
    tvmaze_ids: set[int]
    excluded: frozenset[int]


@dataclass
class SonarrView:
    instances: dict[str, InstanceView] = field(default_factory=dict)
    targets: list[ResolvedTarget] = field(default_factory=list)  # by rule index


def targets_of(settings: Settings) -> list[Target]:
    """Each discovery rule's target (by rule index), its instance defaulted."""
    default = settings.default_instance("sonarr") or next(iter(settings.sonarr), "")
    return [_target(rule.target, default) for rule in settings.discovery.effective_rules()]


def _target(target: DiscoveryTarget, default: str) -> Target:
    spec = TargetSpec(
        root_folder=target.root_folder,
        quality_profile=target.quality_profile,
        language_profile=target.language_profile,
        monitor=target.monitor,
        search_on_add=target.search_on_add,
        tags=tuple(target.tags),
        create_tags=target.create_tags,
    )
    return Target(f"sonarr.{target.instance or default}", spec)


def sonarr_clients(
    settings: Settings, http: httpx.AsyncClient, redactor: Redactor
) -> dict[str, SonarrClient]:
    """One client per Sonarr instance with a url, by qualified name (``sonarr.hd``)."""
    return {
        f"sonarr.{name}": SonarrClient(
            instance.url,
            instance.api_key.get_secret_value() if instance.api_key else "",
            client=http,
            instance=f"sonarr.{name}",
            redactor=redactor,
        )
        for name, instance in settings.sonarr.items()
        if instance.url is not None
    }


class ValidationFailed(Exception):
    """Sonarr can't take shows this cycle; the message says why (for /health)."""


async def _view(client: SonarrClient) -> InstanceView:
    status = await client.system_status()
    existing: ExistingSeries = await client.existing_series()
    excluded = await client.excluded_tvdb_ids(status)
    return InstanceView(client, status, set(existing.tvdb_ids), set(existing.tvmaze_ids), excluded)


async def validate(clients: Mapping[str, SonarrClient], targets: Sequence[Target]) -> SonarrView:
    """Read every instance the targets use and resolve each target, or say what is wrong."""
    view = SonarrView()
    try:
        for target in targets:
            if target.instance not in clients:
                raise ValidationFailed(f"{target.instance} is not a configured Sonarr instance")
            if target.instance not in view.instances:
                view.instances[target.instance] = await _view(clients[target.instance])
            instance = view.instances[target.instance]
            view.targets.append(await instance.client.resolve_target(target.spec, instance.status))
    except UpstreamAuthError as exc:
        raise ValidationFailed(f"Sonarr rejected the API key: {exc}") from None
    except TransientError as exc:
        raise ValidationFailed(f"Sonarr is unreachable: {exc}") from None
    except PermanentError as exc:
        raise ValidationFailed(f"Sonarr target invalid: {exc}") from None
    return view


def waiting_for_tvdb(
    row: ShowRow, *, now: float, retry_delay: float, abandon_after: float
) -> Outcome:
    """No TVDB id yet: try again later, or give up ``abandon_after`` after the first try.

    The retry clock is anchored to the first try: the k-th retry is due at ``first + k *
    retry_delay``, the last one at exactly ``first + abandon_after`` (so ``first`` is
    ``retry_after - min(k * retry_delay, abandon_after)`` with k = ``retry_count``; no
    column needed). A try before the retry is due (a TVMaze update made the show
    ``pending`` again) is an early extra look: it neither counts nor moves the clock. An
    abandoned show's count stays as it was (an update that reopens it is abandoned again
    at once while TVMaze still has no TVDB id).
    """
    waiting = "TVMaze has no TVDB id yet (Sonarr needs one)"
    count, due = row.retry_count, row.retry_after
    if due is not None and now < due:  # early: keep the schedule as it is
        return Outcome(ShowStatus.PENDING_TVDB, error=waiting, retry_after=due, retry_count=count)
    if count == 0 or due is None:
        count, first = 0, now
    else:
        first = due - min(count * retry_delay, abandon_after)
    if count > 0 and now - first >= abandon_after:
        return Outcome(  # the clock is kept: a reopened show is abandoned again at once
            ShowStatus.SKIPPED,
            error="abandoned: TVMaze has no TVDB id",
            retry_after=due,
            retry_count=count,
        )
    next_try = min(first + (count + 1) * retry_delay, first + abandon_after)  # may be past
    return Outcome(
        ShowStatus.PENDING_TVDB,
        error=waiting,
        retry_after=next_try,
        retry_count=count + 1,
    )


async def add_show(row: ShowRow, targets: Sequence[Target], view: SonarrView) -> Outcome:
    """Add one accepted show (that has a TVDB id) through its rule's target."""
    show, index = row.show, row.rule or 0
    instance = view.instances[targets[index].instance]
    tvdb = show.tvdb_id
    assert tvdb is not None
    if tvdb in instance.tvdb_ids or show.tvmaze_id in instance.tvmaze_ids:
        return Outcome(ShowStatus.EXISTS)
    if tvdb in instance.excluded:
        return Outcome(ShowStatus.SKIPPED, error="on Sonarr's import list exclusions")
    lookup = await instance.client.lookup_tvdb(tvdb)
    if lookup is None:
        return Outcome(ShowStatus.FAILED, error=f"Sonarr's lookup found nothing for tvdb:{tvdb}")
    if lookup.series_id is not None:
        instance.tvdb_ids.add(tvdb)
        return Outcome(ShowStatus.EXISTS, sonarr_series_id=lookup.series_id)
    outcome = await instance.client.add_series(lookup, view.targets[index])
    if outcome.kind is AddKind.FAILED:
        return Outcome(ShowStatus.FAILED, error=outcome.detail or "Sonarr refused the series")
    instance.tvdb_ids.add(tvdb)  # a second TVMaze entry with this TVDB id is an ``exists``
    status = ShowStatus.ADDED if outcome.kind is AddKind.ADDED else ShowStatus.EXISTS
    return Outcome(status, sonarr_series_id=outcome.series_id)
