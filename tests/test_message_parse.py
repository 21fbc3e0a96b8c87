"""The fast paths of mailcheck/ingest/message.py against the plain code they replaced.

Each reference below is the straightforward version (kept here as the oracle); the
module's version must give the same answer on the fixtures, the shared sisimai corpus and
random input built from the pieces that matter (line ends, folds, field names).
"""

from __future__ import annotations

import dataclasses
import re
from html import unescape

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mailcheck.ingest import message as message_mod
from mailcheck.ingest.decode import decode_bytes
from mailcheck.ingest.message import (
    _BLOCK_TAGS,
    _HIDDEN_TAGS,
    _KNOWN_FIELDS,
    _SPACES,
    MAX_LINE_CHARS,
    LineSink,
    _payload_text,
    html_to_text,
    looks_like_message,
)
from mailcheck.ingest.mime import parse_bytes, parse_head
from mailcheck.model import Evidence, Header, Line

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
    b"List-Id: 1", b"\xff", b"Arc-Seal:", b"Odd-Name:", b"x-a:", b"FROM:", b"\x7f",
    b"Received-SPF:", b"In-Reply-To:", b"content-transfer-encoding:", b"Dkim-Signature:"])


@settings(max_examples=3000, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(PIECES, max_size=24))
def test_looks_like_message_on_random_pieces(pieces):
    data = b"".join(pieces)
    assert looks_like_message(data) == reference_looks_like_message(data)


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.binary(max_size=300))
def test_looks_like_message_on_random_bytes(data):
    assert looks_like_message(data) == reference_looks_like_message(data)


#: The single match looks_like_message once used for "every line is a field, a continuation
#: line or empty" (a block without \r).
_ALL_FIELDS = re.compile(rb"(?:[!-9;-~]{1,76}+:.*+|[ \t].*+|)"
                         rb"(?:\n(?:[!-9;-~]{1,76}+:.*+|[ \t].*+|))*+")


@settings(max_examples=3000, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(PIECES, max_size=24))
def test_all_fields_test_matches_one_fullmatch(pieces):
    """The first-line match and the search for a bad line start say what the fullmatch of
    the whole block said."""
    block = b"".join(pieces).replace(b"\r", b"\n")
    quick = bool(message_mod._FIRST_LINE.match(block)) and \
        message_mod._BAD_LINE.search(block) is None
    assert quick == bool(_ALL_FIELDS.fullmatch(block))


def test_looks_like_message_cut_at_4096_bytes():
    for pad in range(4080, 4100):
        for tail in (b"\n\n", b"\r\n\r\n", b"\n\r\n", b"\r\r"):
            data = b"From: a\nTo: b\nX-" + b"a" * pad + b":" + tail + b"body"
            assert looks_like_message(data) == reference_looks_like_message(data)


# -- read_message: looks_like_message and parse_message with the top block read once -------


def _read_both_ways(data: bytes) -> tuple:
    ours, ref = Evidence(), Evidence()
    found = message_mod.read_message(data, ours)
    expected = looks_like_message(data)
    if expected:
        message_mod.parse_message(data, ref)
    return (found, *_filled(ours)), (expected, *_filled(ref))


def _filled(ev: Evidence) -> tuple:
    facts = dict(ev.facts)
    returned = facts.pop("returned_messages", [])
    return ev.lines, ev.headers, facts, ev.notes, [m.items() for m in returned]


def test_read_message_on_corpus():
    for p in _inputs():
        ours, ref = _read_both_ways(p.read_bytes())
        assert ours == ref, p


BLOCK_PIECES = st.sampled_from([
    b"\n", b"\r\n", b"\r", b"\n\n", b"\r\n\r\n", b"\n\r\n", b" ", b"\t", b"From ", b"From: a@b",
    b"To: c", b"X-Y:", b"Subject: s", b"text", b":", b"N" * 76 + b":", b"N" * 77 + b":",
    b"Received: x", b"List-Id: 1", b"\xff", b"Odd-Name: v", b"x-a:", b"FROM:", b"Other: 1",
    b"Content-Type: text/plain", b"\nbody\n", b"\x0c"])


@settings(max_examples=3000, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(BLOCK_PIECES, max_size=24))
def test_read_message_is_looks_like_message_then_parse_message(pieces):
    ours, ref = _read_both_ways(b"".join(pieces))
    assert ours == ref


FIELD_LINES = st.sampled_from([
    b"Subject: s", b"X-Y:", b"Odd-Name: v", b"N" * 76 + b": v", b"N" * 77 + b": v", b" fold",
    b"\tfold", b"From: a", b"list-id:1", b"Other:", b"text", b"", b"\xff: v", b"From x"])


@settings(max_examples=2000, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(FIELD_LINES, max_size=8), st.sampled_from([b"\n", b"\r\n"]),
       st.sampled_from([b"", b"body", b"body\r\n", b"\r", b"\n\r"]))
def test_read_message_on_header_blocks(lines, eol, tail):
    """Blocks whose lines all end alike (where the shortcut answers), the rest of the text
    not necessarily."""
    ours, ref = _read_both_ways(b"".join(text + eol for text in lines) + eol + tail)
    assert ours == ref


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.sampled_from([b"", b"From x\n", b"From " + b"y" * 4090 + b"\n"]),
       st.integers(4070, 4100), st.sampled_from([b"\n", b"\r\n"]),
       st.sampled_from([b"", b"\n", b"\r\n", b"\nbody", b"\r\nbody" + b"b" * 50]))
def test_read_message_at_the_4096_byte_cut(first, size, eol, tail):
    data = first + b"Subject: s" + eol + b"X-A: " + b"a" * size + eol + tail
    for cut in (len(data), 4095, 4096, 4097, len(data) - 1):
        ours, ref = _read_both_ways(data[:cut])
        assert ours == ref


# -- lines and header fields ----------------------------------------------------------------


def reference_add_text(ev: Evidence, part: str, text: str, limit: int) -> list[Line]:
    lines = ev.lines
    if limit > 0 and not message_mod._LINE_BREAK.search(text):
        if not text:
            return []
        ln = Line(part, len(lines) + 1, text[:MAX_LINE_CHARS])
        lines.append(ln)
        return [ln]
    added = []
    for i, raw in enumerate(text.splitlines()):
        if i >= limit:
            ev.notes.append(f"{part}: only the first {limit} lines were read")
            break
        ln = Line(part, len(lines) + 1, raw[:MAX_LINE_CHARS])
        lines.append(ln)
        added.append(ln)
    return added


def reference_add_headers(ev: Evidence, msg, part: str, collect) -> None:
    for name, value in msg.items():
        text_value = message_mod.decode_header_value(value if isinstance(value, str)
                                                     else str(value))
        added = reference_add_text(ev, part, f"{name}: {text_value}", 1)
        if collect is not None:
            collect.append(Header(name, text_value, added[0] if added else None))


TEXT_PIECES = st.sampled_from([
    "a", "word ", "\n", "\r", "\r\n", "\x0b", "\x0c", "\x1c", "\x85", "\u2028", "\t", " ",
    "x" * 3999, "y" * 4001, "=?utf-8?b?w6k=?=", "=?iso-2022-jp?b?GyRCJEgbKEI=?=", "\udcff", ""])


@settings(max_examples=1000, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(st.one_of(TEXT_PIECES, st.text(max_size=5),
                          st.characters(max_codepoint=0x20), st.characters(min_codepoint=0x80,
                                                                           max_codepoint=0x3000)),
                max_size=12))
def test_has_line_break_is_the_regex(pieces):
    text = "".join(pieces)
    assert message_mod._has_line_break(text) == bool(message_mod._LINE_BREAK.search(text))


@settings(max_examples=1000, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(st.sampled_from(["a", " ", "\t", "\n", "\r", "\r\n", "\n\t", "\n ", " " * 201,
                                 "\t" * 199, "=?x?=", "\x0b", "\udcff"]), max_size=12))
def test_unfold_matches_reference(pieces):
    value = "".join(pieces)
    reference = message_mod._FOLD.sub(" ", value.replace("\r", "")).replace("\n", " ")
    assert message_mod._unfold(value) == reference


@settings(max_examples=1000, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(TEXT_PIECES, max_size=12), st.sampled_from([-1, 0, 1, 2, 3, 4000]))
def test_add_text_matches_reference(pieces, limit):
    text = "".join(pieces)
    ours, ref = Evidence(lines=[Line("x", 1, "before")]), Evidence(lines=[Line("x", 1, "before")])
    assert LineSink(ours).add_text("p", text, limit) == reference_add_text(ref, "p", text, limit)
    assert (ours.lines, ours.notes) == (ref.lines, ref.notes)


@settings(max_examples=1000, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(st.tuples(st.sampled_from(["Subject", "X-A", "From"]),
                          st.lists(TEXT_PIECES, max_size=6)), max_size=6))
def test_add_headers_matches_reference(fields):
    data = "".join(f"{name}: {''.join(value)}\n" for name, value in fields)
    msg = parse_bytes(data.encode("utf-8", "surrogateescape"))
    ours, ref = Evidence(), Evidence()
    message_mod._add_headers(LineSink(ours), msg, "headers", ours.headers)
    reference_add_headers(ref, msg, "headers", ref.headers)
    assert (ours.lines, ours.headers, ours.notes) == (ref.lines, ref.headers, ref.notes)


FIELD_VALUE_PIECES = st.sampled_from([
    "a", " ", "\t", "\n", "\n ", "\n\t", "\r", "\r\n ", "=", "?", "=\r?", "=?", "\x00", "\x1b",
    "\x0b", "\x1e", "\udc85", "\udcff", "=?utf-8?q?a=0Ab?=", "=?utf-8?b?w6k=?=",
    "=?iso-2022-jp?b?GyRCJEgbKEI=?=", "x" * 3990, " " * 201])


@settings(max_examples=1500, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(st.tuples(st.sampled_from(["Subject", "X-A", "F" * 998]),
                          st.lists(FIELD_VALUE_PIECES, max_size=6).map("".join)), max_size=6),
       st.booleans())
def test_add_headers_block_tests_match_the_field_by_field_code(fields, collect):
    # raw fields as any reader may leave them (a lone "\r", a "\n" without a fold...),
    # from bytes: ASCII, and surrogate escapes for 8-bit bytes
    msg = parse_bytes(b"")
    msg._headers = list(fields)
    ours, ref = Evidence(lines=[Line("x", 1, "before")]), Evidence(lines=[Line("x", 1, "before")])
    message_mod._add_headers(LineSink(ours), msg, "p", ours.headers if collect else None)
    message_mod._add_fields(LineSink(ref), msg, "p", ref.headers if collect else None)
    assert (ours.lines, ours.headers, ours.notes) == (ref.lines, ref.headers, ref.notes)


@settings(max_examples=3000, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(st.sampled_from(["a", "\n", "\r", "\r\n", " ", "\n\r"]), max_size=14))
def test_before_blank_line_is_the_regex_split(pieces):
    text = "".join(pieces)
    assert message_mod._before_blank_line(text) == \
        re.split(r"\r?\n\r?\n", text, maxsplit=1)[0]


def test_headers_and_lines_on_corpus():
    for p in _inputs():
        data = p.read_bytes()
        if not looks_like_message(data):
            continue
        msg = parse_bytes(data)
        ours, ref = Evidence(), Evidence()
        message_mod._add_headers(LineSink(ours), msg, "headers", ours.headers)
        reference_add_headers(ref, msg, "headers", ref.headers)
        assert (ours.lines, ours.headers) == (ref.lines, ref.headers), p


# -- HTML -----------------------------------------------------------------------------------


_TAG = re.compile(r"<!--|<[!?][^<>]{0,4000}>"
                  r"|<(/?)([A-Za-z][A-Za-z0-9]{0,15})(?![A-Za-z0-9])[^<>]{0,4000}>")


def reference_html_to_text(html: str) -> str:
    out: list[str] = []
    hidden = 0
    pos = 0
    n = len(html)
    while pos < n:
        m = _TAG.search(html, pos)
        if m is None:
            if not hidden:
                out.append(html[pos:])
            break
        if not hidden and m.start() > pos:
            out.append(html[pos:m.start()])
        if m.group(0) == "<!--":
            end = html.find("-->", m.end())
            pos = n if end < 0 else end + 3
            continue
        pos = m.end()
        if m.group(2) is None:
            continue
        tag = m.group(2).lower()
        if tag in _HIDDEN_TAGS:
            hidden = max(0, hidden - 1) if m.group(1) else hidden + 1
        elif tag in _BLOCK_TAGS:
            out.append("\n")
    text = unescape("".join(out)).replace("\xa0", " ")
    return "\n".join(_SPACES.sub(" ", ln).strip() for ln in text.split("\n"))


HTML_PIECES = st.sampled_from([
    "<", ">", "<!--", "-->", "<p>", "</p>", "<br/>", "<script>", "</script>", "<style a=1>",
    "</STYLE>", "<!DOCTYPE x>", "<?xml?>", "a", "  ", "\t", "\n", "&amp;", "&nbsp;", "\xa0",
    "<div\n class=x>", "<a href='<'>", "< p>", "<p", "text", "\r", "\x0c", "<title>", "</td>",
    "<!-->", "<!--->", "--", "-", "<SCRIPT>", "</Script >", "<p " + "a" * 4000, "<h1>", "<!",
    "<//b>", "</", "<?", "<!-x>", "<a1234567890123456>", "<abcdefghijklmnop>", "<p\x00>",
    "<p" + " " * 4000 + ">", "<p" + " " * 4001 + ">", "<!" + "x" * 4000 + ">",
    "<?" + "x" * 4001 + ">", "</td" + "y" * 3999, "<1>", "<_a>", "<br-x>", "\u00e9"])


def test_not_angle_is_every_character_but_angle_brackets():
    spelt = re.compile(message_mod._NOT_ANGLE)
    for cp in [*range(0x10000), 0x10000, 0x1F600, 0x10FFFF]:
        assert bool(spelt.fullmatch(chr(cp))) == (chr(cp) not in "<>"), hex(cp)


@settings(max_examples=2000, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(HTML_PIECES, max_size=20))
def test_html_to_text_matches_reference(pieces):
    html = "".join(pieces)
    assert html_to_text(html) == reference_html_to_text(html)


# -- text parts -----------------------------------------------------------------------------


def reference_payload_text(part) -> str:
    try:
        raw = part.get_payload(decode=True)
    except Exception:
        raw = None
    if raw is None:
        payload = part.get_payload()
        return payload if isinstance(payload, str) else ""
    if not isinstance(raw, bytes):
        return str(raw)
    return decode_bytes(raw, part.get_content_charset())


CHARSETS = st.sampled_from([
    "", "; charset=us-ascii", "; charset=UTF-8", "; charset=iso-2022-jp", "; charset=utf-16",
    "; charset=utf-7", "; charset=bogus", "; charset=shift_jis", "; charset*=utf-8''x",
    '; charset="hz"', "; charset=euc-jp", "; charset=iso-8859-1"])
ENCODINGS = st.sampled_from(["", "base64", "7bit", "Quoted-Printable", "x-uue", "base64 ", "\xff"])
BODIES = st.sampled_from([
    "hello\n", "a+b-c~{x}~\n", "\x1b$B$3\x1b(B\n", "=E3=81=82\n", "aGVsbG8=\n",
    "\xe3\x81\x82\n", "\x00\x01", "+AGEA-", "\x82\xa0", "~{<:~}", "\\ yen ~\n", "\r\n"])


@settings(max_examples=1500, deadline=None, suppress_health_check=list(HealthCheck))
@given(CHARSETS, ENCODINGS, st.lists(BODIES, max_size=5))
def test_payload_text_matches_reference(charset, cte, body):
    head = f"Content-Type: text/plain{charset}\n"
    if cte:
        head += f"Content-Transfer-Encoding: {cte}\n"
    msg = parse_bytes((head + "\n" + "".join(body)).encode("latin-1"))
    assert _payload_text(msg) == reference_payload_text(msg)


def test_payload_text_on_corpus():
    for p in _inputs():
        for part in parse_bytes(p.read_bytes()).walk():
            if not part.is_multipart():
                assert _payload_text(part) == reference_payload_text(part), p


# -- status parts ---------------------------------------------------------------------------


def reference_status_part_text(part) -> str:
    payload = part.get_payload()
    if isinstance(payload, list):
        blocks = []
        for block in payload:
            if isinstance(block, message_mod.Message):
                rows = [f"{k}: {message_mod._raw_field(str(v))}" for k, v in block.items()]
                extra = block.get_payload()
                if isinstance(extra, str) and extra.strip():
                    rows.append(extra.strip())
                blocks.append("\n".join(rows))
        return "\n\n".join(blocks)
    return _payload_text(part)


def test_status_part_text_on_corpus():
    for p in _inputs():
        for part in parse_bytes(p.read_bytes()).walk():
            assert message_mod._status_part_text(part) == reference_status_part_text(part), p


STATUS_PIECES = st.sampled_from([
    "Status: 5.1.1", "Action: failed", "\n", "\r\n", " folded", "\tfolded", "=?utf-8?b?w6k=?=",
    "\x1b$B$3\x1b(B", "\xe9", "\x82\xa0", "X-Y:", "text", "\x0c", "\x00", ": ", "Diagnostic-Code:"])


@settings(max_examples=1000, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(STATUS_PIECES, max_size=16), st.sampled_from(["", "; charset=iso-2022-jp"]))
def test_status_part_text_matches_reference(pieces, charset):
    data = f"Content-Type: message/delivery-status{charset}\n\n" + "".join(pieces)
    part = parse_bytes(data.encode("latin-1"))
    assert message_mod._status_part_text(part) == reference_status_part_text(part)


# -- skimmed returned originals ---------------------------------------------------------------
# parse_message does not cut the body of an enclosed message into parts (skim=True) unless it
# could be a forwarded report: the walker reads only its header block. Held here to the full
# parse: the same Evidence either way.


def _evidence(data: bytes, monkeypatch, skim: bool) -> tuple:
    from mailcheck.ingest import ingest
    if not skim:
        monkeypatch.setattr(message_mod, "_mime_parse_bytes",
                            lambda d, skim=False: parse_bytes(d))
        monkeypatch.setattr(message_mod, "_mime_parse_head",
                            lambda d, skim=False: parse_head(d))
    try:
        ev = ingest(data)
    except Exception as e:  # (empty or binary input: the same error either way)
        return (type(e).__name__, str(e))
    finally:
        monkeypatch.undo()
    facts = dict(ev.facts)
    returned = facts.pop("returned_messages", [])
    return (ev.kind, ev.lines, ev.headers, ev.recipients, ev.replies, ev.systems, facts,
            ev.formats, ev.notes, [m.items() for m in returned])


def test_skimmed_parse_gives_the_same_evidence_on_corpus(monkeypatch):
    for p in _inputs():
        data = p.read_bytes()
        assert _evidence(data, monkeypatch, True) == _evidence(data, monkeypatch, False), p


def _enclosing(ctype: str, sender: str, inner_parts: list[str]) -> bytes:
    inner_body = "".join(f"--in\nContent-Type: {t}\n\n{t} part\n" for t in inner_parts)
    inner = (f"From: {sender}\nTo: a@b.example\nSubject: s\n"
             f'Content-Type: {ctype}; boundary="in"\n\n{inner_body}--in--\n')
    return ("From: postmaster@mx.example\nTo: a@b.example\nSubject: Undelivered Mail\n"
            'Content-Type: multipart/mixed; boundary="out"\n\n'
            "--out\nContent-Type: text/plain\n\n550 5.1.1 <x@y.example>: user unknown\n"
            f"--out\nContent-Type: message/rfc822\n\n{inner}--out--\n").encode()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.sampled_from(["multipart/mixed", "multipart/report", "multipart/alternative",
                        "text/plain"]),
       st.sampled_from(["Ann <ann@example.org>", "MAILER-DAEMON@mx.example",
                        "Mail Delivery System <Postmaster@example.net>"]),
       st.lists(st.sampled_from(["text/plain", "message/delivery-status", "text/html",
                                 "application/pdf", "message/rfc822"]), max_size=4))
def test_skimmed_parse_gives_the_same_evidence(monkeypatch, ctype, sender, parts):
    data = _enclosing(ctype, sender, parts)
    assert _evidence(data, monkeypatch, True) == _evidence(data, monkeypatch, False)


def test_a_returned_original_is_not_cut_into_parts_but_a_forwarded_report_is():
    msg = parse_bytes(_enclosing("multipart/mixed", "ann@example.org",
                                 ["text/plain", "application/pdf"]), skim=True)
    inner = msg.get_payload()[1].get_payload()[0]
    assert isinstance(inner.get_payload(), str)  # one string: its parts are never read
    assert inner.get("Subject") == "s"
    report = parse_bytes(_enclosing("multipart/report", "ann@example.org",
                                    ["text/plain", "message/delivery-status"]), skim=True)
    assert isinstance(report.get_payload()[1].get_payload()[0].get_payload(), list)
    full = parse_bytes(_enclosing("multipart/mixed", "ann@example.org", ["text/plain"]))
    assert isinstance(full.get_payload()[1].get_payload()[0].get_payload(), list)


def test_line_and_header_are_built_by_slot_stores():
    # LineSink and _add_headers build Line and Header as object.__new__ plus one store per
    # field, which is the object the constructor gives only while __init__ does nothing
    # else: no __post_init__, no other field, no field default other than Header.line's.
    for cls, names in ((Line, ("part", "number", "text")), (Header, ("name", "value", "line"))):
        assert tuple(f.name for f in dataclasses.fields(cls)) == names
        assert cls.__slots__ == names
        assert not hasattr(cls, "__post_init__")
    ev = Evidence()
    sink = LineSink(ev)
    assert sink.add_text("p", "one") == [Line("p", 1, "one")]
    assert sink.add_text("q", "two\nthree") == [Line("q", 2, "two"), Line("q", 3, "three")]
    assert repr(ev.lines[2]) == "Line(part='q', number=3, text='three')"
    msg = parse_bytes(b"Subject: hi\n\nbody")
    message_mod._add_headers(sink, msg, "headers", ev.headers)
    assert ev.headers == [Header("Subject", "hi", Line("headers", 4, "Subject: hi"))]
    assert hash(ev.lines[3]) == hash(Line("headers", 4, "Subject: hi"))
