"""A TVMaze-Sync user switches: its config.yaml and shows.db through ``arrkestra migrate``,
then the daemon on that YAML and the variables its compose file set.

The contract is TVMaze-Sync's architecture document
(``../shared/legacy/tvmaze-sync-architecture.md``): its config.yaml (``${VAR}``
references), its ``shows.db`` statuses with a show skipped by hand, ``SERVER_PORT``, and
its ``/trigger``, ``/state`` and ``/shows`` endpoints. The skipped show passes every filter
and is in the catalogue the first cycle walks: it is never added.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from arrkestra.testing.fake_sonarr import FakeSonarr
from arrkestra.testing.fake_tvmaze import FakeTvmaze
from arrkestra.testing.fake_tvmaze_catalogue import Catalogue, make_show
from arrkestra.testing.loopback import LoopbackServer
from tests.conftest import API_KEY, wait_until
from tests.e2e.daemon import Daemon, run_migrate
from tests.migrate.legacy_rig import FIXTURES, build_shows_db, show_row

pytestmark = pytest.mark.e2e
SONARR_KEY = "sonarr-tvmaze-key-0123456789"
SHOWS = range(1, 7)
ALREADY_ADDED, SKIPPED_BY_HAND = 1, 3


@dataclass
class Upstreams:
    sonarr: FakeSonarr
    tvmaze_url: str
    sonarr_url: str

    def added_tvmaze_ids(self) -> set[int]:
        return {post["tvdbId"] - 100_000 for post in self.sonarr.state.series_posts}


@pytest.fixture
def upstreams() -> Iterator[Upstreams]:
    catalogue = Catalogue([make_show(n, f"Show {n}", updated=1_700_000_000) for n in SHOWS])
    tvmaze = FakeTvmaze(catalogue, per=0.05)
    sonarr = FakeSonarr(SONARR_KEY)
    sonarr.state.add_root_folder("/tv")
    sonarr.state.add_tag("auto-sync")
    for n in SHOWS:
        sonarr.state.add_to_catalogue(100_000 + n, f"Show {n}", tvmaze_id=n)
    sonarr.state.add_series(100_000 + ALREADY_ADDED, f"Show {ALREADY_ADDED}")
    with LoopbackServer(tvmaze.app) as t, LoopbackServer(sonarr.app) as s:
        yield Upstreams(sonarr, t.url, s.url)


def tvmaze_sync_files(tmp: Path, port: int) -> tuple[Path, Path]:
    """Its documented config.yaml (storage and port on this machine) and its shows.db."""
    text = (FIXTURES / "tvmaze-sync-config.yaml").read_text()
    text = text.replace('path: "/data"', f'path: "{tmp / "data"}"')
    text = text.replace("port: 8080", f"port: {port}")
    config = tmp / "old/config.yaml"
    config.parent.mkdir(parents=True)
    config.write_text(text)
    shows_db = build_shows_db(
        tmp / "old/shows.db",
        [
            show_row(ALREADY_ADDED, "added", sonarr_series_id=1),
            show_row(SKIPPED_BY_HAND, "skipped"),  # the user's own "never add this"
        ],
    )
    return config, shows_db


def test_a_migrated_tvmaze_sync_setup_adds_shows_but_never_a_skipped_one(
    tmp_path: Path, upstreams: Upstreams
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    daemon = Daemon(None, tmp_path / "daemon.log", cwd=home, port_variable="SERVER_PORT")
    config_yaml, shows_db = tvmaze_sync_files(tmp_path, daemon.port)
    environment = {  # what TVMaze-Sync's compose file set, and the API key
        "SONARR_URL": upstreams.sonarr_url,
        "SONARR_API_KEY": SONARR_KEY,
        "TVMAZE_API_KEY": "tvmaze-premium-key-0123456789",
        "ARRKESTRA_API_KEY": API_KEY,
    }
    config = run_migrate(home, environment, config_yaml, shows_db)
    assert SONARR_KEY not in config.read_text()

    daemon.config = config
    daemon.env.update(environment)
    daemon.env["ARRKESTRA_DISCOVERY__TVMAZE__URL"] = upstreams.tvmaze_url  # the fake TVMaze
    daemon.start()
    base, key = daemon.url, {"X-Api-Key": API_KEY}
    try:
        daemon.wait_ready()
        expected = set(SHOWS) - {ALREADY_ADDED, SKIPPED_BY_HAND}
        wait_until(lambda: upstreams.added_tvmaze_ids() == expected, timeout=60)

        def idle() -> bool:
            state = httpx.get(f"{base}/state", headers=key, timeout=5).json()
            return bool(state["initial_sync_complete"]) and not state["sync_running"]

        wait_until(idle, timeout=30)
        assert httpx.post(f"{base}/trigger", headers=key, timeout=5).status_code == 200
        wait_until(idle, timeout=30)
        assert upstreams.added_tvmaze_ids() == expected  # a second cycle: still not added

        skipped = httpx.get(f"{base}/shows", params={"status": "skipped"}, headers=key, timeout=5)
        assert skipped.status_code == 200, skipped.text
        assert SKIPPED_BY_HAND in {show["tvmaze_id"] for show in skipped.json()}
        daemon.signal(signal.SIGTERM)
        assert daemon.wait_exit(30) == 0
    finally:
        daemon.stop()
    log = daemon.log()
    assert SONARR_KEY not in log and "Traceback" not in log
