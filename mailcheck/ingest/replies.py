"""SMTP replies found anywhere in text: transcripts, quoted replies, bare status codes.

Three shapes are recognised, from most to least certain:

* a reply at the start of a line (``550-5.7.1 ...`` / ``550 5.7.1 ...``), multi-line
  replies joined into one;
* a reply code followed by an enhanced status code anywhere in a line
  (``host mx said: 550 5.1.1 <a@b>: Recipient address rejected``);
* a bare enhanced status code (``#5.1.1``), only used when nothing better is present.

All patterns are linear: bounded repeats only, no nested quantifiers.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable, Iterable
from itertools import groupby
from operator import attrgetter

from ..model import Evidence, Line, Reply

STATUS = r"[245]\.[0-7]\.\d{1,3}"
# Both patterns below must not follow a digit or a dot ("15.5.1.1" is no status). That is
# checked in Python on each hit (_unpreceded) rather than with a lookbehind: a pattern that
# starts with a character class lets the regex engine skip ahead to the next 2, 4 or 5,
# several times faster over long lines than testing the lookbehind at every position.
_STATUS_RE = re.compile(rf"{STATUS}(?![\d])(?!\.\d)")
_LINE_REPLY = re.compile(
    rf"^[ \t]{{0,8}}(?:[<>]{{1,3}}[ \t]{{0,3}}|[SC]:[ \t]{{0,3}})?([245]\d\d):?([ -])[ \t]{{0,3}}"
    rf"(?:#?({STATUS})(?![\d.])[ \t]{{0,3}})?(.{{0,4000}})"
)
_EMBEDDED = re.compile(rf"([245]\d\d)[ -]{{1,2}}['\"(#]?({STATUS})(?![\d])(?!\.\d)")
_DIGITS_AND_DOT = frozenset("0123456789.")


def _unpreceded(pattern: re.Pattern, text: str) -> re.Match | None:
    """The first match of ``pattern`` that does not follow a digit or a dot."""
    for m in pattern.finditer(text):
        s = m.start()
        if s == 0 or text[s - 1] not in _DIGITS_AND_DOT:
            return m
    return None
#: A reply code without a status code counts after words like these ("host said: 550"),
#: or right before a quote ("550 'mailbox full'"); checked around each three-digit hit.
_BARE_CODE = re.compile(r"[45]\d\d")
_BARE_CODE_AFTER = ("said", "returned", "error", "replied", "response", "reply", "answered",
                    "failure", "code", "to me", "]", "smtp", "deferred")
_BARE_CODE_SEPARATORS = " :'\"("


def _bare_code(text: str) -> str | None:
    """The first reply code in ``text`` that is introduced by one of _BARE_CODE_AFTER
    (then 1 to 6 of _BARE_CODE_SEPARATORS) or followed by a quote ("550-'...")."""
    for m in _BARE_CODE.finditer(text):
        s, e = m.span()
        before = text[s - 1] if s else ""
        after = text[e:e + 2]
        if before not in _DIGITS_AND_DOT or not before:
            if after[:1] == "'" or after == "-'":
                return m.group()
        if after[:1] in _DIGITS_AND_DOT and after:
            continue
        window = text[max(0, s - 20):s]
        head = window.rstrip(_BARE_CODE_SEPARATORS)
        if 1 <= len(window) - len(head) <= 6 and head.lower().endswith(_BARE_CODE_AFTER):
            return m.group()
    return None


#: Reply codes that are SMTP replies when they start a line, even without a status code.
KNOWN_CODES = frozenset(
    "220 221 235 250 251 252 334 354 421 450 451 452 454 455 500 501 502 503 504 521 523 "
    "530 534 535 538 550 551 552 553 554 555 556".split()
)


#: The commands a notice names after "in reply to", "after" ... (a word, not a prefix).
_COMMAND_AFTER = (r"[ \t]{0,3}(?:the[ \t])?"
                  r"(end of data|rcpt|mail|data|helo|ehlo|connect|message|body|auth|starttls|"
                  r"quit)\b")
#: What names the command a reply answered. Every alternative starts with a literal
#: character (``(?:in reply to|after...)`` is spelled out, and "recipient" or "sender"
#: before "address rejected" too), so the regex engine skips ahead to the characters that
#: can start one instead of trying every alternative at every position. The command word
#: is the group that took part, or for "... address rejected", the match's first word.
_COMMAND = re.compile(
    "|".join(re.escape(w) + _COMMAND_AFTER
             for w in ("in reply to", "after", "performing the", ">>>", "smtp:"))
    + r"|\[(rcpt_to|mail_from|data)\]|does not like (recipient|sender)"
    + r"|recipient address rejected|sender address rejected"
    # qmail-remote: "Connected to 192.0.2.1 but sender was rejected." (MAIL FROM), "... but
    # my name was rejected." (HELO), "... but greeting failed." (the banner)
    + r"|but (sender|my name) was rejected|but (greeting) failed")  # lower-cased text: no re.I
_COMMAND_NAMES = {"end of data": "DATA", "message": "DATA", "body": "DATA", "rcpt_to": "RCPT",
                  "mail_from": "MAIL", "recipient": "RCPT", "sender": "MAIL", "my name": "HELO",
                  "greeting": "CONNECT"}


#: How each alternative of _COMMAND starts. A match can only start where one of these does,
#: so a text that holds none of them gives None (reasons and the prose reader ask that of
#: the text before they call smtp_command).
_COMMAND_STARTS = ("in reply to", "after", "performing the", ">>>", "smtp:", "[rcpt_to]",
                   "[mail_from]", "[data]", "does not like ", "recipient address rejected",
                   "sender address rejected", "but ")


def _command_search(low: str) -> re.Match | None:
    """``_COMMAND.search(low)``, found by trying the match only where an alternative's
    start occurs. The search would try every position whose character can start one
    (about a third of prose: a, b, d, i, p, r, s...), at ~1k instructions each; str.find
    skips to the few real starts. The leftmost position where a match succeeds is a start
    of some alternative, and a match at the same position is the same match."""
    best: re.Match | None = None
    for w in _COMMAND_STARTS:
        i = low.find(w)
        while i >= 0 and (best is None or i < best.start()):
            m = _COMMAND.match(low, i)
            if m:
                best = m
                break
            i = low.find(w, i + 1)
    return best


def smtp_command(text: str) -> str | None:
    """The SMTP command a reply answered, when the text says (``RCPT``, ``DATA``, ``MAIL``...)."""
    m = _command_search(text.lower())  # several times faster than a re.I search
    if not m:
        return None
    word = m.group(m.lastindex) if m.lastindex else m.group().partition(" ")[0]
    return _COMMAND_NAMES.get(word, word.upper())


def find_status(text: str) -> str | None:
    """The first enhanced status code in ``text``."""
    m = _unpreceded(_STATUS_RE, text)
    return m.group() if m else None


#: What every reply code and status code holds: most lines of prose have neither, and
#: this one search turns them away before the four searches below.
_MAY_HOLD_CODE = re.compile(r"[245][\d.]")


def parse_reply_text(text: str) -> tuple[str | None, str | None]:
    """(reply code, status) from a diagnostic such as ``550 5.1.1 <a@b>... User unknown``."""
    if not _MAY_HOLD_CODE.search(text):
        return None, None
    t = text.strip()
    m = _LINE_REPLY.match(t)
    if m and (m.group(3) or m.group(1) in KNOWN_CODES):
        return m.group(1), m.group(3) or find_status(m.group(4))
    m = _unpreceded(_EMBEDDED, t)
    if m:
        return m.group(1), m.group(2)
    return _bare_code(t), find_status(t)


def _strip_status(text: str, status: str | None) -> str:
    if status and text.startswith(status):
        return text[len(status):].lstrip()
    return text


def line_replies(lines: Iterable[Line]) -> list[Reply]:
    """Replies that start lines, with ``NNN-`` continuation lines joined."""
    hits = []
    for i, ln in enumerate(lines):
        m = _LINE_REPLY.match(ln.text) if ln.text[:12].strip()[:1].isdigit() or \
            ln.text.lstrip()[:1] in "<>SC" else None
        if m and (m.group(3) or m.group(1) in KNOWN_CODES):
            hits.append((ln, m, i))
    return _join_line_replies(hits, lambda prev, hit: hit[2] == prev[2] + 1)


_Hit = tuple[Line, re.Match, int]


def _join_line_replies(hits: list[_Hit], follows: Callable[[_Hit, _Hit], bool]) -> list[Reply]:
    """Replies from (line, _LINE_REPLY match, position) in order. A ``NNN-`` reply goes on
    only on the hit that ``follows(previous hit, hit)`` says is on the next line."""
    out: list[Reply] = []
    current: Reply | None = None  # a reply whose last line ended in "NNN-"
    prev = None
    for hit in hits:
        ln, m = hit[0], hit[1]
        code, sep, status, rest = m.group(1), m.group(2), m.group(3), m.group(4).strip()
        if current is not None and code == current.code and follows(prev, hit):
            current.text = f"{current.text} {_strip_status(rest, status)}".strip()
            if not current.status and status:
                current.status = status
        else:
            current = Reply(code, status or find_status(rest), f"{code} " + (
                f"{status} {rest}" if status else rest), ln)
            out.append(current)
        if sep != "-":
            current = None
        prev = hit
    return out


def embedded_replies(lines: Iterable[Line]) -> list[Reply]:
    """``NNN X.Y.Z text`` inside a line (quoted by an MTA or a dialog): the first such
    reply of each line, unless it starts the line (line_replies has those)."""
    lines = list(lines)
    if not lines:
        return []
    # one search over all the lines joined (a match never spans a line end)
    starts = []
    pos = 0
    for ln in lines:
        starts.append(pos)
        pos += len(ln.text) + 1
    block = "\n".join(ln.text for ln in lines)
    out = []
    decided = -1  # the line whose first reply was seen
    for m in _EMBEDDED.finditer(block):
        s = m.start()
        if s and block[s - 1] in _DIGITS_AND_DOT:
            continue
        i = bisect_right(starts, s) - 1
        if i == decided:
            continue
        decided = i
        ln = lines[i]
        offset = s - starts[i]
        if offset > 0:
            text = _unwrapped(ln.text, offset)
            out.append(Reply(m.group(1), m.group(2), text, ln))
    return out


#: What may close the wrapper a reply is quoted in, and what opens it.
_OPENERS = {")": "(", ">": "<"}


def _unwrapped(line: str, offset: int) -> str:
    """The reply that starts at ``offset`` of ``line``, without the closing quote, bracket
    or parenthesis of the wrapper the line put it in (Exchange's "returned '550 ...'", a
    "(550 ...)" note). A closer is dropped only when the reply itself did not open it:
    "AS(7555)" keeps its parenthesis; a quote goes when the same quote stands in front of
    the reply, or when the reply holds an odd number of them."""
    before = line[:offset].rstrip()[-1:]
    text = line[offset:].strip()
    while text:
        last = text[-1]
        opener = _OPENERS.get(last)
        if opener is not None:
            if text.count(opener) >= text.count(last):
                break
        elif last not in "'\"" or (before != last and text.count(last) % 2 == 0):
            break
        before = ""  # (one wrapper's quote: an inner one is the reply's own)
        text = text[:-1].rstrip()
    return text


_HEADER_PARTS = ("headers", "returned-headers")
#: _LINE_REPLY without its anchor, to match at a line's offset in a haystack.
_LINE_REPLY_AT = re.compile(_LINE_REPLY.pattern[1:])
#: A newline that _LINE_REPLY_AT matches after: its start up to the separator. The regex
#: engine enters the pattern at every newline, so it is built to fail there at once: the
#: indent is one possessive repeat (what follows it cannot be a blank, so giving blanks
#: back could never help), and each alternative after it starts with a character class,
#: which the engine tests before it enters the branch. (Alternatives that started with
#: ``[ \t]{1,8}`` or ``[<>]{1,3}`` were entered at every newline: 42k instructions per
#: message against 26-29k.)
_LINE_REPLY_AFTER_NL = re.compile(
    r"\n[ \t]{0,8}+(?:[245]|[<>][<>]{0,2}+[ \t]{0,3}+[245]|[SC]:[ \t]{0,3}+[245])\d\d:?[ -]")
#: The ``.Y.Z`` of a status code. Its literal first character lets the regex engine skip
#: ahead quickly, where a search for [245] stops at every digit of a date or an ID. A status
#: code (and so an _EMBEDDED reply) that follows no digit or dot has its ``.Y.Z`` found
#: here: a hit that overlaps the previous one is missed, but its status would follow a
#: digit or a dot.
_DOTTED = re.compile(r"\.[0-7]\.\d")
_PART = attrgetter("part")


def _haystack_line_replies(ev: Evidence, hay: str, start: int = 0,
                           end: int | None = None) -> list[Reply]:
    """line_replies of the lines outside the header parts, by one search of the haystack
    from offset ``start``, where a line starts after a newline, or 0, up to ``end``, where
    a line ends (hits are (line, match, offset of the line))."""
    lines = ev.lines
    starts = ev.line_starts()
    hits: list[_Hit] = []
    first = lines[0]
    if start == 0 and first.part not in _HEADER_PARTS:
        m = _LINE_REPLY.match(first.text)
        if m and (m.group(3) or m.group(1) in KNOWN_CODES):
            hits.append((first, m, 0))
    # (a hit lies within its line: it needs nothing past the end of the last line searched)
    for nl in _LINE_REPLY_AFTER_NL.finditer(hay, max(start - 1, 0),
                                            len(hay) if end is None else end):
        s = nl.start() + 1
        i = bisect_right(starts, s) - 1  # (ev.line_at(s))
        ln = lines[i]
        if starts[i] != s or ln.part in _HEADER_PARTS:
            continue  # a newline inside a line's text, or a header line
        m = _LINE_REPLY_AT.match(hay, s)
        if m and (m.group(3) or m.group(1) in KNOWN_CODES):
            hits.append((ln, m, s))
    if not hits:
        return []

    def follows(prev: _Hit, hit: _Hit) -> bool:
        """Whether only lines of the header parts (which line_replies is not given) come
        between the two hits' lines."""
        off = prev[2] + len(prev[0].text) + 1
        while off < hit[2]:
            ln = ev.line_at(off)
            if ln is None or ln.part not in _HEADER_PARTS:
                return False
            off += len(ln.text) + 1
        return True

    return _join_line_replies(hits, follows)


def _status_lines(ev: Evidence, hay: str, start: int = 0, end: int | None = None) -> list[int]:
    """The indexes of the lines outside the header parts, from offset ``start`` on (up to
    ``end``, where a line ends), that may hold a status code which follows no digit or dot
    (the only lines where find_status or an _EMBEDDED reply can match)."""
    lines = ev.lines
    starts = ev.line_starts()
    out: list[int] = []
    last = -1
    for m in _DOTTED.finditer(hay, start, len(hay) if end is None else end):
        q = m.start() - 1
        if q < 0 or hay[q] not in "245" or (q and hay[q - 1] in _DIGITS_AND_DOT):
            continue
        i = bisect_right(starts, q) - 1  # (ev.line_at(q))
        if i != last and lines[i].part not in _HEADER_PARTS:
            out.append(i)
            last = i
    return out


def _embedded_at(ev: Evidence, hay: str, indexes: list[int]) -> list[Reply]:
    """embedded_replies of these lines (indexes into ``ev.lines``), each searched where it
    stands in the haystack. An _EMBEDDED match never spans a newline, and its lookaheads
    see the end of the line's span as they see the newline that joins the lines."""
    lines = ev.lines
    starts = ev.line_starts()
    out = []
    for i in indexes:
        ln = lines[i]
        ls = starts[i]
        for m in _EMBEDDED.finditer(hay, ls, ls + len(ln.text)):
            s = m.start()
            if s > ls and hay[s - 1] in _DIGITS_AND_DOT:
                continue
            if s > ls:
                text = _unwrapped(ln.text, s - ls)
                out.append(Reply(m.group(1), m.group(2), text, ln))
            break  # (the line's first reply decides)
    return out


def _after_top_headers(ev: Evidence) -> int:
    """The offset in the haystack of the first line after the message's own header lines
    (they come first): the searches start there, not over the headers they would drop."""
    lines = ev.lines
    part, run = next(groupby(lines, _PART))
    if part != "headers":
        return 0
    k = len(list(run))
    return len(ev.haystack()) if k == len(lines) else ev.line_starts()[k]


def _before_returned_headers(ev: Evidence) -> int:
    """The offset in the haystack where the last line outside the header parts ends: the
    returned message's headers usually close the input, and the searches stop short of
    them (about a third of what follows the message's own headers)."""
    lines = ev.lines
    j = len(lines) - 1
    while j >= 0 and lines[j].part in _HEADER_PARTS:
        j -= 1
    return ev.line_starts()[j] + len(lines[j].text) if j >= 0 else 0


def collect_replies(ev: Evidence) -> None:
    """Add every reply in ``ev.lines`` that no format parser has recorded yet.

    Over the haystack, one search finds the lines that start with a reply and another
    those that hold a status code; the per-line rules then run on those lines only.
    """
    if not ev.lines:
        return
    hay = ev.haystack()
    start = _after_top_headers(ev)
    if start >= len(hay) and start:
        return  # nothing but the message's headers
    end = _before_returned_headers(ev)
    found = _haystack_line_replies(ev, hay, start, end)
    candidates = _status_lines(ev, hay, start, end)
    if candidates:
        found += _embedded_at(ev, hay, candidates)  # on the lines where it can find one
    if found:
        seen = {(r.line.number if r.line else None) for r in ev.replies}
        for rep in found:
            key = rep.line.number if rep.line else None
            if key in seen:
                continue
            seen.add(key)
            ev.replies.append(rep)
    if candidates and not any(r.status for r in ev.replies):
        lines = ev.lines
        for i in candidates:
            ln = lines[i]
            st = find_status(ln.text)
            if st and key_is_status_line(ln.text):
                ev.replies.append(Reply(None, st, ln.text.strip(), ln))
                break


def key_is_status_line(text: str) -> bool:
    """A bare status code counts only on a short line or after a '#' / 'Status:' marker."""
    t = text.strip()
    return len(t) < 200 or "#" in t or t.lower().startswith("status")
