"""The world ``arrkestra demo`` builds in its temporary folder: source and destination
trees with small media files, the fake upstreams on loopback, and a config wiring the
daemon to them.

The fakes are the test suite's own (``arrkestra.testing``): real HTTP servers on
127.0.0.1, each on a free port, served from threads of the demo's process so the day can
switch them (Overseerr goes down and comes back). Nothing here reaches outside the
temporary folder or the loopback interface. Every key is generated for this run.
"""

from __future__ import annotations

import secrets
import shutil
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from arrkestra.cli.demo_titles import (
    CATALOGUE,
    IN_OVERSEERR,
    LIGHTHOUSE,
    MOVIE,
    MOVIES_ROOT,
    SEASON_PACK,
    TV_ROOT,
    UNANNOUNCED,
    Episode,
    tvdb_id_of,
)
from arrkestra.testing.fake_arr import create_fake_arr
from arrkestra.testing.fake_notify import FakeNotify
from arrkestra.testing.fake_overseerr import FakeOverseerr
from arrkestra.testing.fake_plex import FakePlex
from arrkestra.testing.fake_sonarr import FakeSonarr
from arrkestra.testing.fake_tvmaze import FakeTvmaze
from arrkestra.testing.fake_tvmaze_catalogue import Catalogue, make_show
from arrkestra.testing.loopback import LoopbackServer

NOTIFY_PATH = "arrkestra"
TV_FOLDER, MOVIES_FOLDER = "TV Shows", "Movies"
FILLER = b"arrkestra demo: not a real video. "


@dataclass(frozen=True)
class Keys:
    """The run's secrets: ``api_key`` is the dashboard's password, the rest the fakes'."""

    api_key: str
    webhook_secret: str
    sonarr: str
    radarr: str
    overseerr: str
    plex: str

    @classmethod
    def generated(cls) -> Keys:
        return cls(*(secrets.token_urlsafe(18) for _ in range(6)))


@dataclass(frozen=True)
class Fakes:
    """The fake upstreams the day talks to, and where each one listens."""

    sonarr: FakeSonarr
    overseerr: FakeOverseerr
    plex: FakePlex
    tvmaze: FakeTvmaze
    notify: FakeNotify
    urls: dict[str, str]  # sonarr, radarr, overseerr, plex, tvmaze, notify


@dataclass(frozen=True)
class World:
    root: Path
    keys: Keys
    fakes: Fakes
    mirror: bool  # rsync is installed: the day copies files

    @property
    def source(self) -> Path:
        return self.root / "source"

    @property
    def destination(self) -> Path:
        return self.root / "destination"

    @property
    def config_file(self) -> Path:
        return self.root / "arrkestra.yaml"

    @property
    def log_file(self) -> Path:
        return self.root / "daemon.log"

    def source_of(self, library_path: str) -> Path:
        """Where a file Sonarr/Radarr names ``/tv/...`` or ``/movies/...`` lives on disk."""
        return self.source / library_path.lstrip("/")

    def destination_of(self, library_path: str) -> Path:
        root, _, rest = library_path.lstrip("/").partition("/")
        return self.destination / (TV_FOLDER if root == "tv" else MOVIES_FOLDER) / rest

    def replace_episode(self, old: Episode, new: Episode) -> None:
        """What Sonarr does on an upgrade: the new file in, the old one out."""
        write_media(self.source_of(new.library_path), new.size)
        self.source_of(old.library_path).unlink(missing_ok=True)


def write_media(path: Path, size: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes((FILLER * (size // len(FILLER) + 1))[:size])


def build(root: Path, stack: ExitStack) -> World:
    """The trees, the fakes (started; ``stack`` stops them) and the config file."""
    keys = Keys.generated()
    _make_trees(root)
    world = World(root, keys, _start_fakes(root, keys, stack), shutil.which("rsync") is not None)
    world.config_file.write_text(
        yaml.safe_dump(_config(world), sort_keys=False, allow_unicode=True), encoding="utf-8"
    )
    return world


def _make_trees(root: Path) -> None:
    source = root / "source"
    for episode in (*SEASON_PACK, UNANNOUNCED):
        write_media(source / episode.library_path.lstrip("/"), episode.size)
    movie = source / MOVIE.path.lstrip("/")
    write_media(movie / MOVIE.file_name, MOVIE.size)
    (movie / MOVIE.subtitle_name).write_text("1\n00:00:01,000 --> 00:00:04,000\nHello.\n")
    for folder in (TV_ROOT, MOVIES_ROOT):
        (source / folder.lstrip("/")).mkdir(parents=True, exist_ok=True)
    for folder in (TV_FOLDER, MOVIES_FOLDER):
        (root / "destination" / folder).mkdir(parents=True, exist_ok=True)
    (root / "data").mkdir()


def _serve(stack: ExitStack, app: Any) -> str:
    return stack.enter_context(LoopbackServer(app)).url


def _start_fakes(root: Path, keys: Keys, stack: ExitStack) -> Fakes:
    sonarr = FakeSonarr(keys.sonarr)
    sonarr.state.add_root_folder(TV_ROOT)
    sonarr.state.add_series(LIGHTHOUSE.tvdb_id, LIGHTHOUSE.title, tvmaze_id=LIGHTHOUSE.tvmaze_id)
    shows = []
    for tvmaze_id, name, fields in CATALOGUE:
        tvdb_id = tvdb_id_of(tvmaze_id)
        externals = {"tvrage": None, "thetvdb": tvdb_id, "imdb": None}
        shows.append(make_show(tvmaze_id, name, **{**fields, "externals": externals}))
        sonarr.state.add_to_catalogue(tvdb_id, name, tvmaze_id=tvmaze_id)
    tvmaze = FakeTvmaze(Catalogue(shows), rate_limit=None)
    overseerr = FakeOverseerr(keys.overseerr)
    for series in IN_OVERSEERR:
        overseerr.add_media(
            media_type="tv",
            tmdb_id=series.tmdb_id,
            tvdb_id=series.tvdb_id,
            title=series.title,
            requests=[(False, 2)],
        )
    overseerr.add_media(
        media_type="movie", tmdb_id=MOVIE.tmdb_id, title=MOVIE.title, requests=[(False, 2)]
    )
    destination = root / "destination"
    plex = FakePlex(
        keys.plex,
        [
            ("1", "show", TV_FOLDER, [str(destination / TV_FOLDER)]),
            ("2", "movie", MOVIES_FOLDER, [str(destination / MOVIES_FOLDER)]),
        ],
    )
    notify = FakeNotify()
    urls = {
        "sonarr": _serve(stack, sonarr.app),
        "radarr": _serve(stack, create_fake_arr("radarr", keys.radarr, version="5.14.0.9383")),
        "overseerr": _serve(stack, overseerr.app),
        "plex": _serve(stack, plex.app),
        "tvmaze": _serve(stack, tvmaze.app),
        "notify": _serve(stack, notify.app),
    }
    return Fakes(sonarr, overseerr, plex, tvmaze, notify, urls)


QUICK_RETRY = {"base": "1s", "cap": "3s"}
"""Retries a second apart: a failure the day shows is retried within its minute."""


def _config(world: World) -> dict[str, Any]:
    """The daemon's configuration: every capability the day shows, with timings in seconds
    (retries, polls, debounces) so the day plays out within a minute. One function per
    section that is more than a line, in the order of the file."""
    return {
        **_daemon(world),
        **_arr_instances(world),
        **_upstreams(world),
        "cleanup": {"retry": {**QUICK_RETRY, "max_attempts": None, "max_age": "1h"}},
        "mirror": _mirror(world),
        "catchup": {"enabled": False},  # the fakes keep no history to catch up from
        "reconcile": {"enabled": world.mirror},
        "discovery": _discovery(world),
    }


def _daemon(world: World) -> dict[str, Any]:
    """The daemon's own sections: its port and key, its queue, its database, its retries."""
    return {
        "server": {"host": "127.0.0.1", "api_key": world.keys.api_key, "drain_timeout": "3s"},
        "queue": {"lease": "30s", "poll_interval": "1s", "reclaim_interval": "2s"},
        "storage": {"path": str(world.root / "data"), "backup": {"schedule": None}},
        "retry": {**QUICK_RETRY, "max_attempts": 3},
    }


def _arr_instances(world: World) -> dict[str, Any]:
    """One Sonarr and one Radarr, both ``hd``, each with the run's webhook secret."""
    keys, urls = world.keys, world.fakes.urls
    webhook = {"secret": keys.webhook_secret}
    return {
        kind: {"hd": {"url": urls[kind], "api_key": key, "default": True, "webhook": webhook}}
        for kind, key in (("sonarr", keys.sonarr), ("radarr", keys.radarr))
    }


def _upstreams(world: World) -> dict[str, Any]:
    """Overseerr, Plex and the notification endpoint: the fakes, with short timeouts."""
    keys, urls = world.keys, world.fakes.urls
    return {
        "overseerr": {
            "url": urls["overseerr"],
            "api_key": keys.overseerr,
            "timeout": "3s",
            "poll_interval": "2s",
        },
        "plex": {"url": urls["plex"], "token": keys.plex, "scan_debounce": "1s", "timeout": "5s"},
        "notifications": {
            "urls": [urls["notify"].replace("http://", "json://") + f"/{NOTIFY_PATH}"],
            "coalesce_window": "2s",
            "daily_summary": None,
        },
    }


def _mirror(world: World) -> dict[str, Any]:
    """Both libraries mapped from the source tree to the destination's folders."""
    roots = ((TV_ROOT, TV_FOLDER), (MOVIES_ROOT, MOVIES_FOLDER))
    return {
        "enabled": world.mirror,
        "propagate_deletes": True,
        "retry": {**QUICK_RETRY, "max_attempts": 3, "max_age": "1h"},
        "paths": [
            {
                "arr_path": arr_path,
                "source": str(world.source / arr_path.lstrip("/")),
                "destination": str(world.destination / folder),
            }
            for arr_path, folder in roots
        ],
    }


def _discovery(world: World) -> dict[str, Any]:
    """The fake TVMaze's catalogue, its shows added to the ``hd`` Sonarr."""
    return {
        "enabled": True,
        "tvmaze": {"url": world.fakes.urls["tvmaze"], "rate_limit": 20, "per": "1s"},
        "target": {
            "instance": "hd",
            "root_folder": TV_ROOT,
            "quality_profile": "HD-1080p",
            "tags": ["arrkestra-demo"],
            "create_tags": True,
        },
    }
