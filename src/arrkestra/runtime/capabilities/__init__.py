"""The capabilities, one module each, all of one shape (``contract``).

``MODULES`` is the list ``runtime/services.py`` loops over. A module is cheap to import:
its ``why_not`` reads only the settings, and its ``build`` imports the pipeline, adapters
and clients it runs, so a capability that is not configured costs no start-up time.

To add one: write ``runtime/capabilities/<name>.py`` with ``NAME``, ``why_not`` and
``build`` (its pipeline in ``pipelines/<name>``, its job kinds in ``core/job_kinds``), and
add the module here. ``docs/architecture.md`` walks through it.
"""

from __future__ import annotations

from arrkestra.config import Settings
from arrkestra.runtime.capabilities import catchup, cleanup, discovery, mirror, reconcile
from arrkestra.runtime.capabilities.contract import CapabilityModule

MODULES: tuple[CapabilityModule, ...] = (cleanup, mirror, catchup, reconcile, discovery)


def report(settings: Settings) -> list[str]:
    """One line per capability, from ``why_not`` alone: what ``serve`` logs and ``check``
    prints, with what a configured one will do (``does``)."""
    lines = []
    for module in MODULES:
        reason = module.why_not(settings)
        state = f"configured: {module.does(settings)}" if reason is None else reason
        lines.append(f"{module.NAME}: {state}")
    if not settings.notifications.urls:
        lines.append("notifications: not configured yet: set notifications.urls (Apprise URLs)")
    return lines


def configured(settings: Settings) -> list[str]:
    """The names of the capabilities that will run."""
    return [module.NAME for module in MODULES if module.why_not(settings) is None]


NOTHING_TO_DO = (
    "nothing to do: no capability is configured. Set OVERSEER_URL (cleanup), mirror.paths "
    "(mirror) or discovery.enabled with SONARR_URL (discovery); see docs/migrating.md"
)
"""What ``check`` says (exit 1) and ``serve`` warns when nothing would run."""
