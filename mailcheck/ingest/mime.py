"""A lean MIME reader: the same ``email.message.Message`` tree as ``compat32``'s feedparser.

``email.message_from_bytes`` spends most of its time feeding lines one by one through a
stack of end-of-part matchers. This reader works on spans of the text itself rather than on
lines: a header block runs to the first blank line (found with str.find) and its fields are
read by one findall (a block with other lines in it, line by line), a multipart body is cut
where "--" + boundary starts a line, message/delivery-status at blank lines, message/*
holds one message, and every payload is one slice. Lines end at "\r\n", "\r" or "\n", as
the feedparser's do. The result is built from real ``Message`` objects (raw headers and
payloads set exactly as the feedparser sets them), so payload decoding (base64 with bad
padding, quoted-printable), parameters (quoted strings, RFC 2231) and charsets stay the
standard library's. Never raises on bad input: it only slices strings. Two deliberate
limits the feedparser lacks: nesting deeper than MAX_DEPTH is kept as text (the feedparser
recurses until a RecursionError), and a header name longer than 998 characters ends the
header block (RFC 5322's line limit; the feedparser's pattern is unbounded).
"""

from __future__ import annotations

import io
import re
from email._policybase import compat32  # (not email.policy: start-up time)
from email.message import Message, _parseparam, _unquotevalue
from email.utils import decode_params, quote, unquote

#: A header line: a field name and ":" (group 1, then white space up to the value), a
#: "From " line or a continuation line; the feedparser's headerRE, name length bounded.
_FIELD_RE = re.compile(r"([\041-\071\073-\176]{0,998}):[ \t]*|From |[\t ]")
#: A header field with a name: the name (group 1) and the value after ":[ \t]*" with its
#: folds, without the line end compat32 strips (group 2); or the rest of the text (both
#: groups empty), when a line is not such a field. Every repeat is possessive: linear.
#: (The rest of the text is "(?s:.++)": sre skips to the end of the text at once, where
#: [\s\S]+ tested each character against the set.)
_FIELDS_RE = re.compile(r"([\041-\071\073-\176]{1,998}+):[ \t]*+"
                        r"([^\r\n]*+(?:(?:\r\n?|\n)[ \t][^\r\n]*+)*+)(?:\r\n?|\n)?+"
                        r"|(?s:.++)")
#: The same where every line ends with "\n" ("." is [^\n], and sre matches it twice as fast
#: as [^\r\n]). Where lines end with "\r\n", the value takes the last line's "\r" along.
#: (The line end is possessive in both: nothing follows it, so there is nothing to give
#: back, and sre skips saving the state to backtrack into.)
_FIELDS_LF_RE = re.compile(r"([\041-\071\073-\176]{1,998}+):[ \t]*+(.*+(?:\n[ \t].*+)*+)\n?+"
                           r"|(?s:.++)")
#: Where a blank line follows a line end (see _blank).
_BLANK_RE = re.compile(r"\n[\r\n]|\r\r")
#: The rest of a boundary line after "--" + boundary: "--" (the close delimiter, group 1),
#: white space, a line end or the end of the text.
_BOUNDARY_TAIL_RE = re.compile(r"(--)?[ \t]*+(?:\r\n?|\n|\Z)")
#: Nesting deeper than this is kept as text (the walker stops at 12 levels anyway).
MAX_DEPTH = 40
_ABSENT = object()
_NEW = object.__new__
#: get_content_charset's answer (None: no charset) for each Content-Type value seen.
_CHARSETS: dict[str, str | None] = {}


class _Message(Message):
    """compat32's Message with header look-ups that skip the policy for plain ASCII.

    compat32 hands a header value back unchanged unless it holds surrogate escapes (raw
    8-bit bytes), when it wraps it in a Header; ASCII values take the shortcut here, the
    rest still go through the policy, so every answer is the one compat32 gives."""

    # compat32's __init__ sets all of these on each instance; the ones that are only ever
    # replaced, never changed in place, are class attributes here, so that _parse can make
    # a part with object.__new__ and two fresh lists instead of a call to __init__.
    policy = compat32
    _unixfrom = None
    _payload = None
    _charset = None
    preamble = None
    epilogue = None
    _default_type = "text/plain"

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


def _param_pieces(value: str) -> list[str]:
    """value cut at each ";" that _parseparam cuts at: one with an even number of quotes
    before it (a ";" inside a quoted string does not end the parameter)."""
    pieces = value.split(";")
    if '"' in value:
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
    return pieces


def _simple_params(value: str) -> list[tuple[str, str]]:
    """compat32's _get_params_preserve for an ASCII value without "*" or a backslash.

    There, _parseparam ends a parameter at a ";" with an even number of quotes before it,
    names before "=" are lower-cased and both sides stripped; decode_params leaves the
    first one alone and re-quotes the value of the others (no RFC 2231 name can occur)."""
    params = []
    for piece in _param_pieces(value):
        i = piece.find("=")
        if i < 0:
            params.append((piece.strip(), ""))
        else:
            params.append((piece[:i].strip().lower(), piece[i + 1:].strip()))
    first = params[0]
    return [first] + [(name, f'"{quote(unquote(val))}"') for name, val in params[1:]]


class _State:
    __slots__ = ("last", "skim", "ends", "fields", "head")

    def __init__(self, text: str, skim: bool = False) -> None:
        self.last: Message | None = None
        self.skim = skim  # see parse_text
        # the first header block read (the top one): where it ends when it was read in one
        # findall, every line part of a named field; -1 when it was not (see parse_head)
        self.head: int | None = None
        # which line ends the text has: 0 "\n" only, 1 also "\r\n" (every "\r" is in one),
        # 2 also a lone "\r"; blank lines are searched for accordingly (see _blank)
        if "\r" not in text:
            self.ends = 0
        else:
            self.ends = 1 if text.count("\r") == text.count("\r\n") else 2
        self.fields = (_FIELDS_LF_RE if self.ends < 2 else _FIELDS_RE).findall


def _blank(text: str, pos: int, end: int, ends: int) -> int:
    """Where the first blank line of text[pos:end] starts (pos starts a line), or end.

    A blank line starts with "\r" or "\n" at a line start: after "\n", or after a lone "\r"
    (one not followed by "\n"). So it is the second character of "\n\n", "\n\r" or "\r\r";
    the last two need a "\r", and "\r\r" a lone one. str.find is a fast C scan; each later
    search is bounded by what the earlier ones found."""
    if pos >= end:
        return end
    if text[pos] in "\r\n":
        return pos
    if ends == 2:
        m = _BLANK_RE.search(text, pos, end)
        return end if m is None else m.start() + 1
    if ends:
        k = text.find("\n\r", pos, end)
        if k >= 0:
            end = k + 1
    k = text.find("\n\n", pos, end)
    return end if k < 0 else k + 1


def _after_eol(text: str, pos: int) -> int:
    """The start of the line after the line end at pos ("\r\n", "\r" or "\n")."""
    return pos + 2 if text.startswith("\r\n", pos) else pos + 1


def _read_headers(msg: Message, text: str, pos: int, end: int, state: _State
                  ) -> tuple[str, int, int]:
    """Read the header block at text[pos:end]; return the text, start and end of the body.

    The block runs to the first blank line (consumed) or the first line that is not part
    of a field. The usual block, fields and their folds up to a blank line, is read by one
    findall; a block with any other line (a "From " line, a nameless field, a continuation
    before any field, text) by the line reader below, which is compat32's."""
    ends = state.ends
    if ends or pos >= end or text[pos] == "\n":
        q = _blank(text, pos, end, ends)
    else:  # (_blank's own steps where lines end with "\n" only: the usual text)
        q = text.find("\n\n", pos, end)
        q = end if q < 0 else q + 1
    found = state.fields(text, pos, q) if q > pos else []
    if not found or found[-1][0]:  # (a field has a name of one or more characters)
        if state.head is None:
            state.head = q
        if ends == 1:  # the values took the "\r" of their last line along
            found = [(k, v[:-1]) if v[-1:] == "\r" else (k, v) for k, v in found]
        msg._headers = found
        if q >= end:
            return text, end, end
        # the body starts after the blank line's end: "\r\n", "\r" or "\n"
        return text, (q + 2 if ends and text[q:q + 2] == "\r\n" else q + 1), end
    if state.head is None:
        state.head = -1
    if len(found) == 1 and text[pos] not in " \t:" and not text.startswith("From ", pos):
        msg._headers = []
        return text, pos, end  # the first line is text: there is no header block
    msg._headers = []
    r = _after_eol(text, q) if q < end else end  # the blank line is read too
    lines = _lines(text[pos:r])
    stop, pushed = _parse_headers(msg, lines, 0, len(lines))
    body = pos + sum(map(len, lines[:stop]))
    if pushed is not None:  # a last "From " header line goes back in front of the body
        text = pushed + text[body:end]
        return text, 0, len(text)
    return text, body, end


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

    The line reader, for the blocks _read_headers does not read in one findall (a "From "
    line, a nameless field...). One pass: a continuation line is known by its first
    character, every other line is matched once against _FIELD_RE (which also yields the
    field's name and where its value starts); lines are folded into the field they continue
    as they come (a field is stored when the next one starts)."""
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
    # get_param("boundary") over _simple_params(value), then collapse_rfc2231_value's
    # unquote and the rstrip: unquote(unquote(v)).rstrip() for the first parameter named
    # boundary. Only that piece is read here. The re-quoting of the parameters after the
    # first changes nothing: the value has no backslash, so unquote('"' + quote(u) + '"')
    # is u itself, and for each parameter the answer is unquote(unquote(v)).rstrip().
    for piece in _param_pieces(value):
        i = piece.find("=")
        if (piece[:i] if i >= 0 else piece).strip().lower() == "boundary":
            return unquote(unquote(piece[i + 1:].strip())).rstrip() if i >= 0 else ""
    return None


def _parse(text: str, pos: int, end: int, state: _State, depth: int,
           default_type: str | None = None, enclosed: bool = False) -> Message:
    msg = _NEW(_Message)  # (see the class attributes of _Message; _read_headers sets _headers)
    msg.defects = []
    if default_type:
        msg._default_type = default_type
    state.last = msg
    text, i, end = _read_headers(msg, text, pos, end, state)
    value = _content_type(msg)
    if depth > MAX_DEPTH:
        msg._payload = text[i:end]
        return msg
    ctype = msg._ctype
    if ctype == "message/delivery-status":
        _parse_status_blocks(msg, text, i, end, state, depth)
        return msg
    if ctype[:8] == "message/":
        msg._payload = [_parse(text, i, end, state, depth + 1, enclosed=True)]
        return msg
    if ctype[:10] == "multipart/":
        if enclosed and state.skim and not may_be_report(msg):
            msg._payload = text[i:end]  # a returned original's parts: unread
            return msg
        _parse_multipart(msg, _boundary(msg, value), text, i, end, state, depth)
        return msg
    msg._payload = text[i:end]
    return msg


def _parse_status_blocks(msg: Message, text: str, i: int, end: int, state: _State,
                         depth: int) -> None:
    msg._payload = parts = []
    ends = state.ends
    while True:
        j = _blank(text, i, end, ends)
        parts.append(_parse(text, i, j, state, depth + 1))
        # the blank line ends the block; the next line (if any) starts the next block
        if j >= end:
            return
        i = j + 2 if ends and text[j:j + 2] == "\r\n" else j + 1
        if i >= end:
            return


def _boundary_lines(text: str, sep: str, i: int, end: int, ends: int
                    ) -> list[tuple[int, bool, int]]:
    """The boundary lines of text[i:end] (i starts a line), as the feedparser's
    --boundary(--)?[ \t]*(\r\n|\r|\n)?$  matches them: (where the line starts, whether it
    is the close delimiter, where the next line starts)."""
    if "\n" in sep or "\r" in sep:
        return []  # (a boundary never ends with either: it cannot start a line)
    cut = len(sep)
    starts = [i] if text.startswith(sep, i) else []
    # a line starts after "\n", or after a lone "\r" ("\r" + sep: the "\r" is lone)
    for eol in ("\n", "\r") if ends == 2 else ("\n",):
        needle = eol + sep
        k = text.find(needle, i, end)
        while k >= 0:
            starts.append(k + 1)
            k = text.find(needle, k + 1 + cut, end)
    if ends == 2:
        starts.sort()
    marks = []
    tail = _BOUNDARY_TAIL_RE.match
    for k in starts:
        m = tail(text, k + cut, end)
        if m is not None:
            marks.append((k, m[1] is not None, m.end()))
    return marks


def _parse_multipart(msg: Message, boundary: str | None, text: str, i: int, end: int,
                     state: _State, depth: int) -> None:
    if boundary is None:
        msg._payload = text[i:end]
        return
    marks = _boundary_lines(text, "--" + boundary, i, end, state.ends)
    if not marks:
        msg._payload = text[i:end]  # the start boundary never occurs
        return
    pos = 0
    nmarks = len(marks)
    parts = None  # msg._payload once the first part is read (what attach() would make)
    default = "message/rfc822" if msg._ctype == "multipart/digest" else None
    while pos < nmarks:
        k, is_end, nxt = marks[pos]
        if is_end:
            if pos == 0:  # a close delimiter before any part: the preamble is the payload
                msg._payload = text[i:k]
            return  # close delimiter: the rest is epilogue
        # consume this and any directly following boundary lines
        while pos + 1 < nmarks and marks[pos + 1][0] == nxt:
            pos += 1
            nxt = marks[pos][2]
        part_end = marks[pos + 1][0] if pos + 1 < nmarks else end
        part = _parse(text, nxt, part_end, state, depth + 1, default)
        if parts is None:
            msg._payload = parts = [part]
        else:
            parts.append(part)
        last = state.last
        if last is not None:
            if last._ctype[:10] == "multipart/":
                pass  # the feedparser trims the epilogue there, which nothing reads
            else:
                payload = last._payload
                if type(payload) is str and payload[-1:] in ("\n", "\r"):
                    # one line end goes with the boundary: \r\n, \r or \n (a regex
                    # anchored at \Z would scan the whole payload to find it)
                    cut = 2 if payload[-2:] == "\r\n" else 1
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
    return _parse(text, 0, len(text), _State(text, skim), 0)


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


def parse_head(data: bytes, skim: bool = False) -> tuple[Message, int]:
    """parse_bytes(data, skim), and where the top header block ends when it was read in one
    findall: it runs from the start of the text to that offset (a blank line, or the end
    of the text), and each of its lines is a named field or a continuation line of one
    (message.read_message's test for a message). -1 for any other top block."""
    text = data.decode("ascii", "surrogateescape")
    state = _State(text, skim)
    msg = _parse(text, 0, len(text), state, 0)
    return msg, state.head
