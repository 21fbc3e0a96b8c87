"""Shortcuts in the plain-text reader held to the general code they replace.

Reference copies of the replaced functions live here; hypothesis feeds both the same input.
"""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from mailcheck import textscan
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
    assert extra == {k: set(v) for k, v in textscan.EXTRA_CASE_FOLDS.items()}


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
    "550 5.1.1 unknown", "Bob", "\u212a", "         ", "\t\t\t\t\t", "ORIGINAL MESSAGE FOLLOWS",
]
_PARTS = ["headers", "returned-headers", "text/plain", "text/plain", "body",
          "message/delivery-status", "text/html"]


@settings(max_examples=1500, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(_PARTS),
                          st.lists(st.sampled_from(_PIECES), max_size=4)), max_size=14))
def test_body_lines_finds_the_lines_the_old_loop_found(rows) -> None:
    lines = [Line(part, i + 1, "".join(pieces)) for i, (part, pieces) in enumerate(rows)]
    assert plaintext.body_lines(Evidence(lines=lines)) == _old_body_lines(Evidence(lines=lines))


_GATE_PIECES = [" ", "\t", "    ", ">", "-", "--", "=", "**", "_", "x", "The ", "the header of",
                "ORİGİNAL message header", "original message follows", "below is a copy", "K"]


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.sampled_from(_GATE_PIECES), max_size=10).map("".join))
def test_boundary_gates_turn_away_only_lines_the_pattern_would(text) -> None:
    match = plaintext._BOUNDARY_START.match(text)
    if match:
        assert plaintext._may_start_boundary(text)
    # with its phrases left out, the pattern is a row after at most 8 blanks
    row = re.match(r"[ \t]{0,8}(?:-{2,}|={2,}|\*{2,}|_{2,})", text)
    assert plaintext._may_start_row(text) == bool(row)
    if match and not row:  # a phrase: in the lower-cased text, unless re.I folded it
        assert any(p in text.lower() for p in plaintext._START_PHRASES) or \
            not plaintext._no_extra_folds(text)


_WORDS = ["a", "b", "ab", "ba", "\n", " ", "host", "HOST", "talking to", "[", "İ", "x@y.example"]


@settings(max_examples=1500, deadline=None)
@given(st.lists(st.lists(st.sampled_from(_WORDS), max_size=5).map("".join), max_size=8),
       st.lists(st.sampled_from(_WORDS), min_size=0, max_size=3).map("".join))
def test_lines_with_finds_the_lines_a_test_of_each_line_finds(texts, key) -> None:
    lines = [Line("text/plain", i + 1, t) for i, t in enumerate(texts)]
    low = key.lower()
    expected = [i for i, t in enumerate(texts) if low in t.lower()]
    assert plaintext._Lowered(lines).lines_with(low) == expected


def _old_remote_from_notice(ev: Evidence, lines: list[Line]) -> None:
    missing = [r for r in ev.recipients if not r.remote_mta]
    if not missing:
        return
    domains = {(r.recipient or "").rpartition("@")[2].lower() for r in ev.recipients}
    if len(domains) != 1 and len(missing) != 1:
        return
    hosts = set()
    for ln in lines:
        low = ln.text.lower()
        if ("talking to" in low or "connected to" in low or "giving up on" in low
                or "does not like" in low):
            hosts.update((m.group(1) or m.group(2)).lower()
                         for m in plaintext._TALKING.finditer(ln.text.strip()))
        elif "host" in low and "[" in low:
            hosts.update(m.group(1).rstrip(".").lower()
                         for m in plaintext._REMOTE_HOST.finditer(ln.text))
        if len(hosts) > 1:
            return
    host = hosts.pop() if hosts else None
    if host and ("." in host or ":" in host):
        for r in missing:
            r.remote_mta = host


_HOST_PIECES = ["host mx.example.org[192.0.2.7] said:", "Host MX2.example.org [192.0.2.8]:",
                "while talking to mx.example.org.:", "Connected to 192.0.2.1 but sender",
                "192.0.2.9 does not like recipient", "giving up on mx3.example.net:",
                "host [", "hello", " ", "\n", "talking to", "HOST a.b[1.2.3.4]"]


@settings(max_examples=1000, deadline=None)
@given(st.lists(st.lists(st.sampled_from(_HOST_PIECES), max_size=3).map("".join), max_size=8),
       st.lists(st.sampled_from(["a@x.example", "b@x.example", "c@y.example", None]),
                min_size=1, max_size=3))
def test_remote_from_notice_names_the_server_the_old_loop_named(texts, rcpts) -> None:
    from mailcheck.model import RecipientEvidence

    results = []
    for fn in (plaintext.remote_from_notice, _old_remote_from_notice):
        lines = [Line("text/plain", i + 1, t) for i, t in enumerate(texts)]
        ev = Evidence(lines=lines, recipients=[RecipientEvidence(recipient=r) for r in rcpts])
        fn(ev, list(lines))
        results.append([r.remote_mta for r in ev.recipients])
    assert results[0] == results[1]


def _old_command_near(lines: list[Line], rec) -> str | None:
    from mailcheck.ingest.replies import smtp_command

    keys = [k for k in ((rec.recipient or "").lower(),
                        (rec.diagnostic or "")[:40].lower()) if len(k) > 6]
    if not keys:
        return None
    hits = sorted({i for k in keys for i, ln in enumerate(lines) if k in ln.text.lower()})
    for i in hits:
        cmd = smtp_command(" ".join(x.text for x in lines[max(0, i - 3):i + 3]))
        if cmd:
            return cmd
    return None


_COMMAND_PIECES = ["bob@example.org", "in reply", "to", " RCPT TO", "In Reply To", "after",
                   "end of DATA", ">>> DATA", "<<< 550 5.1.1 unknown", "but", " ", "\n",
                   "sender was rejected", "Recipient address rejected", "smtp:", "mail",
                   "ΑΣ", "ς", "[rcpt_to]", "Connected to 192.0.2.1", "550 5.1.1 unknown"]


@settings(max_examples=1500, deadline=None)
@given(st.lists(st.lists(st.sampled_from(_COMMAND_PIECES), max_size=4).map("".join),
                max_size=10),
       st.sampled_from(["bob@example.org", "BOB@example.org", None, "x@y"]),
       st.sampled_from(["550 5.1.1 unknown", "", None, "user unknown here"]))
def test_command_near_finds_the_command_the_old_search_found(texts, rcpt, diag) -> None:
    from mailcheck.model import RecipientEvidence

    lines = [Line("text/plain", i + 1, t) for i, t in enumerate(texts)]
    rec = RecipientEvidence(recipient=rcpt, diagnostic=diag)
    assert plaintext._command_near(lines, plaintext._Lowered(lines), rec) == \
        _old_command_near(lines, rec)


def _old_candidates(lines: list[Line], excluded: set[str]) -> list[tuple[str, int]]:
    found: list[tuple[str, int]] = []
    seen: set[str] = set()
    for i, ln in enumerate(lines):
        text = ln.text
        if "@" not in text or plaintext._ID_LINE.search(text):
            continue
        addrs: list[str] = []
        m = plaintext._LEAD.match(text) or plaintext._TRAIL.search(text)
        if m:
            addrs.append(m.group(1))
        for n in plaintext._NAMED.finditer(text):
            before = text[:n.start(1)]
            if not plaintext._NOT_RECIPIENT.search(before[-40:]):
                addrs.append(n.group(1))
        if not text.isascii():
            addrs.extend(n.group(1) for n in plaintext._NAMED_JA.finditer(text))
        for a in addrs:
            a = a.strip(".")
            key = a.lower()
            if key in excluded or key in seen:
                continue
            seen.add(key)
            found.append((a, i))
    return found


_ADDRESS_PIECES = ["bob@example.org", "Ann@Example.ORG", "<carol@example.net>", " ", ": ", "\t",
                   "RCPT TO:", "Recipient:", "recıpient: ", "delivered to ", "Sent To ",
                   "failed to", "Message-ID: ", "Meſſage-id: ", "In-Reply-To:", "References:",
                   "> ", "from ", "mail from:", "宛先: ", " に配信できませんでした", "550 ",
                   "...", "Mailbox full: ", "\n", "İ", "user unknown", ".", "x@y"]


@settings(max_examples=2000, deadline=None)
@given(st.lists(st.lists(st.sampled_from(_ADDRESS_PIECES), max_size=5).map("".join),
                max_size=8),
       st.sets(st.sampled_from(["bob@example.org", "x@y"]), max_size=1))
def test_candidates_are_those_the_old_scan_found(texts, excluded) -> None:
    lines = [Line("text/plain", i + 1, t) for i, t in enumerate(texts)]
    assert plaintext._candidates(lines, plaintext._Lowered(lines), excluded) == \
        _old_candidates(lines, excluded)


_LOWER_PIECES = ["a", "B", " ", "\n", "İ", "Σ", "ΑΣ", "ς", "K", "\u212a", "ſ", "-- ", "Received: x",
                 "original message follows", "x@y.example"]


@settings(max_examples=1500, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(_PARTS),
                          st.lists(st.sampled_from(_LOWER_PIECES), max_size=4).map("".join)),
                max_size=10))
def test_lowered_body_is_each_line_lower_cased(rows) -> None:
    # (the body's lower-cased text is cut from the lower-cased haystack when it can be)
    lines = [Line(part, i + 1, text) for i, (part, text) in enumerate(rows)]
    ev = Evidence(lines=lines)
    body = plaintext.body_lines(ev)
    lows = plaintext._lowered(ev, body)
    assert lows.lows == [ln.text.lower() for ln in body]
    assert lows.text == "\n".join(lows.lows)
    assert lows._plain == (lows.text.count("\n") == len(body) - 1)


# -- _remote_hosts: _REMOTE_HOST tried only where the text has "host" ---------------------
HOST_PIECES = st.sampled_from([
    "host", "Host", "HOST", "hoſt", "ghost", " ", "\t", "mx.example.org", "a", "-", ".",
    "[192.0.2.7]", "[", "]", "::1", "2001:db8::1", "said:", "x", "0", "\u0130", "K\u212a"])
HOST_TEXTS = st.lists(HOST_PIECES, max_size=14).map("".join)


@settings(max_examples=3000)
@given(HOST_TEXTS)
def test_remote_hosts_are_the_regex_matches(text: str) -> None:
    want = [(m.span(), m.groups()) for m in plaintext._REMOTE_HOST.finditer(text)]
    got = [(m.span(), m.groups()) for m in plaintext._remote_hosts(text)]
    assert got == want
