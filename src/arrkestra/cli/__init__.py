"""The ``arrkestra`` command. Each command is: load settings, open services, one call.

A command imports what it uses when it runs: ``arrkestra version`` loads no config, and
``serve`` pays for the web app and the capabilities that are configured, nothing more.
The commands live by what they are for: ``daemon`` (serve, check, version), ``health`` (the
container's probe), ``queueing`` (sync, catchup, reconcile), ``jobs`` (jobs, db, notify),
``migrate`` (switching from the old tools), ``verify`` (audit the copies), ``demo`` (a tour
with fakes); ``base`` holds what they share.
"""

from arrkestra.cli import daemon, demo, health, jobs, migrate, queueing, verify
from arrkestra.cli.base import app, main

__all__ = ["app", "daemon", "demo", "health", "jobs", "main", "migrate", "queueing", "verify"]
