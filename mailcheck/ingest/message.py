"""RFC 5322 / MIME messages: headers and the readable text of each part, as lines.

Parsing uses ``mime.py``, which builds the same ``compat32`` ``Message`` tree as the
standard library's ``email`` feedparser (tolerant of the broken MIME found in bounces)
without its line-by-line machinery; ``_USE_EMAIL_PACKAGE`` switches back to the feedparser
for the equivalence test.
Only the parts a person would read are turned into lines: text/plain (or the
HTML alternative when there is no plain one), message/delivery-status, the headers of a
returned message. The body of a returned message is left out: it is the sender's own
text, and it is attacker-controlled noise for the rules.
"""

from __future__ import annotations

import email
import email.header
import re
from collections.abc import Callable
from email._policybase import compat32  # email.policy's own, without its 2 ms of imports
from email.message import Message
from itertools import count, repeat

from ..model import Evidence, Header, Line
from .decode import decode_bytes, normalise_charset
from .mime import may_be_report
from .mime import parse_bytes as _mime_parse_bytes
from .mime import parse_head as _mime_parse_head
from .mime import parse_text as _mime_parse_text

#: Private switch for the equivalence test: True parses with the ``email`` feedparser.
_USE_EMAIL_PACKAGE = False

#: At most this many lines of one text part are kept (the top of a bounce is what matters).
MAX_PART_LINES = 4000
#: Longer lines are cut, so that no rule ever scans an unbounded line.
MAX_LINE_CHARS = 4000

#: The start of each line: a field name and ":" (RFC 5322 ftext) in group 1, or any other
#: first byte except the white space of a continuation line (group 1 is empty then).
#: "\n" rather than "^" with re.M: a literal first character is searched for quickly.
_LINE_START = re.compile(rb"\n(?:([!-9;-~]{1,76}):|[^\n \t])")

_FOLD = re.compile(r"\n[ \t]{1,200}")

#: Field names that make a header block an RFC 5322 message rather than "Key: value" text.
_KNOWN_FIELDS = frozenset(
    b"from to cc subject date received return-path message-id mime-version content-type "
    b"delivered-to reply-to sender dkim-signature authentication-results received-spf "
    b"in-reply-to references auto-submitted content-transfer-encoding".split())
#: A block (without \r) is "all fields" when each of its lines is a header field (a name of
#: 1 to 76 characters and ":"), a continuation line or empty: its first line must start as
#: _FIRST_LINE says and no later line start may be a _BAD_LINE. (A search for the one line
#: that breaks the rule: sre finds each "\n" with a tight loop and tests only the start of
#: that line, where a match of the whole block walked every character of every value.)
_FIRST_LINE = re.compile(rb"[!-9;-~]{1,76}+:|[ \t\n]|\Z")
_BAD_LINE = re.compile(rb"\n(?![!-9;-~]{1,76}+:|[ \t\n]|\Z)")
#: In a head without "\r": the first "\n" not followed by a field or a continuation line,
#: which is where the first block ends (a blank line, or the end of the head) unless it
#: starts a line that is not "all fields".
_STOP = re.compile(rb"\n(?![!-9;-~]{1,76}+:|[ \t])")
#: The start of a field line after the first line of an "all fields" block (there, a line
#: that is neither empty nor a continuation line starts with a name character).
_NEXT_FIELD = re.compile(rb"\n[!-9;-~]")
#: A line whose field has a known name (see looks_like_message); case as lower() folds it.
_KNOWN_LINE = re.compile(
    rb"(?:\A|\n)(?:(?:" + b"|".join(sorted(_KNOWN_FIELDS)) + rb"):|x-|arc-|list-)", re.I)

#: What str.splitlines() splits on; text without any of these is one line.
_LINE_BREAK = re.compile("[\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")


def _has_line_break(text: str) -> bool:
    """Whether _LINE_BREAK occurs in text. In ASCII text only seven of its characters can,
    and seven scans for one character (memchr) cost less than the regex's test of every
    character against the set."""
    if text.isascii():
        return ("\n" in text or "\r" in text or "\x0b" in text or "\x0c" in text
                or "\x1c" in text or "\x1d" in text or "\x1e" in text)
    return _LINE_BREAK.search(text) is not None

_RETURNED_TYPES = ("message/rfc822", "text/rfc822-headers", "message/rfc822-headers",
                   "message/global", "message/global-headers")
_STATUS_TYPES = ("message/delivery-status", "message/global-delivery-status",
                 "message/feedback-report", "message/disposition-notification")


def looks_like_message(data: bytes) -> bool:
    """True when ``data`` starts with an RFC 5322 header block (or an mbox ``From `` line)."""
    head = data[:4096].lstrip(b"\r\n\t ")
    if head.startswith(b"From ") and b"\n" in head:
        head = head.split(b"\n", 1)[1]
    if b"\r" not in head and _FIRST_LINE.match(head):
        # The usual head: one search finds the end of the first block (its first "\n\n",
        # or the end of the head) and shows that no line before it breaks the "all fields"
        # rule (see _all_fields_looks); else the general steps below.
        stop = _STOP.search(head)
        if stop is None:
            return _all_fields_looks(head, len(head))
        end = stop.start()
        if end + 1 == len(head) or head[end + 1] == 10:  # (10: "\n")
            return _all_fields_looks(head, end)
    # the first block ends at the first  \r?\n\r?\n  (two finds: a regex starting with an
    # optional \r would be tried at every byte)
    end = head.find(b"\n\n")
    if b"\r" in head:  # (a fast scan: memchr)
        crlf = head.find(b"\n\r\n", 0, end + 2 if end >= 0 else len(head))  # starts before
        if crlf >= 0:
            end = crlf
    if end >= 0:
        first_block = head[:end - 1 if end and head[end - 1] == 13 else end]
    else:
        first_block = head
    # bytes.splitlines ends lines at \r, \n and \r\n; empty lines are dropped, so \r may
    # become \n. Continuation lines (space, tab) and empty lines are not counted.
    block = first_block.replace(b"\r", b"\n") if b"\r" in first_block else first_block
    if _FIRST_LINE.match(block) and _BAD_LINE.search(block) is None:
        return _all_fields_looks(block, len(block))
    # One findall yields "" for each line that is not a header field and the name of each
    # that is.
    found = _LINE_START.findall(b"\n" + block)
    if len(found) < 2:
        return False
    names = [n.lower() for n in found if n]
    if len(names) < 2 or len(names) < len(found) * 0.8:
        return False
    return any(n in _KNOWN_FIELDS or n.startswith((b"x-", b"arc-", b"list-")) for n in names)


def _all_fields_looks(head: bytes, end: int) -> bool:
    """looks_like_message for the usual block head[:end], one whose every line is a header
    field, a continuation line or empty (so the 80% rule holds), known without an object
    per line as findall makes. It looks like a message when two lines are counted (a field
    on the first line, if any, and those _NEXT_FIELD finds) and one of them has a known
    name."""
    second = _NEXT_FIELD.search(head, 0, end)
    if second is None:
        return False
    if head[0] in b" \t\n" and _NEXT_FIELD.search(head, second.end(), end) is None:
        return False  # (an empty first line or a continuation line is not counted)
    return _KNOWN_LINE.search(head, 0, end) is not None


def _unfold(value: str) -> str:
    # (each replace only where it has something to do: a fold is "\n" and white space, so
    # the regex leaves a "\n" only where a line end had none after it)
    if "\r" in value:
        value = value.replace("\r", "")
    value = _FOLD.sub(" ", value)
    return value.replace("\n", " ") if "\n" in value else value


def _decode_words(value: str) -> str:
    """Decode the RFC 2047 encoded words of an unfolded value; never raise."""
    try:
        parts = email.header.decode_header(value)
        out = []
        for chunk, cs in parts:
            if isinstance(chunk, bytes):
                out.append(decode_bytes(chunk, cs))
            else:
                out.append(chunk)
        return "".join(out)
    except Exception:  # malformed encoded words: show them as they are
        return value


def decode_header_value(value: str) -> str:
    """Decode RFC 2047 encoded words; unfold; never raise."""
    if "\n" in value or "\r" in value:  # most header values are not folded: skip the regex
        value = _unfold(value)
    if "=?" not in value:
        return value
    return _decode_words(value)


#: A comment (to its end, or the end of the text), a <!...> or <?...> declaration, or a
#: start or end tag: group 1 "/" or "", group 2 the tag name (both None for the first two).
#: ([^<>] is spelt as the ranges around "<" and ">": sre then tests a character against a
#: bitmap, a third faster than against the negated pair of literals.)
_NOT_ANGLE = r"[\x00-;=?-\U0010FFFF]"
_TAG = re.compile(rf"<!--[\s\S]*?(?:-->|\Z)|<[!?]{_NOT_ANGLE}{{0,4000}}>"
                  rf"|<(/?)([A-Za-z][A-Za-z0-9]{{0,15}})(?![A-Za-z0-9]){_NOT_ANGLE}{{0,4000}}>")
_BLOCK_TAGS = frozenset("p div br tr li h1 h2 h3 h4 h5 h6 table pre blockquote hr td th".split())
_HIDDEN_TAGS = frozenset(("script", "style", "head", "title"))
_SPACES = re.compile(r"[ \t]{2,}")


#: html.unescape, imported by the first HTML part (html.entities' table costs 1 ms of
#: start-up, and most one-message runs have no HTML part)
_unescape: Callable[[str], str] | None = None


def _import_unescape() -> Callable[[str], str]:
    global _unescape
    from html import unescape

    _unescape = unescape
    return unescape


def html_to_text(html: str) -> str:
    """The visible text of an HTML part, block elements on lines of their own.

    One linear scan over the tags (``html.parser`` is ten times slower for what a bounce
    needs): script, style, head and title are hidden, comments are dropped, character
    references are decoded, and a stray "<" stays text."""
    # split() cuts the text at every tag in C: [text, slash, name, text, slash, name, ...]
    parts = _TAG.split(html)
    out = [parts[0]]
    hidden = 0
    for k in range(2, len(parts), 3):
        name = parts[k]
        if name is not None:  # a tag (comments and declarations are just dropped)
            tag = name.lower()
            if tag in _HIDDEN_TAGS:
                hidden = max(0, hidden - 1) if parts[k - 1] else hidden + 1
            elif tag in _BLOCK_TAGS:
                out.append("\n")
        if not hidden:
            out.append(parts[k + 1])
    text = (_unescape or _import_unescape())("".join(out)).replace("\xa0", " ")
    # Each line stripped, runs of spaces and tabs squeezed. Stripping first gives the same
    # lines (a squeezed run is still white space, and runs never cross a line) and leaves
    # the regex far less to scan: most of an HTML part's text is indentation.
    text = "\n".join(map(str.strip, text.split("\n")))
    if "  " in text or "\t" in text:  # (a run of two has a tab or two spaces)
        text = _SPACES.sub(" ", text)
    return text


#: Lines and Headers are built as ``_new(Line)`` and three slot stores: the same object
#: ``Line(part, number, text)`` gives (the dataclass __init__ does only those stores), without
#: the call into __init__, its Python frame and its argument tuple.
_new = object.__new__


class LineSink:
    """Collects lines with a running number, and the raw text of each part kind."""

    def __init__(self, ev: Evidence) -> None:
        self.ev = ev

    def add_text(self, part: str, text: str, limit: int = MAX_PART_LINES) -> list[Line]:
        lines = self.ev.lines
        if limit > 0 and not _has_line_break(text):
            # one line (most header fields): no splitting needed
            if not text:
                return []
            ln = Line(part, len(lines) + 1, text[:MAX_LINE_CHARS])
            lines.append(ln)
            return [ln]
        raws = text.splitlines()
        if raws and len(raws) > limit:
            self.ev.notes.append(f"{part}: only the first {limit} lines were read")
            raws = raws[:limit] if limit > 0 else []
        if len(text) > MAX_LINE_CHARS:  # (else no line can be longer)
            raws = [raw[:MAX_LINE_CHARS] for raw in raws]
        # (this costs less per line than map(Line, ...), which calls __init__ per line)
        added = list(map(_new, repeat(Line, len(raws))))
        for ln, number, raw in zip(added, count(len(lines) + 1), raws):
            ln.part = part
            ln.number = number
            ln.text = raw
        lines.extend(added)
        return added


#: compat32's get_payload(decode=True) decodes these; other values leave the text as it is.
_TRANSFER_ENCODED = frozenset(("quoted-printable", "base64", "x-uuencode", "uuencode", "uue",
                               "x-uue"))
#: Codecs (as normalise_charset names them) that turn every ASCII byte but ESC into the same
#: character; ESC could start an ISO-2022 escape sequence.
_ASCII_SAFE = frozenset(("utf-8", "cp1252", "iso2022_jp_ext", "iso2022_jp_2", "cp932",
                         "euc_jp", "gb18030", "cp949"))


def _payload_text(part: Message) -> str:
    payload = part._payload
    if type(payload) is str and payload.isascii() and "\x1b" not in payload:
        # The usual text part: plain ASCII, not transfer-encoded. The bytes compat32 would
        # hand back are the text's own, and decoding them with the declared charset (or the
        # guessed one, UTF-8 for ASCII without ESC) gives the text back: skip both copies.
        cte = part.get("content-transfer-encoding", "")
        if type(cte) is str and cte.lower() not in _TRANSFER_ENCODED:
            charset = part.get_content_charset()
            if charset is None or normalise_charset(charset) in _ASCII_SAFE:
                return payload
    try:
        raw = part.get_payload(decode=True)
    except Exception:
        raw = None
    if raw is None:
        payload = part.get_payload()
        if isinstance(payload, str):
            return payload
        return ""
    if not isinstance(raw, bytes):
        return str(raw)
    return decode_bytes(raw, part.get_content_charset())


def _raw_field(value: str) -> str:
    """A status-part field: RFC 2047 words, or raw ISO-2022-JP / 8-bit bytes in the value."""
    value = decode_header_value(value)
    if not value.isascii() and any("\udc80" <= ch <= "\udcff" for ch in value) or \
            "\x1b" in value:
        raw = value.encode("utf-8", "surrogateescape")
        return decode_bytes(raw, "iso-2022-jp" if b"\x1b$" in raw else None)
    return value


def _str_payload(part: Message):
    """part.get_payload() without its look-up of Content-Transfer-Encoding: the payload
    itself unless it is a string with 8-bit bytes (which compat32 decodes by charset)."""
    payload = part._payload
    if type(payload) is str and not payload.isascii():
        return part.get_payload()
    return payload


def _status_part_text(part: Message) -> str:
    """message/delivery-status and kin: compat32 parses them into header blocks."""
    payload = part._payload
    if isinstance(payload, list):
        blocks = []
        for block in payload:
            if isinstance(block, Message):
                fetch = block.policy.header_fetch_parse
                # A printable value without an encoded word is what _raw_field would give
                # back (no fold, no ESC, no 8-bit byte, and compat32 hands it over as is).
                rows = [f"{k}: {v}" if v.isprintable() and "=?" not in v
                        else f"{k}: {_raw_field(str(fetch(k, v)))}"
                        for k, v in block._headers]
                extra = _str_payload(block)
                if isinstance(extra, str) and extra.strip():
                    rows.append(extra.strip())
                blocks.append("\n".join(rows))
        return "\n\n".join(blocks)
    return _payload_text(part)


def _add_headers(sink: LineSink, msg: Message, part: str, collect: list[Header] | None) -> None:
    """A Line for each field (and a Header, when ``collect`` is given), as _add_fields
    makes them, with the tests it makes of each field made once for the whole block.

    In a plain ASCII block without the line breaks str.splitlines() adds to "\n" and
    "\r", _add_fields changes a value only when it has "\n" or "\r" (unfolded) or, then,
    "=?" (words decoded): a character isprintable() rejects changes nothing else. Fast
    scans of all the values at once tell which of these can occur at all, so most fields
    need one test ("\n"), and none an isprintable() test. (Unfolding makes no "=?" unless
    it drops a "\r".)"""
    fields = msg._headers
    if not fields:
        return
    blob = "".join([v for _, v in fields])
    if not blob.isascii() or "\x0b" in blob or "\x0c" in blob or "\x1c" in blob or \
            "\x1d" in blob or "\x1e" in blob:
        _add_fields(sink, msg, part, collect)
        return
    cr = "\r" in blob
    words = cr or "=?" in blob
    lines = sink.ev.lines
    append = lines.append
    number = len(lines)
    for name, value in fields:
        if "\n" in value or cr and "\r" in value:
            value = _unfold(value)
        if words and "=?" in value:
            value = _decode_words(value)
            text = f"{name}: {value}"
            if _has_line_break(text):  # (from a decoded word) keep the first line
                added = sink.add_text(part, text, limit=1)
                number = len(lines)
                if collect is not None:
                    collect.append(Header(name, value, added[0] if added else None))
                continue
        else:
            text = f"{name}: {value}"
        if len(text) > MAX_LINE_CHARS:
            text = text[:MAX_LINE_CHARS]
        ln = _new(Line)
        ln.part = part
        number += 1
        ln.number = number
        ln.text = text
        append(ln)
        if collect is not None:
            h = _new(Header)
            h.name = name
            h.value = value
            h.line = ln
            collect.append(h)


def _add_fields(sink: LineSink, msg: Message, part: str, collect: list[Header] | None) -> None:
    """_add_headers for any block, field by field (the general code)."""
    lines = sink.ev.lines
    append = lines.append
    fetch = msg.policy.header_fetch_parse
    for name, value in msg._headers:
        if not value.isascii():  # what items() hands back: compat32 may wrap 8-bit values
            value = fetch(name, value)
            if not isinstance(value, str):
                value = str(value)
        text = f"{name}: {value}"
        # The usual case: a printable field (field names are) has no fold to undo and no
        # line break; without an encoded word it is kept as it is.
        if not text.isprintable() or "=?" in value:
            value = decode_header_value(value)
            text = f"{name}: {value}"
            if _has_line_break(text):  # a stray control character: keep the first line
                added = sink.add_text(part, text, limit=1)
                ln = added[0] if added else None
                if collect is not None:
                    collect.append(Header(name, value, ln))
                continue
        ln = _new(Line)
        ln.part = part
        ln.number = len(lines) + 1
        ln.text = text[:MAX_LINE_CHARS]
        append(ln)
        if collect is not None:
            h = _new(Header)
            h.name = name
            h.value = value
            h.line = ln
            collect.append(h)


def _before_blank_line(text: str) -> str:
    """re.split(r"\r?\n\r?\n", text, maxsplit=1)[0] by two fast scans (the regex, with no
    literal to look for first, is tried at every position of what can be a long text).

    The first match holds the first "\n" followed by "\n" or "\r\n", and starts at the
    "\r" before it if there is one (a "\n" there would be an earlier such "\n")."""
    k = text.find("\n\n")
    if "\r" in text:
        # (one that starts before k ends before k + 2)
        j = text.find("\n\r\n", 0, k + 2 if k >= 0 else len(text))
        if j >= 0:
            k = j
    if k < 0:
        return text
    return text[:k - 1] if k and text[k - 1] == "\r" else text[:k]


def _walk(sink: LineSink, part: Message, depth: int, ev: Evidence) -> None:
    if depth > 12:
        ev.notes.append("MIME nesting deeper than 12 levels was not read")
        return
    ctype = part.get_content_type()
    if ctype in _STATUS_TYPES:
        sink.add_text(ctype, _status_part_text(part))
        ev.facts.setdefault("mime_parts", []).append(ctype)
        return
    if ctype in _RETURNED_TYPES:
        ev.facts.setdefault("mime_parts", []).append(ctype)
        inner = _str_payload(part)
        if isinstance(inner, list) and inner and isinstance(inner[0], Message) and \
                _is_forwarded_report(inner[0], ev):
            # A bounce forwarded as an attachment: read it as if it had arrived itself.
            ev.facts["forwarded_report"] = True
            _walk(sink, inner[0], depth + 1, ev)
            return
        if isinstance(inner, list) and inner and isinstance(inner[0], Message):
            _add_headers(sink, inner[0], "returned-headers", None)
            ev.facts.setdefault("returned_messages", []).append(inner[0])
        elif isinstance(inner, str):
            sink.add_text("returned-headers", _before_blank_line(inner), limit=400)
        return
    payload = part._payload
    if ctype.startswith("multipart/") and isinstance(payload, str):
        # The declared boundary never occurs (a broken bounce): use the one the body has.
        reparsed = _reparse_multipart(part.get_payload())
        if reparsed is not None and depth < 12:
            _walk(sink, reparsed, depth + 1, ev)
        else:
            sink.add_text("text/plain", _payload_text(part))
        return
    if isinstance(payload, list):
        children = [p for p in payload if isinstance(p, Message)]
        if ctype == "multipart/alternative":
            plain = [p for p in children if p.get_content_type() == "text/plain"]
            if plain and _payload_text(plain[0]).strip():
                children = plain
        for child in children:
            _walk(sink, child, depth + 1, ev)
        return
    if ctype == "text/html":
        sink.add_text("text/html", html_to_text(_payload_text(part)))
    elif ctype.startswith("text/") or ctype == "application/octet-stream" and \
            (part.get_filename() or "").lower().endswith((".txt", ".log")):
        sink.add_text(ctype, _payload_text(part))


_BOUNDARY_LINE = re.compile(r"^--([^\s]{1,200})[ \t]*\r?$", re.M)


def _reparse_multipart(body: str) -> Message | None:
    """A multipart body whose declared boundary is wrong, parsed with the one it uses."""
    m = _BOUNDARY_LINE.search(body[:20000])
    if not m or m.group(1).endswith("--"):
        return None
    boundary = m.group(1)
    head = f'Content-Type: multipart/mixed; boundary="{boundary}"\n\n'
    try:
        if _USE_EMAIL_PACKAGE:
            msg = email.message_from_string(head + body, policy=compat32)
        else:
            msg = _mime_parse_text(head + body)
    except Exception:  # compat32 is lenient; this guards against the unforeseen
        return None
    return msg if msg.is_multipart() else None


def _is_forwarded_report(inner: Message, ev: Evidence) -> bool:
    if "message/delivery-status" in ev.facts.get("mime_parts", ()):
        return False  # the outer message is the report; this is the returned original
    # a multipart/report, or a daemon's or postmaster's message naming failed recipients
    return may_be_report(inner) and (inner.get_content_type() == "multipart/report"
                                     or inner.get("X-Failed-Recipients") is not None)


def parse_message(data: bytes, ev: Evidence) -> Message:
    """Fill ``ev`` with the headers and readable lines of the message in ``data``."""
    if data.startswith(b"From "):
        data = data.split(b"\n", 1)[1] if b"\n" in data else b""
    if _USE_EMAIL_PACKAGE:
        msg = email.message_from_bytes(data, policy=compat32)
    else:
        msg = _mime_parse_bytes(data, skim=True)  # returned originals: headers only
    _fill(ev, msg)
    return msg


def _fill(ev: Evidence, msg: Message) -> None:
    sink = LineSink(ev)
    _add_headers(sink, msg, "headers", ev.headers)
    _walk(sink, msg, 0, ev)


#: A header field at the start of a text, as the MIME reader reads one (a name of 1 to 998
#: characters): without one the top block is not all fields, and there is no shortcut.
_FIELD_FIRST = re.compile(rb"[!-9;-~]{1,998}+:")
#: _KNOWN_FIELDS as str, for the field names of a parsed block.
_KNOWN_NAMES = frozenset(n.decode() for n in _KNOWN_FIELDS)


def read_message(data: bytes, ev: Evidence) -> bool:
    """``looks_like_message(data)`` and, when true, ``parse_message(data, ev)``: the top
    header block is read once.

    The MIME reader reads the top block anyway; where it read it in one findall (every
    line a named field or a continuation line, up to a blank line or the end), the block
    lies in the 4096 bytes looks_like_message reads and its lines all end alike, the
    answer follows from its fields (see _looks_from_fields). Anything else asks
    looks_like_message itself (a text parsed for the shortcut is then thrown away when
    the answer is no)."""
    skip = _shortcut_start(data)
    if skip >= 0:
        msg, head = _mime_parse_head(data[skip:] if skip else data, True)
        found = _looks_from_fields(data, skip, head, msg._headers)
        if found is None:
            found = looks_like_message(data)
        if found:
            _fill(ev, msg)
        return found
    if not looks_like_message(data):
        return False
    parse_message(data, ev)
    return True


def _shortcut_start(data: bytes) -> int:
    """Where parse_message's text starts in data (after a From line), when read_message may
    take its shortcut; else -1. There must be a field at that start; data must not start
    with white space or a line end (looks_like_message strips them, parse_message does
    not), and a From line must end inside the 4096 bytes (else looks_like_message keeps
    it)."""
    if _USE_EMAIL_PACKAGE or data[:1] in (b"", b"\r", b"\n", b"\t", b" "):
        return -1
    skip = 0
    if data.startswith(b"From "):
        skip = data.find(b"\n", 0, 4096) + 1
        if not skip:
            return -1
    return skip if _FIELD_FIRST.match(data, skip) else -1


def _looks_from_fields(data: bytes, skip: int, head: int, fields: list) -> bool | None:
    """looks_like_message(data) from the top block of data[skip:] as the MIME reader read it
    (mime.parse_head: it ends at ``head``, -1 when not read in one findall), or None.

    looks_like_message reads data[:4096] (the From line dropped: data starts with neither
    white space nor a line end). Where the block, every line a named field or a
    continuation line, and the blank line after it lie inside those bytes and every line
    there ends with "\n" (or every one with "\r\n"), it finds the same block: the first
    "\n\n" (or "\n\r\n") after a line start that is not a field or a continuation line
    is the blank line. Then it counts each field as a line (one with two has two lines)
    and looks for one with a known name. Its fields have names of at most 76 characters,
    where the MIME reader takes up to 998: a longer one is left to looks_like_message."""
    if head < 0 or not fields:
        return None
    end = skip + head
    if end < len(data):  # the blank line: "\n" or "\r\n"
        end += 2 if data[end] == 13 else 1  # (13: "\r")
    if end > 4096:
        return None
    if data.find(b"\r", skip, end) >= 0:
        n = data.count(b"\n", skip, end)
        if data.count(b"\r", skip, end) != n or data.count(b"\r\n", skip, end) != n:
            return None  # not every line ends with "\r\n"
    if len(fields) < 2:
        return False
    if any(len(name) > 76 for name, _ in fields):
        return None
    for name, _ in fields:
        name = name.lower()
        if name in _KNOWN_NAMES or name.startswith(("x-", "arc-", "list-")):
            return True
    return False
