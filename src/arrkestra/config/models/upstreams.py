"""The outside systems arrkestra talks to: named Sonarr/Radarr instances, Overseerr, Plex."""

from __future__ import annotations

from typing import Self

from pydantic import Field, model_validator

from arrkestra.config.models.base import ConfigModel, config_error
from arrkestra.config.models.scalars import HeaderName, HttpUrl, OptionalSecret
from arrkestra.config.models.units import Duration


class WebhookAuth(ConfigModel):
    """How a Sonarr/Radarr instance proves its webhooks: a shared secret or HTTP Basic."""

    secret: OptionalSecret = None
    header: HeaderName = "X-Webhook-Secret"
    username: str | None = None
    password: OptionalSecret = None

    @model_validator(mode="after")
    def _username_and_password_together(self) -> Self:
        if (self.username is None) != (self.password is None):
            missing = "password" if self.password is None else "username"
            hint = "HTTP Basic needs both webhook.username and webhook.password"
            raise config_error("credentials", f"webhook {missing} is missing", hint)
        return self

    @property
    def configured(self) -> bool:
        """Whether incoming webhooks are checked at all."""
        return self.secret is not None or self.username is not None


class ArrInstance(ConfigModel):
    """One Sonarr or Radarr server, known by its name (``sonarr.hd``)."""

    url: HttpUrl
    api_key: OptionalSecret = None
    default: bool = False
    is_4k: bool = False
    cleanup: bool = True
    mirror: bool = True
    timeout: Duration = Field(default=30.0, gt=0)
    webhook: WebhookAuth = Field(default_factory=WebhookAuth)


class OverseerrSettings(ConfigModel):
    """Overseerr or Jellyseerr (same API)."""

    url: HttpUrl
    api_key: OptionalSecret = None
    timeout: Duration = Field(default=30.0, gt=0)
    poll_interval: Duration = 60.0


class PlexSettings(ConfigModel):
    url: HttpUrl
    token: OptionalSecret = None
    scan_debounce: Duration = 30.0
    timeout: Duration = Field(default=30.0, gt=0)
