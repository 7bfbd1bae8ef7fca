"""``migrate``: a user of ArrSync, sync-webhook or TVMaze-Sync switches in one command.

Every FILE is recognised by its content first; one that is not an old tool's file stops
the run before anything is written (exit 2). Then, in this order, so a refusal leaves
nothing half done: the new config is built (``config/migration``) and loaded with
arrkestra's own loader; the old databases go into the database that config uses
(``migrate_imports``, refused while a daemon holds it); the config file is written last
(never over an existing file without ``--force``). ``--dry-run`` prints the config and
the report and writes nothing.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from arrkestra.cli.base import app, err, load
from arrkestra.cli.migrate_imports import DataInputs, import_data

if TYPE_CHECKING:
    from arrkestra.config import Settings
    from arrkestra.config.migration import LegacyFile, Migration


@app.command()
def migrate(
    files: Annotated[
        list[Path],
        typer.Argument(
            help="The old tools' files: .env files, sync-webhook's app.py (PATH_MAPPINGS) and "
            "job database, TVMaze-Sync's config.yaml, state.json and shows.db.",
            show_default=False,
            metavar="FILE",
        ),
    ],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print the new config and the report; write nothing.")
    ] = False,
    output: Annotated[
        Path, typer.Option("--output", "-o", help="Where to write the new config.", dir_okay=False)
    ] = Path("arrkestra.yaml"),
    force: Annotated[bool, typer.Option("--force", help="Overwrite --output.")] = False,
    config: Annotated[
        Path | None,
        typer.Option(
            "--config",
            "-c",
            help="Import the data into this config's database (default: the new config's; "
            "with only databases given, $ARRKESTRA_CONFIG, else ./arrkestra.yaml).",
            dir_okay=False,
        ),
    ] = None,
) -> None:
    """Switch from ArrSync, sync-webhook and TVMaze-Sync: write an arrkestra config from their
    files and import their shows and job history (see docs/migrating.md)."""
    legacy, data = _recognise(files)
    migration = _build(legacy) if legacy else None
    if migration is not None and not dry_run and output.exists() and not force:
        err(f"error: {output} exists; choose another --output, or --force to overwrite it")
        raise typer.Exit(2)
    if migration is not None:
        _print_report(migration, legacy, output, dry_run=dry_run)
    settings = _checked(migration) if migration is not None else None
    failed = migration is not None and settings is None
    if data:
        _import(data, config, settings, migration, dry_run=dry_run)
    if migration is not None and not dry_run:
        _write(migration, legacy, output)
    if failed:
        raise typer.Exit(1)


def _recognise(paths: Sequence[Path]) -> tuple[list[LegacyFile], DataInputs]:
    """What each file is; every unknown one named, then exit 2."""
    from arrkestra.config.migration import EXPECTED, Refused, TvmazeState, read_legacy_file
    from arrkestra.store.legacy_db import LegacyDatabase, is_sqlite, kind_of

    legacy: list[LegacyFile] = []
    data = DataInputs()
    refused = 0
    for path in paths:
        if not path.is_file():
            err(f"error: {path}: no such file")
            refused += 1
            continue
        if is_sqlite(path):
            kind = kind_of(path)
            if kind in (LegacyDatabase.TVMAZE_SHOWS, LegacyDatabase.SYNC_JOBS):
                if kind is LegacyDatabase.TVMAZE_SHOWS:
                    data = replace(data, shows=path)
                else:
                    data = replace(data, jobs=path)
                typer.echo(f"{path}: {kind}")
                continue
            why = "use it as it is" if kind is LegacyDatabase.ARRKESTRA else f"expected {EXPECTED}"
            err(f"error: {path}: not recognised: {kind}; {why}")
            refused += 1
            continue
        found = read_legacy_file(path)
        if isinstance(found, Refused):
            err(f"error: {path}: {found.reason}")
            refused += 1
            continue
        typer.echo(f"{path}: {found.describe()}")
        if isinstance(found, TvmazeState):
            data = replace(data, state=found.data, state_file=path)
        else:
            legacy.append(found)
    if refused:
        raise typer.Exit(2)
    return legacy, data


def _build(legacy: Sequence[LegacyFile]) -> Migration:
    from arrkestra.config.migration import build_config

    return build_config(legacy)


def _checked(migration: Migration) -> Settings | None:
    """The new config loaded by arrkestra's loader, as it will run (the old variables kept
    set); a variable it references that is not set here gets a stand-in for the check."""
    from arrkestra.config import config_warnings, settings_from_data
    from arrkestra.core.errors import ConfigError

    environ = {**migration.environment, **os.environ}
    missing = [
        n for n in migration.report.references if n not in environ and f"{n}_FILE" not in environ
    ]
    stand_ins = {
        n: "http://stand-in.invalid" if "URL" in n else "stand-in-0123456789" for n in missing
    }
    try:
        settings = settings_from_data(migration.data, {**environ, **stand_ins})
    except ConfigError as exc:
        err(f"error: the new config does not load: {exc}")
        return None
    if missing:
        typer.echo(f"not set here (set them before arrkestra starts): {', '.join(missing)}")
    for warning in config_warnings(settings):
        typer.echo(f"warning: {warning.render()}")
    return settings


def _print_report(
    migration: Migration, legacy: Sequence[LegacyFile], output: Path, *, dry_run: bool
) -> None:
    from arrkestra.config.migration import render_yaml

    if dry_run:
        typer.echo(f"--- {output} (dry run: not written) ---")
        typer.echo(render_yaml(migration.data, [str(f.path) for f in legacy]), nl=False)
        typer.echo("---")
    for line in migration.report.lines():
        typer.echo(line)


def _import(
    data: DataInputs,
    config: Path | None,
    settings: Settings | None,
    migration: Migration | None,
    *,
    dry_run: bool,
) -> None:
    """Into the database of --config, else of the new config, else the usual one."""
    from arrkestra.store.connection import StoreError

    if config is not None or migration is None:
        settings = load(config)
    if settings is None:
        err(
            "not imported: the new config does not load (above); fix it, then run migrate "
            "again with the databases and --config FILE"
        )
        return
    try:
        lines = import_data(data, settings, dry_run=dry_run)
    except StoreError as exc:
        err(f"error: {settings.redactor()(str(exc))}")
        raise typer.Exit(1) from None
    for line in lines:
        typer.echo(line)


def _write(migration: Migration, legacy: Sequence[LegacyFile], output: Path) -> None:
    from arrkestra.config.migration import render_yaml

    text = render_yaml(migration.data, [str(f.path) for f in legacy])
    partial = output.with_name(f".{output.name}.partial")
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        partial.write_text(text, encoding="utf-8")
        partial.replace(output)
    except OSError as exc:
        err(f"error: cannot write {output}: {exc.strerror or type(exc).__name__}")
        raise typer.Exit(1) from None
    typer.echo(f"wrote {output}; check it with: arrkestra check --config {output}")
