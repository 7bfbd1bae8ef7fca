"""The error taxonomy, sorted by what the caller does next.

Every error class arrkestra defines, where it lives, and what happens when it is raised
(``tests/core/test_errors_tree.py`` keeps this tree and the code in step)::

    Exception
    ├── ArrkestraError              core/errors    raised on purpose. Anything else that escapes a
    │   │                                          job is a bug: retried like a transient error,
    │   │                                          logged with its traceback (worker.classify)
    │   ├── TransientError          core/errors    timeout, connection error, 5xx, 429, stale
    │   │   │                                      mount, rsync I/O -> retry with backoff,
    │   │   │                                      honouring retry_after (Retry-After)
    │   │   ├── Unreachable         core/errors    no answer (refused, timed out, 503) ->
    │   │   │                                      retried; the upstream is down on /health
    │   │   ├── CopyNotVerified     pipelines/mirror/verification  a copy that does not
    │   │   │                                      match its source -> not announced,
    │   │   │                                      retried (checksum: with rsync --checksum)
    │   │   └── TreeUnavailable     adapters/tree_scan  a root that cannot be listed whole ->
    │   │                                          reconcile leaves that root out, says so
    │   ├── UpstreamAuthError       core/errors    401/403 -> the pipeline pauses, its jobs wait
    │   │                                          (attempt given back), alert once, resumed
    │   │                                          when the key works
    │   ├── DeferredError           core/errors    not the job's failure (its pipeline was just
    │   │   │                                      paused: a deletion budget) -> pending again,
    │   │   │                                      the attempt given back
    │   │   ├── MountDown           core/errors    a source/destination root fails its mount
    │   │   │                                      check -> pending, waiting on that root (no
    │   │   │                                      attempt spent, never dead), woken when the
    │   │   │                                      mount monitor sees it back
    │   │   └── ToolMissing         core/errors    an external program (rsync) is not on PATH
    │   │                                          -> its pipeline pauses (one alert), the job
    │   │                                          waits (no attempt spent); resumed when the
    │   │                                          tool monitor finds it again
    │   ├── PermanentError          core/errors    400/422, an invalid job, a file that is not
    │   │   │                                      there -> dead at once, alert
    │   │   └── PathRefused         core/paths     a path no rule maps or one that escapes its
    │   │                                          root -> dead (refused at once by manual sync)
    │   │                                          (catch-up counts such a record "unmapped")
    │   ├── ConfigError             core/errors    found at load or by ``check`` -> refuse to
    │   │                                          start, list every problem (exit 2)
    │   └── InvalidTransition       core/jobs      the job's status does not allow it (cancel a
    │                                              finished job) -> 409 / exit 1
    ├── StoreError                  store/connection  the database cannot be used (locked by
    │   │                                          another daemon, too new, unreadable) ->
    │   │                                          refuse to start, exit 1
    │   ├── DatabaseDamaged         store/connection  SQLite says the file is damaged ->
    │   │                                          refuse, naming the newest backup
    │   └── StoreGone               store/connection  the database file was deleted or
    │                                              replaced while in use -> webhook 503,
    │                                              /health unhealthy (runtime/store_watch)
    ├── LeaseLost                   store/jobs     the job was cancelled or reclaimed meanwhile
    │                                              -> its result is discarded, the run stopped
    ├── JobNotFound                 store/jobs     (a LookupError) no job with that id -> 404
    ├── EventNotFound               store/events   (a LookupError) no event with that id -> 404
    ├── RunNotFound                 store/reconcile_runs  (a LookupError) no reconcile run with
    │                                              that id -> 404
    ├── ValidationFailed            pipelines/discovery_sonarr  Sonarr cannot take shows this
    │                                              cycle -> the cycle ends "paused", the reason
    │                                              on /health; the next cycle tries again
    ├── SyncRefused                 pipelines/mirror/manual  a manual sync that cannot be
    │                                              queued -> 400/409, exit 2
    ├── VerifyRefused               pipelines/mirror/copy_audit  a verify asked for a path no
    │                                              rule maps, or not in the source -> exit 2
    ├── CatchupRefused              runtime/capabilities/catchup  a catch-up asked for by hand
    │                                              that cannot be queued -> 404/409, exit 2
    ├── ReconcileRefused            runtime/capabilities/reconcile  a reconcile asked for by
    │                                              hand while it does not run -> 409, exit 2
    ├── ReplayRefused               web/replays    a stored event that cannot be routed again
    │                                              (not an *arr's, its instance gone) -> 409
    ├── LoginRequired               web/dashboard/access  a page without a session or
    │                                              credentials -> 303 to the login form
    ├── DashboardDisabled           web/dashboard/access  no api_key nor basic_auth -> the
    │                                              page says how to enable them (403)
    ├── CsrfRefused                 web/dashboard/access  a POST without this viewer's token,
    │                                              or sent by another site -> 403 page
    ├── DaemonFailed                cli/demo_daemon  the demo's daemon exited or never got
    │                                              ready -> the demo stops, cleans up, exit 1
    ├── Stopped                     cli/demo_day   Ctrl-C or SIGTERM during the demo's day ->
    │                                              clean up, exit 0
    ├── AliasIgnored                config/loading/aliases  an old tool's variable that cannot
    │                                              apply here -> a load note (a warning)
    ├── SecretFileError             config/loading/substitution  (a ValueError) a NAME_FILE that
    │                                              cannot be read -> a config problem
    ├── BodyError                   adapters/tvmaze_models  (a ValueError) an answer that is not
    │                                              what TVMaze sends -> TransientError
    ├── BadWebhook                  web/webhooks   (a ValueError) not a JSON object with an
    │                                              eventType -> 400
    ├── NotJson                     web/webhooks   (a ValueError) a webhook whose Content-Type
    │                                              is not application/json -> 415
    └── BodyTooLarge                web/limits     (an HTTPException) over server.body_limit
                                                   -> 413

Expected outcomes are return values, not exceptions: an event type nobody handles is
``Unsupported``, a show the filters turn down ``Rejected``, a title already gone from
Overseerr the outcome ``not_in_overseerr``. Each adapter translates its own status codes
into this tree (a 404 is "already gone" for an Overseerr delete and "no such section" for
Plex); the job queue is the only owner of retries, and ``runtime/worker.classify`` maps
the tree to what it does.
"""

from __future__ import annotations

from dataclasses import dataclass


class ArrkestraError(Exception):
    """Base of every error arrkestra raises on purpose."""


class TransientError(ArrkestraError):
    """Timeout, connection error, 5xx, 429, stale mount: retry with backoff.

    ``retry_after`` (seconds) is the upstream's own hint (``Retry-After``); the job
    queue waits at least that long before the next attempt.
    """

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Unreachable(TransientError):
    """The upstream did not answer (refused, timed out, 503 while it starts): retried as
    any transient error, and its /health component is ``down`` until it answers."""


class UpstreamAuthError(ArrkestraError):
    """401/403 from an upstream: its jobs wait (not dead) until credentials are fixed."""

    def __init__(self, message: str, *, upstream: str) -> None:
        super().__init__(message)
        self.upstream = upstream


class DeferredError(ArrkestraError):
    """The job must wait without spending an attempt (e.g. its pipeline was just paused).

    ``retry_after`` (seconds): when it runs again (None: as soon as it is claimable), e.g.
    a file still being written is copied again once it may hold still.
    """

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class MountDown(DeferredError):
    """A root the job needs (``role``: source or destination) fails its mount check.

    Not the job's failure: it waits on ``path`` without spending an attempt, however long
    the outage lasts, and runs once the mount monitor sees the root back; ``retry_after``
    (seconds) is only the latest it is looked at again should no monitor wake it.
    """

    def __init__(self, message: str, *, path: str, role: str, retry_after: float) -> None:
        super().__init__(message, retry_after=retry_after)
        self.path = path
        self.role = role


class ToolMissing(DeferredError):
    """An external program (``tool``: rsync) cannot be found or started.

    Not the job's failure: the pipeline that needs it pauses and the job waits, the attempt
    given back, until the program is there again (``runtime/tool_monitor``).
    """

    def __init__(self, message: str, *, tool: str) -> None:
        super().__init__(message)
        self.tool = tool


class PermanentError(ArrkestraError):
    """400/422, unmappable path, invalid job: retrying cannot help, the job is dead at once."""


@dataclass(frozen=True)
class ConfigProblem:
    """One thing wrong (or worth a warning) in the configuration, with where and what to do."""

    path: str
    message: str
    hint: str = ""

    def render(self) -> str:
        text = f"{self.path}: {self.message}" if self.path else self.message
        return f"{text}\n    hint: {self.hint}" if self.hint else text


class ConfigError(ArrkestraError):
    """Found at load time or by ``arrkestra check``: refuse to start and list every problem."""

    def __init__(self, problems: list[ConfigProblem]) -> None:
        self.problems = list(problems)
        count = len(self.problems)
        noun = "problem" if count == 1 else "problems"
        lines = "\n".join(f"  - {p.render()}" for p in self.problems)
        super().__init__(f"configuration has {count} {noun}:\n{lines}")
