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

- arrkestra: ``adapters.tree_scan.compare_trees`` (both trees listed and diffed, in
  its default two processes: this one and a helper) in a fresh Python subprocess. Its
  time is taken inside that process, around the call (in the daemon the interpreter is
  running already); the subprocess's wall time, interpreter start and imports
  included, is shown too;
- rsync: ``rsync -a -n --out-format=%n --exclude=... SRC/ DST/`` (the dry run of what
  the mirror's rsync would copy), its wall time.

Both first run once untimed (page cache and dentry cache warm), then ``--rounds`` rounds
taking turns going first; the table shows medians. Peak RSS is that of the largest
process of a run (GNU ``time``'s ``%M``; rsync runs as two or three processes, arrkestra
as two), and for arrkestra the comparison process (``VmHWM``) and its helper apart.
Both must find exactly the files to copy (missing + different) that the changes made,
and arrkestra the extra ones: the run fails otherwise.

Then the bulk copy of ``--bulk-files`` missing files by the daemon against plain
``rsync -a`` (``bench/reconcile_bulk.py``; ``--bulk-files 0`` skips it).

Usage: python bench/reconcile.py [--files 200000] [--rounds 5] [--bulk-files 20000]
       [--workdir DIR]
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

import reconcile_bulk  # bench/reconcile_bulk.py: the script's folder is on sys.path

EXCLUDES = ("#recycle", "@eaDir", ".DS_Store")
BLOCK = random.Random(0).randbytes(64 * 1024)
MIB = 1024 * 1024
TIME = "/usr/bin/time"  # GNU time, for peak RSS


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


def make_season(root: Path, folder: str, budget: int, rng: random.Random, library: Library) -> int:
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


def excluded(path: str) -> bool:
    """The mirror's default excludes, as a plain model: any component named like one."""
    return any(part in EXCLUDES for part in path.split("/"))


@dataclass
class Changes:
    """What :func:`make_destination` did, and the diff it implies (excludes applied)."""

    missing: set[str] = field(default_factory=set)
    different: set[str] = field(default_factory=set)
    extra: set[str] = field(default_factory=set)
    excluded: int = 0  # changes inside excluded folders or names, to be ignored

    @property
    def to_copy(self) -> set[str]:
        return self.missing | self.different


def make_destination(source: Path, destination: Path, library: Library, seed: int) -> Changes:
    """``cp -a`` of ``source``, then changed in known ways (see the module doc)."""
    rng = random.Random(seed)
    destination.mkdir(parents=True)
    subprocess.run(["cp", "-a", f"{source}/.", str(destination)], check=True)
    mirror = Library(files=dict(library.files))
    kept = sorted(path for path in library.files if not excluded(path))
    count = len(library.files)
    season = next(p for p in kept if "/Season 02/" in p).rsplit("/", 1)[0]
    subprocess.run(["rm", "-rf", "--", str(destination / season)], check=True)
    for path in [p for p in mirror.files if p.startswith(season + "/")]:
        del mirror.files[path]
    kept = [path for path in kept if path in mirror.files]
    chosen = rng.sample(kept, count // 100 + count // 400)
    for path in chosen[: count // 100]:
        (destination / path).unlink()
        del mirror.files[path]
    for path in chosen[count // 100 :]:
        grow = rng.randint(1, 100)
        with open(destination / path, "ab") as handle:
            handle.write(BLOCK[:grow])
        mirror.files[path] += grow
    add_extras(destination, kept, count // 400, rng, mirror)
    changes = Changes(excluded=change_excluded(destination, count // 400, rng, mirror))
    source_files = {p: s for p, s in library.files.items() if not excluded(p)}
    mirror_files = {p: s for p, s in mirror.files.items() if not excluded(p)}
    changes.missing = source_files.keys() - mirror_files.keys()
    changes.extra = mirror_files.keys() - source_files.keys()
    shared = source_files.keys() & mirror_files.keys()
    changes.different = {p for p in shared if source_files[p] != mirror_files[p]}
    return changes


def add_extras(
    destination: Path, kept: list[str], count: int, rng: random.Random, mirror: Library
) -> None:
    """Files only in the mirror: old names next to episodes, and a show folder."""
    for path in rng.sample(kept, count):
        stem = path.rsplit(".", 1)[0]
        write_file(destination, f"{stem} [HDTV-720p].old.mkv", rng.randint(1024, 8192), mirror)
    show = "shows/Only In The Mirror (1999)/Season 01"
    (destination / show).mkdir(parents=True)
    for n in range(1, 7):
        write_file(destination, f"{show}/Only - S01E{n:02d}.mkv", rng.randint(1024, 8192), mirror)


def change_excluded(destination: Path, count: int, rng: random.Random, mirror: Library) -> int:
    """Changes under excluded names, which no comparison may report."""
    thumbnails = [p for p in mirror.files if "/@eaDir/" in p]
    for path in rng.sample(thumbnails, min(count, len(thumbnails))):
        if rng.random() < 0.5:
            (destination / path).unlink()
            del mirror.files[path]
        else:
            write_file(destination, path, 1, mirror)
    folders = sorted({p.rsplit("/", 1)[0] for p in mirror.files if p.endswith(".mkv")})
    for folder in rng.sample(folders, min(count, len(folders))):
        (destination / folder / "@eaDir" / "new.mkv").mkdir(parents=True, exist_ok=True)
        write_file(destination, f"{folder}/@eaDir/new.mkv/SYNOPHOTO_THUMB_M.jpg", 900, mirror)
        write_file(destination, f"{folder}/.DS_Store", rng.randint(6, 9000), mirror)
    for n in range(count):
        write_file(destination, f"#recycle/mirror only {n:05d}.mkv", 100, mirror)
    return 3 * count + min(count, len(thumbnails))


# -- the two runs ------------------------------------------------------------------------


@dataclass
class Run:
    seconds: float  # what the table compares
    wall: float  # the process, start to exit
    peak_kib: int  # the largest process of the run
    to_copy: set[str]
    detail: dict[str, float] = field(default_factory=dict)


def timed(
    argv: list[str], work: Path, stdout: int | None = None
) -> tuple[subprocess.Popen[bytes], Path]:
    """Start ``argv`` under GNU time, which writes its peak RSS (KiB) to the returned file.

    Not ``wait4``'s ``ru_maxrss``: a process forked from this one starts with this one's
    resident memory (the library's listing), and Linux keeps that high-water mark across
    exec. ``time`` is small, so its children's marks are theirs.
    """
    peak = work / "peak.txt"
    return subprocess.Popen([TIME, "-f", "%M", "-o", str(peak), *argv], stdout=stdout), peak


def through_arrkestra(source: Path, destination: Path, work: Path, processes: int) -> Run:
    answer = work / "answer.json"
    argv = [sys.executable, __file__, "--compare-child", str(source), str(destination)]
    argv += [str(answer), "--processes", str(processes)]
    start = time.perf_counter()
    process, peak = timed(argv, work)
    code = process.wait()
    wall = time.perf_counter() - start
    if code != 0:
        sys.exit(f"the comparison failed with exit code {code}")
    result = json.loads(answer.read_text())
    detail = {k: result[k] for k in ("self_kib", "helper_kib", "missing", "different", "extra")}
    return Run(result["seconds"], wall, int(peak.read_text()), set(result["to_copy"]), detail)


def through_rsync(source: Path, destination: Path, work: Path) -> Run:
    argv = ["rsync", "-a", "-n", "--out-format=%n", *[f"--exclude={p}" for p in EXCLUDES]]
    argv += [f"{source}/", f"{destination}/"]
    start = time.perf_counter()
    process, peak = timed(argv, work, stdout=subprocess.PIPE)
    out, _ = process.communicate()
    seconds = time.perf_counter() - start
    if process.returncode != 0:
        sys.exit(f"rsync failed with exit code {process.returncode}")
    names = out.decode("utf-8", "surrogateescape").splitlines()
    return Run(seconds, seconds, int(peak.read_text()), {n for n in names if not n.endswith("/")})


def own_peak_kib() -> int:
    """This process's peak RSS since its exec (``VmHWM``; ``ru_maxrss`` counts the fork)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def compare_child(source: str, destination: str, answer: str, processes: int) -> None:
    """The arrkestra side, run as a fresh process: writes its result to ``answer``."""
    from arrkestra.adapters.tree_scan import compare_trees
    from arrkestra.core.excludes import ExcludeMatcher

    matcher = ExcludeMatcher(EXCLUDES)
    start = time.perf_counter()
    diff = compare_trees(source, destination, matcher, processes=processes)
    seconds = time.perf_counter() - start
    result = {
        "seconds": seconds,
        "to_copy": diff.to_copy,
        "missing": len(diff.missing),
        "different": len(diff.different),
        "extra": len(diff.extra),
        "self_kib": own_peak_kib(),
        "helper_kib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
    }
    Path(answer).write_text(json.dumps(result))


# -- main -------------------------------------------------------------------------------


@dataclass
class Rounds:
    arrkestra: list[Run] = field(default_factory=list)
    rsync: list[Run] = field(default_factory=list)


def measure(source: Path, destination: Path, work: Path, args: argparse.Namespace) -> Rounds:
    """One untimed run of each, then ``args.rounds`` rounds taking turns going first."""
    through_arrkestra(source, destination, work, args.processes)
    through_rsync(source, destination, work)
    rounds = Rounds()
    for number in range(args.rounds):
        order = ("rsync", "arrkestra") if number % 2 == 0 else ("arrkestra", "rsync")
        for which in order:
            if which == "rsync":
                rounds.rsync.append(through_rsync(source, destination, work))
            else:
                rounds.arrkestra.append(
                    through_arrkestra(source, destination, work, args.processes)
                )
        print(
            f"round {number + 1}: rsync {rounds.rsync[-1].seconds:.3f}s, "
            f"arrkestra {rounds.arrkestra[-1].seconds:.3f}s ({order[0]} first)",
            flush=True,
        )
    return rounds


def main(args: argparse.Namespace) -> None:
    base = Path(args.workdir) if args.workdir else None
    with tempfile.TemporaryDirectory(prefix="arrkestra-reconcile-", dir=base) as name:
        tmp = Path(name)
        made = time.perf_counter()
        library = make_library(tmp / "src", args.files, random.Random(args.seed))
        changes = make_destination(tmp / "src", tmp / "dst", library, args.seed + 1)
        print(
            f"library: {len(library.files)} files a side ({library.excluded} under excluded "
            f"names), built and copied in {time.perf_counter() - made:.0f}s under {tmp}",
            flush=True,
        )
        os.sync()
        rounds = measure(tmp / "src", tmp / "dst", tmp, args)
    report(rounds, changes, library, args)
    if args.bulk_files:
        reconcile_bulk.run(args.bulk_files, args.bulk_rounds, args.workdir)


def report(rounds: Rounds, changes: Changes, library: Library, args: argparse.Namespace) -> None:
    ours = statistics.median(r.seconds for r in rounds.arrkestra)
    theirs = statistics.median(r.seconds for r in rounds.rsync)
    wall = statistics.median(r.wall for r in rounds.arrkestra)
    last = rounds.arrkestra[-1]
    print()
    print(
        f"reconcile comparison: {len(library.files)} files a side, changes: "
        f"{len(changes.missing)} missing, {len(changes.different)} of another size, "
        f"{len(changes.extra)} extra, {changes.excluded} under excludes"
    )
    print(f"{'':<40} {'median s':>9} {'runs s':<40} {'peak RSS MB':>11}")
    for label, runs, seconds in (
        (f"arrkestra compare_trees ({args.processes} proc.)", rounds.arrkestra, ours),
        ("rsync -a -n --out-format=%n", rounds.rsync, theirs),
    ):
        times = " ".join(f"{r.seconds:.3f}" for r in runs)
        peak = max(r.peak_kib for r in runs) / 1024
        print(f"{label:<40} {seconds:>9.3f} {times:<40} {peak:>11.1f}")
    print(f"{'  arrkestra process incl. start':<40} {wall:>9.3f}")
    print(f"ratio arrkestra / rsync: {ours / theirs:.2f} (target <= 1.00)")
    print(
        f"arrkestra peak RSS: comparison {last.detail['self_kib'] / 1024:.1f} MB, helper "
        f"{last.detail['helper_kib'] / 1024:.1f} MB (target < 300 MB)"
    )
    check(rounds, changes)


def check(rounds: Rounds, changes: Changes) -> None:
    expected = changes.to_copy
    for which, runs in (("arrkestra", rounds.arrkestra), ("rsync", rounds.rsync)):
        for run in runs:
            if run.to_copy != expected:
                wrong = sorted(run.to_copy ^ expected)
                sys.exit(f"{which} found other files to copy ({len(wrong)} differ): {wrong[:5]}")
    detail = rounds.arrkestra[-1].detail
    if (detail["missing"], detail["different"], detail["extra"]) != (
        len(changes.missing),
        len(changes.different),
        len(changes.extra),
    ):
        sys.exit(f"arrkestra's counts differ from the changes made: {detail}")
    print(
        f"both found the same {len(expected)} files to copy, the ones changed; arrkestra also "
        f"the {len(changes.extra)} extra files"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--files", type=int, default=200000, help="files a side (200000)")
    parser.add_argument("--rounds", type=int, default=5, help="timed rounds (5)")
    parser.add_argument("--processes", type=int, default=2, help="compare_trees' processes (2)")
    parser.add_argument("--seed", type=int, default=1, help="random seed of the library (1)")
    parser.add_argument("--workdir", help="where the temporary trees go (default: $TMPDIR)")
    parser.add_argument("--bulk-files", type=int, default=20000, help="bulk copy files (20000)")
    parser.add_argument("--bulk-rounds", type=int, default=4, help="bulk copy rounds (4)")
    parser.add_argument("--compare-child", nargs=3, help=argparse.SUPPRESS)
    parsed = parser.parse_args()
    if parsed.compare_child:
        source, destination, answer = parsed.compare_child
        compare_child(source, destination, answer, parsed.processes)
    else:
        main(parsed)
