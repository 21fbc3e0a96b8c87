"""The benchmark script runs end to end on a small corpus and prints its figures (it is
not a timing test: the figures themselves are not checked)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_bench_batch_prints_its_figures(tmp_path):
    p = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench_batch.py"), "--messages", "12",
         "--jobs", "1", "2", "--repeat", "1", "--source", str(ROOT / "fixtures" / "bounces")],
        capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert p.returncode == 0, p.stderr[-2000:]
    out = p.stdout
    assert "corpus: 12 files" in out
    assert "mailcheck " in out and "install" in out  # which copy is measured, and how
    for jobs in (1, 2):
        line = next(ln for ln in out.splitlines() if ln.startswith(f"--jobs {jobs}:"))
        assert "12 messages in" in line and "msgs/s" in line and "peak memory" in line
    assert "machine check:" in out
