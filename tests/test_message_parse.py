"""The fast paths of mailcheck/ingest/message.py against the plain code they replaced.

Each reference below is the straightforward version (kept here as the oracle); the
module's version must give the same answer on the fixtures, the shared sisimai corpus and
random input built from the pieces that matter (line ends, folds, field names).
"""

from __future__ import annotations

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mailcheck.ingest.message import _KNOWN_FIELDS, looks_like_message

from .conftest import FIXTURES, shared_path

_HEADER_LINE = re.compile(rb"^[!-9;-~]{1,76}:[ \t]?", re.M)


def reference_looks_like_message(data: bytes) -> bool:
    head = data[:4096].lstrip(b"\r\n\t ")
    if head.startswith(b"From ") and b"\n" in head:
        head = head.split(b"\n", 1)[1]
    first_block = re.split(rb"\r?\n\r?\n", head, maxsplit=1)[0]
    lines = [ln for ln in first_block.splitlines() if ln and ln[:1] not in (b" ", b"\t")]
    if len(lines) < 2:
        return False
    names = [m.group().rstrip(b": \t").lower() for ln in lines if (m := _HEADER_LINE.match(ln))]
    if len(names) < 2 or len(names) < len(lines) * 0.8:
        return False
    return any(n in _KNOWN_FIELDS or n.startswith((b"x-", b"arc-", b"list-")) for n in names)


def _inputs():
    files = sorted(p for p in FIXTURES.rglob("*") if p.is_file())
    files += sorted(p for p in shared_path("corpus", "sisimai-dev", "emails").rglob("*")
                    if p.is_file())
    return files


def test_looks_like_message_on_corpus():
    for p in _inputs():
        data = p.read_bytes()
        assert looks_like_message(data) == reference_looks_like_message(data), p


PIECES = st.sampled_from([
    b"\r", b"\n", b"\r\n", b" ", b"\t", b"From ", b"From: a@b", b"To: c", b"X-Y:", b"Subject:",
    b"text", b":", b"N" * 76 + b":", b"N" * 77 + b":", b"Received: x", b"\x0c", b"\x1c",
    b"List-Id: 1", b"\xff", b"Arc-Seal:", b"Odd-Name:"])


@settings(max_examples=3000, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(PIECES, max_size=24))
def test_looks_like_message_on_random_pieces(pieces):
    data = b"".join(pieces)
    assert looks_like_message(data) == reference_looks_like_message(data)


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.binary(max_size=300))
def test_looks_like_message_on_random_bytes(data):
    assert looks_like_message(data) == reference_looks_like_message(data)


def test_looks_like_message_cut_at_4096_bytes():
    for pad in range(4080, 4100):
        for tail in (b"\n\n", b"\r\n\r\n", b"\n\r\n", b"\r\r"):
            data = b"From: a\nTo: b\nX-" + b"a" * pad + b":" + tail + b"body"
            assert looks_like_message(data) == reference_looks_like_message(data)
