"""``arrkestra demo``: a one-command tour of a fresh install, with fakes of everything.

It builds a temporary folder (``arrkestra-demo-*`` under the system's temp folder) with
source and destination trees, starts fake Sonarr, Radarr, Overseerr, Plex and TVMaze
servers and a notification receiver on 127.0.0.1 (``demo_world``), runs the real daemon
on them (``demo_daemon``), prints the dashboard's address and password, and plays a day
of webhooks (``demo_day``) so every page has something to show within a minute.

Ctrl-C (or SIGTERM, or the terminal closing) stops the daemon gracefully, then the fakes,
and removes the folder (``--keep`` keeps it); the exit code is 0. It never touches
anything outside its folder and never talks to anything but 127.0.0.1.
"""

from __future__ import annotations

import signal
import socket
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from arrkestra.cli.base import app, err

if TYPE_CHECKING:
    from arrkestra.cli.demo_daemon import DemoDaemon
    from arrkestra.cli.demo_world import World

STOP_SIGNALS = tuple(
    getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name)
)
RSYNC_HINT = (
    "rsync is not installed: the day plays without mirror (no copies, no reconcile).\n"
    "  Install it to see files mirrored (Debian/Ubuntu: sudo apt install rsync; Fedora: "
    "sudo dnf install rsync; Alpine: apk add rsync; macOS: brew install rsync)."
)


@app.command()
def demo(
    port: Annotated[
        int | None,
        typer.Option(
            min=1, max=65535, help="The dashboard's port on 127.0.0.1 (default: a free one)."
        ),
    ] = None,
    keep: Annotated[
        bool,
        typer.Option(
            "--keep", help="Keep the temporary folder (config, database, log, trees) at the end."
        ),
    ] = False,
) -> None:
    """A tour with fakes: Sonarr, Radarr, Overseerr, Plex and TVMaze on this machine, the
    daemon wired to them and a day of webhooks played; Ctrl-C removes everything."""
    import shutil
    import tempfile

    if port is not None and not _free(port):
        err(f"error: port {port} on 127.0.0.1 is in use: choose another with --port")
        raise typer.Exit(1)
    stopping = threading.Event()
    previous = {sig: signal.signal(sig, lambda *_: stopping.set()) for sig in STOP_SIGNALS}
    root = Path(tempfile.mkdtemp(prefix="arrkestra-demo-"))
    try:
        code = _tour(root, port or _any_port(), stopping)
    finally:
        if keep:
            typer.echo(f"Stopped. Kept {root} (--keep): remove it when done.")
        else:
            shutil.rmtree(root, ignore_errors=True)
            typer.echo(f"Stopped. Removed {root}.")
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if code:
        raise typer.Exit(code)


def _tour(root: Path, port: int, stopping: threading.Event) -> int:
    """Build, start, tell, play, wait for the signal; stop everything in reverse order.
    The exit code: 0, or 1 when the daemon failed."""
    from contextlib import ExitStack

    import httpx

    from arrkestra.cli import demo_world
    from arrkestra.cli.demo_daemon import DaemonFailed, DemoDaemon
    from arrkestra.cli.demo_day import Api, Day, Stopped

    with ExitStack() as stack:  # closed in reverse: the daemon stops before the fakes
        world = demo_world.build(root, stack)
        daemon = DemoDaemon(world.config_file, port, world.log_file)
        stack.callback(daemon.stop)
        if not world.mirror:
            typer.echo(RSYNC_HINT)
        try:
            if not daemon.start().wait_ready(stopping):
                return 0
            _tell(world, daemon)
            api = Api(daemon.url, world.keys.api_key, world.keys.webhook_secret)
            stack.callback(api.close)
            problems = Day(world, api, typer.echo, stopping).play()
            _played(world, problems)
            while not stopping.wait(1.0):
                daemon.check_alive()
        except Stopped:
            pass
        except (DaemonFailed, httpx.HTTPError) as exc:
            _failed(daemon, exc)
            return 1
        typer.echo("Stopping the daemon and the fakes ...")
    return 0


def _tell(world: World, daemon: DemoDaemon) -> None:
    """What a newcomer needs: where to look, the password, what runs, how to stop."""
    urls = world.fakes.urls
    fakes = ", ".join(f"{name} {url}" for name, url in urls.items())
    lines = [
        "",
        "arrkestra demo is running.",
        "",
        f"  Dashboard: {daemon.url}/ui/",
        f"  Password:  {world.keys.api_key}   (log in with this password)",
        f"  Daemon:    pid {daemon.pid}, log {world.log_file}",
        f"  Fakes:     {fakes}",
        f"  Folder:    {world.root} (config, database, source and destination trees)",
        "",
        "Playing a day: imports with a season pack, an upgrade, a deletion while Overseerr is",
        "down then back, a discovery cycle"
        + (", a failed copy and a reconcile dry run." if world.mirror else " (no mirror)."),
        "Press Ctrl-C to stop and remove everything.",
        "",
    ]
    typer.echo("\n".join(lines))


def _played(world: World, problems: list[str]) -> None:
    notes = len(world.fakes.notify.received())
    verdict = (
        "every step as expected"
        if not problems
        else f"{len(problems)} step(s) not as expected: {'; '.join(problems)}"
    )
    typer.echo(
        f"\nThe day has played ({verdict}); the notification receiver got {notes} message(s).\n"
        "Every page of the dashboard has something to show; the daemon keeps running.\n"
        "Press Ctrl-C to stop and remove everything."
    )


def _failed(daemon: DemoDaemon, exc: Exception) -> None:
    err(f"error: the demo's daemon failed: {exc}")
    tail = daemon.log_tail()
    if tail:
        err(f"the end of its log ({daemon.log_file}):\n{tail}")


def _free(port: int) -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _any_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: Any = sock.getsockname()[1]
    return int(port)
