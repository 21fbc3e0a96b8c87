"""Shared test helpers.

``need(condition, why)`` skips a test on a user's machine that lacks a system package or
the ../shared data, and fails it instead when CI=true, so CI never passes by skipping.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures"
SHARED = ROOT.parent / "shared"
IN_CI = os.environ.get("CI", "").lower() == "true"


# Parsed rule packs, compiled patterns and the Public Suffix List are cached in the user's
# cache folder (mailcheck.tomlcache, mailcheck.regexcache): the tests keep theirs in a
# temporary one, and so do the mailcheck processes they start. It is set here, before any
# test module imports mailcheck, because the pattern cache picks its file at import and
# writes it at exit; the folder is removed after that (atexit runs the later-registered
# handler, mailcheck's, first).
_CACHE = tempfile.mkdtemp(prefix="mailcheck-tests-cache-")
os.environ["XDG_CACHE_HOME"] = _CACHE
atexit.register(shutil.rmtree, _CACHE, True)


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


# --- issue 4 (authentication checks): a real NSD on loopback -------------------------------
def find_nsd() -> str | None:
    import shutil

    sbin = os.pathsep.join(["/usr/sbin", "/usr/local/sbin"])
    return shutil.which("nsd", path=os.environ.get("PATH", "") + os.pathsep + sbin)


@pytest.fixture(scope="session")
def nsd_servers(tmp_path_factory):
    """Start NSD servers on loopback on demand: ``start(zones) -> NSDServer``.

    Session-scoped: every server started is stopped, by its own PID, when the session ends.
    """
    from .nsd_server import NSDServer

    nsd = find_nsd()
    need(nsd, "nsd is not installed (apt-get install -y nsd)")
    servers = []

    def start(zones: dict[str, str]) -> NSDServer:
        server = NSDServer(nsd, tmp_path_factory.mktemp("nsd"), zones).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()
# --- end issue 4 ---------------------------------------------------------------------------


def dsn_report(fields: str, prose: str = "") -> bytes:
    """A minimal multipart/report: ``prose`` as its text part, ``fields`` as the
    recipients' blocks of its delivery-status part (the test's own text)."""
    return (
        "From: MAILER-DAEMON@mx.a.example\nTo: alice@a.example\n"
        "Subject: Returned mail: see transcript for details\nMIME-Version: 1.0\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="XX"\n\n'
        "--XX\nContent-Type: text/plain\n\n" + prose + "\n"
        "--XX\nContent-Type: message/delivery-status\n\n"
        "Reporting-MTA: dns; mx.a.example\n\n" + fields + "\n--XX--\n").encode()
