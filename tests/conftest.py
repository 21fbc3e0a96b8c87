"""Shared test helpers.

``need(condition, why)`` skips a test on a user's machine that lacks a system package or
the ../shared data, and fails it instead when CI=true, so CI never passes by skipping.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures"
SHARED = ROOT.parent / "shared"
IN_CI = os.environ.get("CI", "").lower() == "true"


def need(condition: object, why: str) -> None:
    if condition:
        return
    if IN_CI:
        pytest.fail(f"required in CI: {why}")
    pytest.skip(why)


def shared_path(*parts: str) -> Path:
    """A path under ../shared, or a skip (a failure in CI) when it is absent."""
    p = SHARED.joinpath(*parts)
    need(p.exists(), f"{p} is not available (../shared beside the repository)")
    return p
