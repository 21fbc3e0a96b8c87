#!/usr/bin/env python3
"""Time `mailcheck batch --format jsonl` over a corpus of about 6,000 messages.

    python benchmarks/bench_batch.py [--messages 6000] [--jobs 1 2] [--source DIR]

The corpus is built at run time in a temporary folder by copying the messages of
../shared/corpus/sisimai-dev/emails (or, when that is absent, the project's fixtures/)
over and over, so nothing from ../shared is stored in the repository. Each run is a fresh
`mailcheck batch` process (start-up included, no network), its output sent to /dev/null;
the figures are messages per second and the peak resident memory of the process tree
(the batch process and its workers, from getrusage).

Reference on this machine class (issue 6): Perl Sisimai does the same corpus in about
4.3 s single-process, about 1,360 messages/s. The target is twice that at --jobs 1.
Where Perl and its Sisimai module are installed (Debian: libsisimai-perl), Sisimai is
timed here too, on the same files (``Sisimai->dump`` over one flat folder of links to
them, start-up included, best of the same number of runs), and the ratios use that rate.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SISIMAI_RATE = 1360.0


def source_messages(source: Path | None) -> list[Path]:
    candidates = [source] if source else [
        ROOT.parent / "shared" / "corpus" / "sisimai-dev" / "emails",
        ROOT / "fixtures",
    ]
    for c in candidates:
        if c and c.is_dir():
            files = sorted(p for p in c.rglob("*") if p.is_file() and p.suffix in (".eml", ""))
            if files:
                return files
    sys.exit("no messages to replicate: pass --source DIR")


def build_corpus(files: list[Path], count: int, into: Path) -> int:
    """Copy ``files`` round-robin into ``into`` until there are ``count`` messages."""
    made = 0
    copy = 0
    while made < count:
        sub = into / f"copy{copy:03d}"
        sub.mkdir()
        for f in files:
            if made >= count:
                break
            shutil.copyfile(f, sub / f.name)
            made += 1
        copy += 1
    return made


#: Sisimai's own batch entry point: every message of a folder to JSON (not recursive).
_SISIMAI = "use Sisimai; my $j = Sisimai->dump($ARGV[0]); print length($j), qq(\\n);"


def sisimai_folder(corpus: Path, into: Path) -> str | None:
    """Perl's path, with the corpus linked flat into ``into`` (Sisimai reads one folder,
    not a tree); None where Perl or its Sisimai module is missing."""
    perl = shutil.which("perl")
    if not perl or subprocess.run([perl, "-MSisimai", "-e", "1"],
                                  capture_output=True).returncode != 0:
        return None
    into.mkdir()
    for i, f in enumerate(sorted(p for p in corpus.rglob("*") if p.is_file())):
        target = into / f"{i:05d}-{f.name}"
        try:
            os.link(f, target)
        except OSError:  # a file system without hard links
            shutil.copyfile(f, target)
    return perl


def sisimai_run(perl: str, folder: Path) -> tuple[float, float] | None:
    """(wall seconds, CPU seconds) of one ``Sisimai->dump`` over ``folder``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    p = subprocess.run([perl, "-e", _SISIMAI, str(folder)], capture_output=True, text=True)
    secs = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if p.returncode != 0:
        return None
    return secs, (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)


def count_lines(path: Path) -> int:
    with open(path, "rb") as f:
        return sum(1 for _ in f)


#: Runs one command in a clean interpreter and reports its time and the peak RSS (KiB) of
#: the largest process of its tree (the batch process or one of its workers).
_TIMER = ("import resource,subprocess,sys,time;t=time.perf_counter();"
          "p=subprocess.run(sys.argv[1:],stdout=subprocess.DEVNULL,stderr=subprocess.PIPE);"
          "e=time.perf_counter()-t;sys.stderr.write(p.stderr.decode(errors='replace')[-800:]);"
          "r=resource.getrusage(resource.RUSAGE_CHILDREN);"
          "print(p.returncode,e,r.ru_maxrss,r.ru_utime+r.ru_stime)")


#: The runs see the environment a user's would: an installed package has its bytecode
#: compiled (pip does it at install time), so a setting that stops Python from keeping
#: compiled modules (some sandboxes set it) would add start-up time no user pays.
_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


#: What `mailcheck` the runs import and how it is installed: the README's quickstart makes a
#: regular install (`pip install .`); a development install (`pip install -e .`) adds an
#: import hook to every interpreter start, which a user's install does not pay.
_WHERE = ("import json,sys,importlib.metadata as m,mailcheck;d=m.distribution('mailcheck');"
          "u=json.loads(d.read_text('direct_url.json') or '{}');"
          "print(json.dumps([mailcheck.__file__,d.version,"
          "bool(u.get('dir_info',{}).get('editable'))]))")


def describe_install() -> str:
    """One line: the mailcheck the runs import, its kind of install, and the start-up time
    of the bare interpreter (site-packages hooks included), which no change here affects."""
    p = subprocess.run([sys.executable, "-c", _WHERE], capture_output=True, text=True,
                       env=_ENV)
    try:
        path, version, editable = json.loads(p.stdout)
    except ValueError:
        return "mailcheck install: unknown (" + p.stderr.strip()[-200:] + ")"
    kind = ("a development install (pip install -e: its import hook runs at every start)"
            if editable else "a regular install (as the README's quickstart makes)")
    bare = []
    for _ in range(5):
        t = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], env=_ENV)
        bare.append(time.perf_counter() - t)
    return (f"mailcheck {version} from {Path(path).parent}, {kind}; the bare interpreter "
            f"starts in {min(bare) * 1000:.0f} ms here (site-packages hooks included)")


def run(corpus: Path, jobs: int, out: Path) -> tuple[float, int, int, float]:
    """(seconds, output lines, peak RSS in KiB, CPU seconds of the process tree) for one
    `mailcheck batch` run."""
    cmd = [sys.executable, "-c", _TIMER, sys.executable, "-m", "mailcheck.cli", "batch",
           str(corpus), "--format", "jsonl", "--jobs", str(jobs), "-o", str(out)]
    p = subprocess.run(cmd, capture_output=True, text=True, env=_ENV)
    try:
        rc, secs, peak, cpu = p.stdout.split()
    except ValueError:
        sys.exit(f"benchmark run failed: {p.stderr[-1000:]}")
    if rc not in ("0", "1"):
        sys.exit(f"mailcheck batch failed (exit {rc}): {p.stderr[-1000:]}")
    return float(secs), count_lines(out), int(peak), float(cpu)


def _spin(n: int) -> int:
    total = 0
    for i in range(n):
        total += i * i
    return total


def calibration(jobs: int, n: int = 2_000_000, tasks: int = 8) -> float:
    """How much faster a pure-Python loop runs in ``jobs`` processes than in one, now.

    The ceiling for --jobs scaling on this machine at this moment (other work running on
    a shared machine lowers it)."""
    from concurrent.futures import ProcessPoolExecutor

    t0 = time.perf_counter()
    for _ in range(tasks):
        _spin(n)
    serial = time.perf_counter() - t0
    with ProcessPoolExecutor(jobs) as pool:
        t0 = time.perf_counter()
        list(pool.map(_spin, [n] * tasks))
        parallel = time.perf_counter() - t0
    return serial / parallel


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--messages", type=int, default=6000)
    ap.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--repeat", type=int, default=2, help="runs per setting; the best counts")
    ap.add_argument("--source", type=Path)
    args = ap.parse_args()
    files = source_messages(args.source)
    with tempfile.TemporaryDirectory(prefix="mailcheck-bench-") as tmp:
        corpus = Path(tmp) / "corpus"
        corpus.mkdir()
        n = build_corpus(files, args.messages, corpus)
        size = sum(f.stat().st_size for f in corpus.rglob("*") if f.is_file())
        print(f"corpus: {n} files ({size / 1e6:.1f} MB) replicated from {len(files)} messages "
              f"of {files[0].parent}")
        flat = Path(tmp) / "flat"
        perl = sisimai_folder(corpus, flat)
        # one untimed run over a few messages first, so that compiled modules are in place
        run(next(corpus.iterdir()), 1, Path(tmp) / "warm-up.jsonl")
        # Sisimai's runs alternate with the first setting's, so that both see the machine
        # as it is at the same moments (a busy or drifting machine moves them together)
        results: dict[int, list[tuple[float, int, int, float]]] = {j: [] for j in args.jobs}
        sisimai_runs: list[tuple[float, float]] = []
        print(describe_install())
        for _ in range(args.repeat):
            if perl:
                timed = sisimai_run(perl, flat)
                if timed is None:
                    perl = None
                else:
                    sisimai_runs.append(timed)
            jobs = args.jobs[0]
            results[jobs].append(run(corpus, jobs, Path(tmp) / f"out{jobs}.jsonl"))
        for jobs in args.jobs[1:]:
            for _ in range(args.repeat):
                results[jobs].append(run(corpus, jobs, Path(tmp) / f"out{jobs}.jsonl"))
        sisimai = (min(w for w, _ in sisimai_runs), min(c for _, c in sisimai_runs)) \
            if perl and sisimai_runs else None
        if sisimai:
            print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs; Perl Sisimai "
                  f"measured now over the same files, its runs alternating with ours: "
                  f"{sisimai[0]:.2f} s, CPU {sisimai[1]:.2f} s")
        else:
            print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs; reference: Perl "
                  f"Sisimai ~{SISIMAI_RATE:.0f} msgs/s single-process (not installed here, "
                  "so not measured)")
        base = None
        for jobs in args.jobs:
            best = min(r[0] for r in results[jobs])
            best_cpu = min(r[3] for r in results[jobs])
            peak_kib = max(r[2] for r in results[jobs])
            lines = results[jobs][-1][1]
            rate = lines / best
            base = base or rate
            # against Sisimai's rate over the same messages, wall clock and CPU time (the
            # CPU ratio holds on a busy machine, where the wall clock does not)
            reference = lines / sisimai[0] if sisimai else SISIMAI_RATE
            vs_cpu = f", {sisimai[1] / best_cpu:.2f}x by CPU time" if sisimai else ""
            print(f"--jobs {jobs}: {lines} messages in {best:.2f} s = {rate:,.0f} msgs/s "
                  f"({rate / reference:.2f}x Sisimai{vs_cpu}; {rate / base:.2f}x --jobs "
                  f"{args.jobs[0]}); CPU {best_cpu:.2f} s ({lines / best_cpu:,.0f} msgs per "
                  f"CPU-second); peak memory {peak_kib / 1024:.0f} MiB (largest process)")
        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0
        top = max(args.jobs)
        print(f"machine check: load average {load:.2f} on {os.cpu_count()} CPUs; a pure-Python "
              f"loop runs {calibration(top):.2f}x faster in {top} processes than in 1 right "
              "now (the ceiling for --jobs scaling at this moment)")


if __name__ == "__main__":
    main()
