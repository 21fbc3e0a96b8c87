"""Shortcuts in the plain-text reader held to the general code they replace.

Reference copies of the replaced functions live here; hypothesis feeds both the same input.
"""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from mailcheck.ingest import plaintext
from mailcheck.model import Evidence, Line


def test_extra_folds_are_what_the_regex_engine_folds_onto_ascii_letters() -> None:
    letters = re.compile("[a-z]", re.I)
    extra: dict[str, set[str]] = {}
    for cp in range(0x80, 0x110000):
        ch = chr(cp)
        if letters.fullmatch(ch):
            for low in "abcdefghijklmnopqrstuvwxyz":
                if re.fullmatch(low, ch, re.I):
                    extra.setdefault(low, set()).add(ch)
    assert extra == {k: set(v) for k, v in plaintext._EXTRA_FOLDS.items()}


def test_heads_are_the_starts_of_what_the_patterns_accept() -> None:
    for phrase in plaintext._START_PHRASES:
        assert phrase[:3] in plaintext._PHRASE_HEADS
        assert plaintext._may_start_boundary(phrase.upper())
    for name in ("Received", "Return-Path", "Message-ID", "Message-Id", "X-A", "DKIM-Signature",
                 "MIME-Version", "Content-Type", "ARC-Seal", "Authentication-Results"):
        assert plaintext._RETURNED_HEADER.match(f"{name}:")
        assert name[:2] in plaintext._RETURNED_HEADS
        assert name[:2].lower() in plaintext._RETURNED_HEADS


# -- body_lines as it was before the three-character gates --------------------------------
_OLD_RETURNED_FIRST = frozenset("rmxdcaRMXDCA")
_OLD_PHRASE_FIRST = frozenset("obmhtcyOBMHTCY")
_OLD_MAY_START = _OLD_PHRASE_FIRST | frozenset(" \t-=*_>")


def _old_may_start_boundary(text: str) -> bool:
    t = text.lstrip(" \t")
    c = t[:1]
    if c == ">":
        return t[1:].lstrip(" \t")[:1] in _OLD_PHRASE_FIRST
    return c in _OLD_PHRASE_FIRST or c in ("-", "=", "*", "_") and t[1:2] == c


def _old_is_boundary(text: str) -> bool:
    if not (_old_may_start_boundary(text) and plaintext._BOUNDARY_START.match(text)):
        low = text.lower()
        return any(p in low for p in plaintext._BOUNDARY_PHRASES)
    low = text.lower()
    if "content-type" in low or "original message follows" in low:
        return True
    if low.strip(" \t-=*_>") == "":
        return False
    return any(w in low for w in plaintext._BOUNDARY_WORDS)


def _old_body_lines(ev: Evidence) -> list[Line]:
    phrases = any(p in ev.haystack_lower() for p in plaintext._BOUNDARY_PHRASES)
    out: list[Line] = []
    for ln in ev.lines:
        part = ln.part
        if part == "headers" or part == "returned-headers" or part.startswith("message/"):
            continue
        text = ln.text
        if (phrases or text[:1] in _OLD_MAY_START and _old_may_start_boundary(text)) and \
                _old_is_boundary(text):
            if out:
                break
            continue
        if out and text[:1] in _OLD_RETURNED_FIRST and plaintext._RETURNED_HEADER.match(text):
            break
        out.append(ln)
    return out


_PIECES = [
    "", " ", "\t", "  ", ">", "> ", "-", "--", "----", "==", "**", "__", "=", ":", " :",
    "original message follows", "Below this line is a copy", "ORİGİNAL message header",
    "orıginal message", "meſſage headers follow", "MESSAGE HEADERS FOLLOW", "here is a copy",
    "the header of the original", "The original message headers", "your original message",
    "content-type: message/rfc822", "below is a copy", "below this line",
    "original mail as follows", "copy of the message", "returned message",
    "Received", "received", "Return-Path", "Message-Id", "X-Foo", "x-", "DKİM-Signature",
    "Dkim-signature", "MIME-Version", "mıme-version", "Content-Type", "ARC-Seal",
    "Authentication-Results", "hello", "the", "co", "re", "K", "ſ", "ı", "İ", "a@b.example",
    "550 5.1.1 unknown", "Bob", "\u212a",
]
_PARTS = ["headers", "returned-headers", "text/plain", "text/plain", "body",
          "message/delivery-status", "text/html"]


@settings(max_examples=1500, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(_PARTS),
                          st.lists(st.sampled_from(_PIECES), max_size=4)), max_size=14))
def test_body_lines_finds_the_lines_the_old_loop_found(rows) -> None:
    lines = [Line(part, i + 1, "".join(pieces)) for i, (part, pieces) in enumerate(rows)]
    assert plaintext.body_lines(Evidence(lines=lines)) == _old_body_lines(Evidence(lines=lines))
