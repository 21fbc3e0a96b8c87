"""A lean MIME reader: the same ``email.message.Message`` tree as ``compat32``'s feedparser.

``email.message_from_bytes`` spends most of its time feeding lines one by one through a
stack of end-of-part matchers. This reader splits the whole text into lines once and works
on line ranges: a header block ends at the first blank or non-header line, a multipart body
is cut at its boundary lines, message/delivery-status at blank lines, message/* holds one
message. The result is built from real ``Message`` objects (raw headers and payloads set
exactly as the feedparser sets them), so payload decoding (base64 with bad padding,
quoted-printable), parameters (quoted strings, RFC 2231) and charsets stay the standard
library's. Never raises on bad input: it only slices strings. Two deliberate limits the
feedparser lacks: nesting deeper than MAX_DEPTH is kept as text (the feedparser recurses
until a RecursionError), and a header name longer than 998 characters ends the header
block (RFC 5322's line limit; the feedparser's pattern is unbounded).
"""

from __future__ import annotations

import io
import re
from email.message import Message, _parseparam, _unquotevalue
from email.utils import decode_params, quote, unquote
from itertools import compress, repeat

#: A header line: a field name and ":" (group 1, then white space up to the value), a
#: "From " line or a continuation line; the feedparser's headerRE, name length bounded.
_FIELD_RE = re.compile(r"([\041-\071\073-\176]{0,998}):[ \t]*|From |[\t ]")
_LINE_ENDS = frozenset(("", "\n", "\r", "\r\n"))
#: Nesting deeper than this is kept as text (the walker stops at 12 levels anyway).
MAX_DEPTH = 40
_ABSENT = object()
#: get_content_charset's answer (None: no charset) for each Content-Type value seen.
_CHARSETS: dict[str, str | None] = {}


class _Message(Message):
    """compat32's Message with header look-ups that skip the policy for plain ASCII.

    compat32 hands a header value back unchanged unless it holds surrogate escapes (raw
    8-bit bytes), when it wraps it in a Header; ASCII values take the shortcut here, the
    rest still go through the policy, so every answer is the one compat32 gives."""

    def get(self, name, failobj=None):
        name = name.lower()
        for k, v in self._headers:
            if k.lower() == name:
                if v.isascii():
                    return v
                return self.policy.header_fetch_parse(k, v)
        return failobj

    __getitem__ = get

    def items(self):
        fetch = self.policy.header_fetch_parse
        return [(k, v if v.isascii() else fetch(k, v)) for k, v in self._headers]

    # The content type is asked for again and again while a message is read (parsing,
    # walking, the multipart reader): it is worked out once and kept until the message
    # changes. Every mutator clears what was kept.
    _ctype: str | None = None

    def _forget(self) -> None:
        self._ctype = None

    def get_content_type(self):
        ctype = self._ctype
        if ctype is None:
            ctype = self._ctype = Message.get_content_type(self)
        return ctype

    def get_param(self, param, failobj=None, header="content-type", unquote=True):
        # compat32's, without its first pass over every field name ("header not in self")
        params = self._get_params_preserve(_ABSENT, header)
        if params is _ABSENT:
            return failobj
        param = param.lower()
        for k, v in params:
            if k.lower() == param:
                return _unquotevalue(v) if unquote else v
        return failobj

    def get_content_charset(self, failobj=None):
        # The answer depends on the Content-Type value alone, and a few values ("text/plain;
        # charset=us-ascii") make up most parts: kept per value for the whole run.
        value = self.get("content-type")
        if type(value) is not str or len(value) > 200:
            return Message.get_content_charset(self, failobj)
        charset = _CHARSETS.get(value, _ABSENT)
        if charset is _ABSENT:
            charset = Message.get_content_charset(self, None)
            if len(_CHARSETS) < 2000:
                _CHARSETS[value] = charset
        return failobj if charset is None else charset

    def _get_params_preserve(self, failobj, header):
        # get_boundary, get_content_charset and get_filename each parse the parameters
        # anew: the common case (ASCII, no RFC 2231 "*", no backslash escape) is read here
        # in a few string operations, the rest by compat32's own code.
        value = self.get(header, _ABSENT)
        if value is _ABSENT:
            return failobj
        if type(value) is not str or not value.isascii() or "*" in value or "\\" in value:
            # compat32's reader re-slices the rest of the value after each ";" (quadratic):
            # a hostile megabyte of ";a*=b" would stall the run, so only the first
            # _MAX_PARAMS_CHARS are read (no real Content-Type comes near that length).
            return _compat32_params(str(value)[:_MAX_PARAMS_CHARS])
        return _simple_params(value)

    def set_default_type(self, ctype):
        self._forget()
        Message.set_default_type(self, ctype)

    def __setitem__(self, name, val):
        self._forget()
        Message.__setitem__(self, name, val)

    def __delitem__(self, name):
        self._forget()
        Message.__delitem__(self, name)

    def replace_header(self, _name, _value):
        self._forget()
        Message.replace_header(self, _name, _value)

    def set_raw(self, name, value):
        self._forget()
        Message.set_raw(self, name, value)

    def add_header(self, _name, _value, **_params):
        self._forget()
        Message.add_header(self, _name, _value, **_params)


#: Longer parameter lists are cut before compat32 reads them (see _get_params_preserve).
_MAX_PARAMS_CHARS = 8192


def _compat32_params(value: str) -> list[tuple[str, str]]:
    """compat32's ``Message._get_params_preserve`` over ``value`` itself (the same
    _parseparam and decode_params, with the header already in hand)."""
    params = []
    for p in _parseparam(value):
        name, eq, val = p.partition("=")
        params.append((name.strip(), val.strip()) if eq else (p.strip(), ""))
    return decode_params(params)


def _simple_params(value: str) -> list[tuple[str, str]]:
    """compat32's _get_params_preserve for an ASCII value without "*" or a backslash.

    There, _parseparam ends a parameter at a ";" with an even number of quotes before it,
    names before "=" are lower-cased and both sides stripped; decode_params leaves the
    first one alone and re-quotes the value of the others (no RFC 2231 name can occur)."""
    pieces = value.split(";")
    if '"' in value:  # a ";" inside a quoted string does not end the parameter
        merged = []
        current = pieces[0]
        for piece in pieces[1:]:
            if current.count('"') % 2:
                current = current + ";" + piece
            else:
                merged.append(current)
                current = piece
        merged.append(current)
        pieces = merged
    params = []
    for piece in pieces:
        i = piece.find("=")
        if i < 0:
            params.append((piece.strip(), ""))
        else:
            params.append((piece[:i].strip().lower(), piece[i + 1:].strip()))
    first = params[0]
    return [first] + [(name, f'"{quote(unquote(val))}"') for name, val in params[1:]]


class _State:
    __slots__ = ("last", "skim")

    def __init__(self, skim: bool = False) -> None:
        self.last: Message | None = None
        self.skim = skim  # see parse_text


def _is_blank(line: str) -> bool:
    return line[:1] in ("\n", "\r")


def _strip_eol(text: str) -> str:
    if text.endswith("\r\n"):
        return text[:-2]
    if text.endswith(("\n", "\r")):
        return text[:-1]
    return text


def _parse_headers(msg: Message, lines: list[str], start: int, end: int
                   ) -> tuple[int, str | None]:
    """Read the header block of lines[start:end]; return the index of the first body line
    and a trailing "From " line that the feedparser pushes back in front of the body.

    One pass: a continuation line is known by its first character, every other line is
    matched once against _FIELD_RE (which also yields the field's name and where its
    value starts); lines are folded into the field they continue as they come (a field is
    stored when the next one starts). A regex match costs about as much as the rest of the
    work on a line, and scanning the joined block with a regex costs as much again."""
    raw = msg._headers
    match = _FIELD_RE.match
    name = ""  # the field being read ("" after a From line or a nameless one)
    first = ""  # its first line after the colon, white space before the value removed
    more: list[str] | None = None  # its continuation lines
    stop = end
    for i in range(start, end):
        line = lines[i]
        if line[0] in " \t":  # a continuation line (no need for the regex)
            if name:
                if more is None:
                    more = [line]
                else:
                    more.append(line)
            continue
        m = match(line)
        if m is None:
            stop = i + 1 if line[0] in "\r\n" else i  # the separator line is consumed
            break
        field = m[1]
        if field is None:  # a "From " line
            if name:
                value = first + "".join(more) if more else first
                raw.append((name, value.rstrip("\r\n")))
                name, more = "", None
            if i == start:
                msg.set_unixfrom(_strip_eol(line))
                continue
            nxt = i + 1
            if nxt == end or not match(lines[nxt]):  # the last line of the header block
                return (nxt + 1 if nxt < end and _is_blank(lines[nxt]) else nxt), line
            continue
        if name:
            value = first + "".join(more) if more else first
            raw.append((name, value.rstrip("\r\n")))
            more = None
        name = field  # "" for a nameless field, which is dropped with its folds
        first = line[m.end():]
    if name:
        value = first + "".join(more) if more else first
        raw.append((name, value.rstrip("\r\n")))
    return stop, None


def _content_type(msg: _Message) -> str | None:
    """Set what msg.get_content_type() answers, from the raw fields; return the
    Content-Type value when it is the plain ASCII string compat32's get() hands back.

    The same steps as compat32: the first field named Content-Type (any case), its value
    before ";" stripped and lower-cased, "text/plain" unless it has exactly one "/"; no
    field: the default type. (Field names are ASCII here, so a lower-cased name equals
    "content-type" only when it is 12 characters long.)"""
    for k, v in msg._headers:
        if len(k) == 12 and k.lower() == "content-type":
            if not v.isascii():  # compat32 may wrap it in a Header: its own code
                msg._ctype = Message.get_content_type(msg)
                return None
            ctype = v.partition(";")[0].strip().lower()
            msg._ctype = ctype if ctype.count("/") == 1 else "text/plain"
            return v
    msg._ctype = msg.get_default_type()
    return None


def _boundary(msg: _Message, value: str | None) -> str | None:
    """msg.get_boundary(), ``value`` being its Content-Type as _content_type returned it."""
    if value is None or "*" in value or "\\" in value:
        return msg.get_boundary()
    # get_param("boundary") over the parameters _get_params_preserve reads for such a
    # value (unquoted once there), then collapse_rfc2231_value's unquote and the rstrip
    for name, val in _simple_params(value):
        if name.lower() == "boundary":
            return unquote(unquote(val)).rstrip()
    return None


def _parse(lines: list[str], start: int, end: int, state: _State, depth: int,
           default_type: str | None = None, enclosed: bool = False) -> Message:
    msg = _Message()
    if default_type:
        msg.set_default_type(default_type)
    state.last = msg
    i, pushed = _parse_headers(msg, lines, start, end)
    if pushed is not None:  # a last "From " header line goes back in front of the body
        lines = [pushed] + lines[i:end]
        i, end = 0, len(lines)
    value = _content_type(msg)
    if depth > MAX_DEPTH:
        msg._payload = "".join(lines[i:end])
        return msg
    ctype = msg._ctype
    if ctype == "message/delivery-status":
        _parse_status_blocks(msg, lines, i, end, state, depth)
        return msg
    if ctype.startswith("message/"):
        msg._payload = [_parse(lines, i, end, state, depth + 1, enclosed=True)]
        return msg
    if ctype.startswith("multipart/"):
        if enclosed and state.skim and not may_be_report(msg):
            msg._payload = "".join(lines[i:end])  # a returned original's parts: unread
            return msg
        _parse_multipart(msg, _boundary(msg, value), lines, i, end, state, depth)
        return msg
    msg._payload = "".join(lines[i:end])
    return msg


def _parse_status_blocks(msg: Message, lines: list[str], i: int, end: int, state: _State,
                         depth: int) -> None:
    msg._payload = []
    while True:
        j = i
        while j < end and not _is_blank(lines[j]):
            j += 1
        msg.attach(_parse(lines, i, j, state, depth + 1))
        # the blank line ends the block; the next line (if any) starts the next block
        if j >= end or j + 1 >= end:
            return
        i = j + 1


def _parse_multipart(msg: Message, boundary: str | None, lines: list[str], i: int, end: int,
                     state: _State, depth: int) -> None:
    if boundary is None:
        msg._payload = "".join(lines[i:end])
        return
    sep = "--" + boundary
    cut = len(sep)
    # boundary lines, as the feedparser's  --boundary(--)?[ \t]*(\r\n|\r|\n)?$  match
    # (done by hand: a regex per boundary would be compiled anew for nearly every message)
    marks = []
    # the lines that start with the separator, found without a Python step per line
    starts = map(str.startswith, lines[i:end], repeat(sep))
    for k in compress(range(i, end), starts):
        rest = lines[k][cut:]
        is_end = rest.startswith("--")
        if is_end:
            rest = rest[2:]
        if rest.lstrip(" \t") in _LINE_ENDS:
            marks.append((k, is_end))
    if not marks:
        msg._payload = "".join(lines[i:end])  # the start boundary never occurs
        return
    pos = 0
    nmarks = len(marks)
    default = "message/rfc822" if msg._ctype == "multipart/digest" else None
    while pos < nmarks:
        k, is_end = marks[pos]
        if is_end:
            if pos == 0:  # a close delimiter before any part: the preamble is the payload
                msg._payload = "".join(lines[i:k])
            return  # close delimiter: the rest is epilogue
        # consume this and any directly following boundary lines
        while pos + 1 < nmarks and marks[pos + 1][0] == marks[pos][0] + 1:
            pos += 1
        part_start = marks[pos][0] + 1
        part_end = marks[pos + 1][0] if pos + 1 < nmarks else end
        part = _parse(lines, part_start, part_end, state, depth + 1, default)
        msg.attach(part)
        last = state.last
        if last is not None:
            if last._ctype.startswith("multipart/"):
                pass  # the feedparser trims the epilogue there, which nothing reads
            else:
                payload = last._payload
                if isinstance(payload, str) and payload.endswith(("\n", "\r")):
                    # one line end goes with the boundary: \r\n, \r or \n (a regex
                    # anchored at \Z would scan the whole payload to find it)
                    cut = 2 if payload.endswith("\r\n") else 1
                    last._payload = payload[:-cut]
        state.last = msg
        pos += 1


def may_be_report(msg: Message) -> bool:
    """Whether an enclosed message could be a report forwarded as an attachment: a
    multipart/report, or a message from a mailer daemon or postmaster. The walker's own
    test (message._is_forwarded_report) narrows this one, so a skimmed body is never one
    it would read."""
    if msg.get_content_type() == "multipart/report":
        return True
    frm = str(msg.get("From", "")).lower()
    return "mailer-daemon" in frm or "postmaster" in frm


def parse_text(text: str, skim: bool = False) -> Message:
    """The ``Message`` tree of ``text`` (ASCII with surrogate escapes, as from bytes).

    With ``skim``, the body of a message enclosed in a message/* part (the original a
    bounce returns) is not cut into its parts unless it could be a forwarded report: the
    walker reads only its header block, and an original with large attachments would
    otherwise be split at every boundary for nothing. The tree is then compat32's except
    for those bodies, which stay one string."""
    lines = _lines(text)
    return _parse(lines, 0, len(lines), _State(skim), 0)


#: Where str.splitlines ends a line and the feedparser does not.
_OTHER_BREAKS = ("\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029")


def _lines(text: str) -> list[str]:
    """The feedparser's lines, ends kept: lines end at \r\n, \r or \n only."""
    for ch in _OTHER_BREAKS:  # each a fast scan; they are rare in mail
        if ch in text:
            return io.StringIO(text, newline="").readlines()
    return text.splitlines(True)  # a third faster than StringIO


def parse_bytes(data: bytes, skim: bool = False) -> Message:
    return parse_text(data.decode("ascii", "surrogateescape"), skim)
