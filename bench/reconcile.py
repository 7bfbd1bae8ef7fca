"""Reconcile's tree comparison against ``rsync -a -n`` over the same two trees; prints a table.

Builds a library-shaped tree of ``--files`` small files (default 200,000) in a temporary
folder (:func:`make_library`: ``shows/Show NNNN (YYYY)/Season NN/`` episodes with their
``.en.srt`` and ``.nfo`` sidecars, a few bytes to a few KiB each, plus the NAS clutter the
mirror's default excludes skip: ``@eaDir`` thumbnail folders, ``.DS_Store`` files, a
``#recycle`` bin), copies it with ``cp -a`` (times kept, so rsync's quick check sees equal
files as equal) and changes the copy in known ways (:func:`make_destination`): files
deleted (scattered, and one whole season folder), files of another size, files and a
show folder only in the copy, and changes inside excluded folders that both sides must
ignore.

Then, in the same run, over the same two trees, with the same excludes:

- arrkestra: ``compare_trees`` (both trees listed and diffed, in this repo's default
  two processes) in a fresh Python subprocess. Its time is taken inside that process,
  around the call (a daemon has its interpreter started already); the subprocess's wall
  time, interpreter start and imports included, is shown too;
- rsync: ``rsync -a -n --out-format=%n --exclude=... SRC/ DST/`` (the dry run of what
  the mirror's rsync would copy), its wall time.

Both first run once untimed (the page cache and dentry cache warm), then ``--rounds``
rounds taking turns going first; the table shows medians. Peak RSS is the largest
process of each run (``wait4``), and for arrkestra also the comparison process and its
helper apart. Both must find the same files to copy (missing + different) as the
changes made: the run fails otherwise.

Usage: python bench/reconcile.py [--files 200000] [--rounds 5] [--workdir DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

EXCLUDES = ("#recycle", "@eaDir", ".DS_Store")
BLOCK = random.Random(0).randbytes(64 * 1024)
MIB = 1024 * 1024


# -- the library ------------------------------------------------------------------------


@dataclass
class Library:
    """What :func:`make_library` wrote: every regular file's relative path and size."""

    files: dict[str, int] = field(default_factory=dict)
    excluded: int = 0  # of those, files under an excluded name (@eaDir, .DS_Store, #recycle)


def write_file(root: Path, relative: str, size: int, library: Library) -> None:
    with open(root / relative, "wb") as handle:
        handle.write(BLOCK[:size])
    library.files[relative] = size


def make_library(root: Path, files: int, rng: random.Random) -> Library:
    """A Sonarr-shaped library of exactly ``files`` small files under ``root``.

    ``shows/Show NNNN (YYYY)/Season NN/`` with episodes (``.mkv``) and their ``.en.srt``
    and ``.nfo`` sidecars, ``tvshow.nfo`` and ``poster.jpg`` per show, and the clutter a
    NAS adds: Synology ``@eaDir`` thumbnail folders, macOS ``.DS_Store`` files and a
    ``#recycle`` bin at the top. Sizes are a few bytes to a few KiB.
    """
    library = Library()
    recycle = max(1, files // 200)
    (root / "#recycle").mkdir(parents=True)
    for n in range(recycle):
        write_file(root, f"#recycle/deleted {n:05d}.mkv", rng.randint(1, 8192), library)
    library.excluded += recycle
    show = 0
    while len(library.files) < files:
        show += 1
        make_show(root, show, files - len(library.files), rng, library)
    return library


def make_show(root: Path, number: int, budget: int, rng: random.Random, library: Library) -> None:
    title = f"Show {number:04d} ({1950 + number % 75})"
    folder = f"shows/{title}"
    (root / folder).mkdir(parents=True)
    extras = [("tvshow.nfo", rng.randint(200, 4000)), ("poster.jpg", rng.randint(1000, 16000))]
    if number % 7 == 0:
        extras.append((".DS_Store", rng.randint(6, 12000)))
    for name, size in extras[:budget]:
        write_file(root, f"{folder}/{name}", size, library)
        library.excluded += name == ".DS_Store"
    budget -= min(budget, len(extras))
    for season in range(1, rng.randint(1, 8) + 1):
        if budget <= 0:
            return
        budget -= make_season(root, f"{folder}/Season {season:02d}", budget, rng, library)


def make_season(
    root: Path, folder: str, budget: int, rng: random.Random, library: Library
) -> int:
    (root / folder).mkdir()
    title = folder.split("/")[1].rsplit(" (", 1)[0]
    season = int(folder.rsplit(" ", 1)[1])
    thumbnails = rng.random() < 0.2
    if thumbnails:
        (root / folder / "@eaDir").mkdir()
    written = 0
    for episode in range(1, rng.randint(6, 24) + 1):
        stem = f"{title} - S{season:02d}E{episode:02d} - Episode {episode} [WEBDL-1080p]"
        names = [
            (f"{stem}.mkv", rng.randint(1024, 8192)),
            (f"{stem}.en.srt", rng.randint(100, 6000)),
            (f"{stem}.nfo", rng.randint(20, 600)),
        ]
        if thumbnails:
            (root / folder / "@eaDir" / f"{stem}.mkv").mkdir()
            names.append((f"@eaDir/{stem}.mkv/SYNOVIDEO_VIDEO_SCREENSHOT.jpg", 2000))
        for name, size in names[: budget - written]:
            write_file(root, f"{folder}/{name}", size, library)
            library.excluded += name.startswith("@eaDir/")
            written += 1
        if written >= budget:
            break
    return written
