"""Mirror announcements: sync-webhook's fields, one message per series."""

from __future__ import annotations

from dataclasses import replace

from arrkestra.pipelines.mirror.messages import Mirrored, human_bytes, human_seconds, message_for

EPISODE = Mirrored(
    instance="sonarr.hd",
    title="Severance",
    year=2022,
    season=2,
    episodes=(3,),
    episode_titles=("Who Is Alive?",),
    quality="WEBDL-2160p",
    bytes=3 * 1024**3,
    seconds=75,
    destination_dir="/mnt/media/TV/Severance/Season 02",
    file_name="Severance - S02E03.mkv",
)
MOVIE = replace(
    EPISODE,
    instance="radarr.hd",
    title="Dune",
    year=2021,
    season=None,
    episodes=(),
    episode_titles=(),
    destination_dir="/mnt/media/Movies/Dune (2021)",
)


def test_one_episode_names_series_code_title_quality_size_and_duration() -> None:
    message = message_for([EPISODE])
    assert message.title == "arrkestra: mirrored Severance S02E03"
    assert "S02E03 - Who Is Alive? · WEBDL-2160p · 3.0 GB in 1m 15s" in message.body
    assert message.severity == "info"


def test_a_movie_names_title_and_year() -> None:
    message = message_for([MOVIE])
    assert message.title == "arrkestra: mirrored Dune"
    assert message.body.startswith("Dune (2021) · WEBDL-2160p")


def test_a_season_pack_is_one_message_listing_episodes_in_order() -> None:
    items = [replace(EPISODE, episodes=(n,), episode_titles=()) for n in (3, 1, 2)]
    message = message_for(items)
    assert message.title == "arrkestra: mirrored Severance (3 episodes)"
    lines = message.body.splitlines()
    assert [line[:6] for line in lines[:3]] == ["S02E01", "S02E02", "S02E03"]
    assert "3 files, 9.0 GB in 3m 45s" in message.body


def test_files_without_episode_numbers_are_named_by_file() -> None:
    item = replace(EPISODE, episodes=(), episode_titles=(), file_name="Show - S01E07.mkv")
    assert message_for([item]).title == "arrkestra: mirrored Severance Show - S01E07.mkv"


def test_groups_series_per_instance_and_movies_apart() -> None:
    assert EPISODE.group == replace(EPISODE, episodes=(9,)).group
    assert EPISODE.group != replace(EPISODE, instance="sonarr.4k").group
    assert MOVIE.group != replace(MOVIE, title="Dune Part Two").group


def test_human_units() -> None:
    assert human_bytes(512) == "512 B"
    assert human_bytes(1536) == "1.5 KB"
    assert human_seconds(59.4) == "59s"
    assert human_seconds(3 * 3600 + 120) == "3h 02m"
