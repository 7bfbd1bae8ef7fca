"""``Settings``: the whole validated configuration, and the questions the rest of the code asks it.

Checks that span sections (a path rule naming an instance, discovery's target) live in
``references``; ``Settings`` runs them once, as its last validation step, and raises them
as one error that carries each problem with its own path (the loader reports each).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, Self, cast, get_args

from pydantic import Field, PrivateAttr, ValidationInfo, field_validator, model_validator
from pydantic_core import PydanticCustomError

from arrkestra.config.models import references
from arrkestra.config.models.base import ConfigModel, config_error, overlay
from arrkestra.config.models.discovery import DiscoverySettings
from arrkestra.config.models.pipelines import (
    CatchupSettings,
    CleanupSettings,
    MirrorSettings,
    PipelineSettings,
    ReconcileSettings,
    RetrySettings,
)
from arrkestra.config.models.platform import (
    LoggingSettings,
    NotificationSettings,
    QueueSettings,
    ServerSettings,
    StorageSettings,
)
from arrkestra.config.models.scalars import InstanceName
from arrkestra.config.models.secrets import secrets_in
from arrkestra.config.models.sources import Provenance, Source
from arrkestra.config.models.upstreams import (
    ArrInstance,
    EmbySettings,
    JellyfinSettings,
    MediaServerSettings,
    OverseerrSettings,
    PlexSettings,
    named_servers,
)
from arrkestra.core.errors import ConfigProblem
from arrkestra.core.instances import InstanceRef
from arrkestra.core.job_kinds.server_update import ServerKind
from arrkestra.core.redact import Redactor, redact_value
from arrkestra.core.retry import RetryPolicy

PipelineName = Literal["cleanup", "mirror", "catchup", "reconcile", "discovery"]
PIPELINES: tuple[PipelineName, ...] = get_args(PipelineName)
InstanceKind = Literal["sonarr", "radarr"]
CROSS_SECTION = "cross_section"
"""The error type of the checks across sections; its ``ctx["problems"]`` lists them."""
FAILED_SECTIONS = "arrkestra.failed_sections"
"""Validation-context key: sections that failed on their own (left out of this
validation), so the references into them are not judged against their defaults."""


class Settings(ConfigModel):
    """The configuration. Built by ``load_settings``; ``Settings()`` is the all-defaults one."""

    server: ServerSettings = Field(default_factory=ServerSettings)
    queue: QueueSettings = Field(default_factory=QueueSettings)
    storage: StorageSettings = Field(default_factory=StorageSettings)
    logging: LoggingSettings = Field(default_factory=LoggingSettings)
    dry_run: bool = False
    retry: RetrySettings = Field(default_factory=RetrySettings)
    sonarr: dict[InstanceName, ArrInstance] = Field(default_factory=dict)
    radarr: dict[InstanceName, ArrInstance] = Field(default_factory=dict)
    overseerr: OverseerrSettings | None = None
    plex: PlexSettings | None = None
    jellyfin: dict[InstanceName, JellyfinSettings] = Field(default_factory=dict)
    emby: dict[InstanceName, EmbySettings] = Field(default_factory=dict)
    notifications: NotificationSettings = Field(default_factory=NotificationSettings)
    cleanup: CleanupSettings = Field(default_factory=CleanupSettings)
    mirror: MirrorSettings = Field(default_factory=MirrorSettings)
    catchup: CatchupSettings = Field(default_factory=CatchupSettings)
    reconcile: ReconcileSettings = Field(default_factory=ReconcileSettings)
    discovery: DiscoverySettings = Field(default_factory=DiscoverySettings)

    _load_notes: tuple[ConfigProblem, ...] = PrivateAttr(default=())
    _sources: Provenance = PrivateAttr(default_factory=Provenance)

    @field_validator("sonarr", "radarr")
    @classmethod
    def _at_most_one_default(
        cls, instances: dict[str, ArrInstance], info: ValidationInfo
    ) -> dict[str, ArrInstance]:
        marked = [f"{info.field_name}.{name}" for name, i in instances.items() if i.default]
        if len(marked) > 1:
            hint = f"the default receives /webhook/{info.field_name}; keep default: true on one"
            raise config_error("defaults", f"{', '.join(marked)} are all marked default", hint)
        return instances

    @field_validator("jellyfin", "emby", mode="before")
    @classmethod
    def _one_or_named(cls, value: object) -> object:
        return named_servers(value)

    @model_validator(mode="after")
    def _cross_sections(self, info: ValidationInfo) -> Self:
        failed = frozenset((info.context or {}).get(FAILED_SECTIONS, ()))
        problems = self.reference_problems(failed)
        if problems:
            message = "; ".join(p.render() for p in problems)
            raise PydanticCustomError(
                CROSS_SECTION, "{message}", {"message": message, "problems": problems}
            )
        return self

    def reference_problems(self, failed: frozenset[str] = frozenset()) -> list[ConfigProblem]:
        """Every reference between sections that does not hold, leaving out checks that read
        a section in ``failed`` (they would only repeat its failure, more confusingly)."""
        problems: list[ConfigProblem] = []
        if "mirror" not in failed:
            problems += references.duplicate_arr_paths(self.mirror)
            if not {"sonarr", "radarr"} & failed:
                configured = [f"sonarr.{n}" for n in self.instances("sonarr")]
                configured += [f"radarr.{n}" for n in self.instances("radarr")]
                problems += references.unknown_path_instances(self.mirror, configured)
        if not {"discovery", "sonarr"} & failed and self.discovery.enabled:
            default = self.default_instance("sonarr")
            with_url = [name for name, i in self.sonarr.items() if i.url is not None]
            problems += references.discovery_targets(
                self.discovery, list(self.sonarr), default, with_url
            )
        return problems

    def instances(self, kind: InstanceKind) -> dict[str, ArrInstance]:
        """The instances of ``kind`` webhooks can come from: the configured ones, or, when
        none is configured, the implied webhook-only ``default`` (ArrSync and sync-webhook
        needed no instance: a webhook carries everything cleanup and mirror need).

        ``self.sonarr``/``self.radarr`` are the configured ones only. Not to be modified.
        """
        configured = self.sonarr if kind == "sonarr" else self.radarr
        return configured or _IMPLIED

    def media_servers(self, kind: ServerKind) -> Mapping[str, MediaServerSettings]:
        """The configured Jellyfin or Emby servers by name (``default`` for a single one)."""
        return self.jellyfin if kind == "jellyfin" else self.emby

    def implied(self, kind: InstanceKind, name: str) -> bool:
        """Whether ``kind.name`` is the implied default rather than a configured instance."""
        return not (self.sonarr if kind == "sonarr" else self.radarr) and name in _IMPLIED

    def default_instance(self, kind: InstanceKind) -> str | None:
        """The instance behind /webhook/KIND: the one marked default, else the only one."""
        instances = self.instances(kind)
        marked = [name for name, instance in instances.items() if instance.default]
        if marked:
            return marked[0]
        return next(iter(instances)) if len(instances) == 1 else None

    def instance_ref(self, kind: InstanceKind, name: str) -> InstanceRef | None:
        """What routing needs to know about one configured instance (``None``: not configured)."""
        instance = self.instances(kind).get(name)
        if instance is None:
            return None
        return InstanceRef(
            kind,
            name,
            is_4k=instance.is_4k,
            cleanup=instance.cleanup,
            mirror=instance.mirror,
            cleanup_only_when_files_deleted=self.cleanup.only_when_files_deleted,
            mirror_deletes=self.mirror.propagate_deletes,
            mirror_renames=self.mirror.propagate_renames,
        )

    def pipeline(self, name: str) -> PipelineSettings:
        if name not in PIPELINES:
            raise ValueError(f"unknown pipeline {name!r}; pipelines are {', '.join(PIPELINES)}")
        return cast(PipelineSettings, getattr(self, name))

    def pipeline_dry_run(self, name: str) -> bool:
        own = self.pipeline(name).dry_run
        return self.dry_run if own is None else own

    def any_dry_run(self) -> bool:
        """Whether any pipeline runs dry (the global switch, or a pipeline's own)."""
        return self.dry_run or any(self.pipeline_dry_run(name) for name in PIPELINES)

    def retry_policy(self, name: str) -> RetryPolicy:
        """The global ``retry`` with the keys the pipeline's own ``retry`` sets on top."""
        own = self.pipeline(name).retry
        merged = self.retry if own is None else overlay(self.retry, own)
        return merged.policy()

    def secret_values(self) -> list[str]:
        """Every configured secret (keys, tokens, passwords, notification URLs), for a Redactor."""
        return sorted(set(secrets_in(self)))

    def redactor(self) -> Redactor:
        return Redactor.of(self.secret_values())

    def redacted(self) -> dict[str, Any]:
        """The whole config as JSON-safe data, secrets as ``***``, URLs passed through Redactor."""
        return cast(dict[str, Any], redact_value(self.model_dump(mode="json"), self.redactor()))

    @property
    def load_notes(self) -> tuple[ConfigProblem, ...]:
        """What the loader noticed but did not refuse (e.g. an old variable it had to ignore)."""
        return self._load_notes

    def with_load_notes(self, notes: tuple[ConfigProblem, ...]) -> Settings:
        copy = self.model_copy()
        copy._load_notes = notes
        return copy

    @property
    def sources(self) -> Provenance:
        """Where each leaf value came from, by dotted path (``server.port``,
        ``mirror.paths[0].source``); empty for settings the loader did not build."""
        return self._sources

    def with_sources(self, sources: Mapping[str, Source]) -> Settings:
        copy = self.model_copy()
        copy._sources = Provenance(sources)
        return copy


IMPLIED_NAME = "default"
_IMPLIED: dict[str, ArrInstance] = {IMPLIED_NAME: ArrInstance()}
"""The implied instance of a kind with none configured: webhook-only, unauthenticated unless
``WEBHOOK_SECRET`` made it a configured one (``sonarr.default.webhook.secret``)."""
