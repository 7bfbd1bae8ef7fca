"""The overview's Action required list: one sentence and one link per thing to do."""

from __future__ import annotations

from arrkestra.core.attention import Attention, DownMount, HeldRun, actions
from arrkestra.core.redact import Redactor

REDACT = Redactor.of(["overseerr-key-0123456789"])
NOTHING = Attention(
    paused={}, auth_failed=[], mounts_down=[], held_run=None, dead={}, pending_tvdb=0
)


def test_nothing_to_do_is_an_empty_list() -> None:
    quiet = Attention(
        paused={}, auth_failed=[], mounts_down=[], held_run=None, dead={"mirror": 0}, pending_tvdb=0
    )
    assert actions(quiet, REDACT) == [] == actions(NOTHING, REDACT)


def test_each_item_says_what_and_links_where_it_is_fixed_most_urgent_first() -> None:
    found = Attention(
        paused={"cleanup": {"reason": "deletion budget: 21 deletions in 1 h", "since": 50.0}},
        auth_failed=[("sonarr.hd", "401 Unauthorized")],
        mounts_down=[DownMount("/mnt/nas", "check timed out after 5s", 40.0, 2)],
        held_run=HeldRun(id=7, files=120, started_at=30.0),
        dead={"mirror": 2, "cleanup": 1},
        pending_tvdb=1,
    )
    items = actions(found, REDACT)
    assert [(i.kind, i.href, i.since) for i in items] == [
        ("paused", "/ui/jobs?pipeline=cleanup", 50.0),
        ("auth_failed", "/ui/settings", None),
        ("mount_down", "/ui/settings", 40.0),
        ("reconcile", "/ui/reconcile", 30.0),
        ("dead", "/ui/jobs?status=dead", None),
        ("pending_tvdb", "/ui/discovery?status=pending_tvdb", None),
    ]
    assert [i.text for i in items] == [
        "The cleanup pipeline is paused and its jobs wait: deletion budget: 21 deletions in 1 h.",
        "sonarr.hd rejects arrkestra's credentials (401 Unauthorized): fix its API key.",
        "The mount /mnt/nas is down (check timed out after 5s); 2 jobs wait on it.",
        "Reconcile run 7 found 120 files to copy, more than reconcile.confirm_above, and waits "
        "for confirmation.",
        "3 jobs have given up in the last 7 days (1 cleanup, 2 mirror) and will not run again "
        "unless retried.",
        "1 show waits for a TVDB id before Sonarr can add it.",
    ]
    assert items[0].resume == "cleanup" and all(i.resume is None for i in items[1:])


def test_texts_from_outside_are_redacted() -> None:
    secret_url = "http://admin:hunter2-pass@overseerr:5055/api?apikey=overseerr-key-0123456789"
    found = Attention(
        paused={"cleanup": {"reason": f"auth failure: {secret_url}"}},
        auth_failed=[("overseerr", f"403 from {secret_url}")],
        mounts_down=[DownMount("/mnt/nas", f"mounted from {secret_url}", None, 0)],
        held_run=None,
        dead={},
        pending_tvdb=0,
    )
    said = " ".join(item.text for item in actions(found, REDACT))
    assert "hunter2-pass" not in said and "overseerr-key-0123456789" not in said
    assert "no job waits" not in said and "0 jobs wait on it" in said
    assert actions(found, REDACT)[0].since is None  # a pause recorded without a time
