"""The README tells the truth: its output blocks are current and CI runs its test command."""

from __future__ import annotations

import re
import subprocess
import sys

from .conftest import ROOT


def _sh_blocks(text: str) -> list[str]:
    return re.findall(r"```sh\n(.*?)\n```", text, re.S)


def test_ci_runs_exactly_the_readme_test_command():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    install_and_run, install_and_test = _sh_blocks(readme)[:2]
    assert "mailcheck diagnose fixtures/" in install_and_run
    assert "pytest" in install_and_test
    ci_lines = (ROOT / ".ci" / "run").read_text().splitlines()
    assert install_and_test.strip() in [ln.strip() for ln in ci_lines]


def test_readme_generated_blocks_are_fresh():
    p = subprocess.run([sys.executable, str(ROOT / "scripts" / "regen.py"), "--check"],
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stdout + p.stderr


def test_bundled_example_exists():
    assert (ROOT / "fixtures" / "seed" / "exo-5.7.520-ndr.eml").is_file()
