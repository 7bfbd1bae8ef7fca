"""The outside systems arrkestra talks to: named Sonarr/Radarr instances, Overseerr, Plex,
Jellyfin and Emby."""

from __future__ import annotations

from typing import ClassVar, Self
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator, model_validator

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
    """One Sonarr or Radarr server, known by its name (``sonarr.hd``).

    Its webhooks carry everything cleanup and mirror need, so ``url`` and ``api_key`` are
    needed only by what calls the server (catch-up, discovery, missed deletions,
    ``check --online``): an instance without them is a webhook-only instance.
    """

    url: HttpUrl | None = None
    api_key: OptionalSecret = None
    default: bool = False
    is_4k: bool = False
    cleanup: bool = True
    mirror: bool = True
    timeout: Duration = Field(default=30.0, gt=0)
    webhook: WebhookAuth = Field(default_factory=WebhookAuth)

    @property
    def has_api(self) -> bool:
        """Whether arrkestra can call this server's API (a url and an api_key)."""
        return self.url is not None and self.api_key is not None


class OverseerrSettings(ConfigModel):
    """Overseerr or Jellyseerr (same API)."""

    url: HttpUrl
    api_key: OptionalSecret = None
    timeout: Duration = Field(default=30.0, gt=0)
    poll_interval: Duration = 60.0
    retries: int = Field(default=0, ge=0, le=10)
    """A request that could not connect is tried again at once, this many times, within one
    attempt (ArrSync's ``MAX_RETRIES``); the deletion job itself retries per cleanup.retry."""


class PlexSettings(ConfigModel):
    url: HttpUrl
    token: OptionalSecret = None
    scan_debounce: Duration = 30.0
    timeout: Duration = Field(default=30.0, gt=0)


class MediaServerSettings(ConfigModel):
    """One Jellyfin or Emby server. ``url`` is the server's root (Emby's ``/emby`` prefix
    is added by arrkestra, and accepted when the url ends with it already).

    Both servers refuse every library call without an API key, so ``api_key`` is
    required: a server without one could only ever fail. Its hint (``key_hint``) says
    where the server's dashboard makes one; ``check --online`` shows the same words.
    """

    product: ClassVar[str] = "Jellyfin or Emby"
    example: ClassVar[str] = "http://host:8096"
    key_hint: ClassVar[str] = "create one in the server's dashboard, under API Keys"

    url: HttpUrl
    api_key: OptionalSecret = Field(default=None, validate_default=True)
    scan_debounce: Duration = 30.0
    timeout: Duration = Field(default=30.0, gt=0)

    @field_validator("url")
    @classmethod
    def _server_root(cls, url: str) -> str:
        """The address a browser shows (``http://host:8096/web/#/home``) is the web app,
        not the API's root: every call under it would answer with the app's page."""
        path = urlsplit(url).path.rstrip("/")
        if path.rsplit("/", 1)[-1].lower() in WEB_APP_PAGES or urlsplit(url).fragment:
            hint = f"use the server's root, e.g. {cls.example} (no /web, no #...)"
            raise config_error("url", f"is {cls.product}'s web app page, not its root", hint)
        return url

    @field_validator("api_key")
    @classmethod
    def _key_required(cls, key: SecretStr | None) -> SecretStr | None:
        if key is None:
            message = f"an API key is required: {cls.product} answers nothing without one"
            env = "${" + cls.product.upper().replace(" ", "_") + "_API_KEY}"
            hint = f"{cls.key_hint}; then set api_key (e.g. api_key: {env})"
            raise config_error("api_key", message, hint)
        return key


WEB_APP_PAGES = frozenset({"web", "index.html", "home.html"})


class JellyfinSettings(MediaServerSettings):
    product: ClassVar[str] = "Jellyfin"
    example: ClassVar[str] = "http://jellyfin:8096"
    key_hint: ClassVar[str] = (
        "in Jellyfin open Dashboard -> API Keys (under Advanced), press + and name it "
        "arrkestra, then copy the key"
    )


class EmbySettings(MediaServerSettings):
    product: ClassVar[str] = "Emby"
    example: ClassVar[str] = "http://emby:8096"
    key_hint: ClassVar[str] = (
        "in Emby open the Server Dashboard -> Advanced (under Expert) -> Security, press + "
        "(New API Key) and name it arrkestra, then copy the key"
    )


def named_servers(value: object) -> object:
    """``jellyfin: {url: ..., api_key: ...}`` is the one instance ``default``; a mapping of
    names to such sections (``jellyfin: {living: {url: ...}}``) names each, as for Sonarr."""
    if isinstance(value, dict) and "url" in value:
        return {"default": value}
    return value
