"""``GET /api/v1/jobs?q=``: what happened to *this* title?"""

from __future__ import annotations

from tests.conftest import API_KEY
from tests.web.conftest import AppFactory, Running

from arrkestra.core.job_kinds import CleanupParams, CopyParams

KEY = {"X-Api-Key": API_KEY}


async def queue_some(r: Running) -> None:
    for params in (
        CopyParams(instance="radarr.hd", library_path="/movies/Amélie (2001)/Amélie.mkv"),
        CopyParams(instance="radarr.hd", library_path="/movies/Up (2009)/Up.mkv", title="Up"),
        CopyParams(instance="sonarr.hd", library_path="/tv/A_B/S01E01.mkv", title="50% Off"),
        CleanupParams(media_type="movie", instance="radarr.hd", tmdb_id=1, title="Amélie"),
    ):
        await r.services.queue.enqueue(params.spec())


async def titles(r: Running, **params: str | int) -> tuple[int, list[str]]:
    answer = await r.client.get("/api/v1/jobs", params=params, headers=KEY)
    if answer.status_code != 200:
        return answer.status_code, []
    return 200, [j["key"] for j in answer.json()["jobs"]]


async def test_q_finds_jobs_by_title_or_path_with_filters_and_paging(
    running_app: AppFactory,
) -> None:
    async with running_app(background=False) as r:
        await queue_some(r)
        _, amelie = await titles(r, q="AMÉLIE")
        assert amelie == [
            "radarr.hd/movie/tmdb:1/tvdb:None/arr:None",
            "radarr.hd//movies/Amélie (2001)/Amélie.mkv",
        ]
        assert (await titles(r, q="amélie", pipeline="mirror"))[1] == [amelie[1]]
        assert (await titles(r, q="up (2009)"))[1] == ["radarr.hd//movies/Up (2009)/Up.mkv"]
        assert (await titles(r, q="50%"))[1] == ["sonarr.hd//tv/A_B/S01E01.mkv"]
        assert (await titles(r, q="a_b"))[1] == ["sonarr.hd//tv/A_B/S01E01.mkv"]
        assert (await titles(r, q="%"))[1] == ["sonarr.hd//tv/A_B/S01E01.mkv"]
        assert (await titles(r, q="_"))[1] == ["sonarr.hd//tv/A_B/S01E01.mkv"]
        assert (await titles(r, q="nothing"))[1] == []
        assert len((await titles(r, q="  "))[1]) == 4  # blank: no filter

        page = (
            await r.client.get("/api/v1/jobs", params={"q": "/movies/", "limit": 1}, headers=KEY)
        ).json()
        assert [j["key"] for j in page["jobs"]] == ["radarr.hd//movies/Up (2009)/Up.mkv"]
        rest = await titles(r, q="/movies/", before=page["next_before"])
        assert rest[1] == ["radarr.hd//movies/Amélie (2001)/Amélie.mkv"]
        assert (await titles(r, q="x" * 201))[0] == 422  # a clear error, not a slow scan
