"""The hand-written reply-code checks agree with the regular expressions they replace.

replies.py finds status codes and bare reply codes by scanning for digits and checking the
characters around each hit, which is several times faster than a lookbehind or a
case-insensitive alternation at every position. The original patterns stay here as the
specification."""

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from mailcheck.ingest import replies
from mailcheck.ingest.replies import STATUS, _bare_code, find_status, parse_reply_text

SPEC_STATUS = re.compile(rf"(?<![\d.])#?({STATUS})(?![\d])(?!\.\d)")
SPEC_EMBEDDED = re.compile(rf"(?<![\d.])([245]\d\d)[ -]{{1,2}}['\"(#]?({STATUS})(?![\d])(?!\.\d)")
SPEC_BARE_CODE = re.compile(
    r"(?:said|returned|error|replied|response|reply|answered|failure|code|to me|\]|SMTP)"
    r"[ :'\"(]{1,6}([45]\d\d)(?![\d.])|(?<![\d.])([45]\d\d)-?'", re.I)

PIECES = st.sampled_from(["said", "Error", "code", "SMTP", "to me", "]", "reply", " ", ":", "'",
                          '"', "(", "-", ".", "#", "x", "0", "1", "2", "4", "5", "7", "550",
                          "5.1.1", "4.7.0", "250", "5.7.520", "12.5.1.1"])
TEXTS = st.lists(PIECES, max_size=14).map("".join)


def spec_bare(text):
    m = SPEC_BARE_CODE.search(text)
    return (m.group(1) or m.group(2)) if m else None


@settings(max_examples=3000, deadline=None)
@given(TEXTS)
def test_bare_code_matches_its_specification(text):
    assert _bare_code(text) == spec_bare(text)


@settings(max_examples=3000, deadline=None)
@given(TEXTS)
def test_find_status_matches_its_specification(text):
    m = SPEC_STATUS.search(text)
    assert find_status(text) == (m.group(1) if m else None)


@settings(max_examples=3000, deadline=None)
@given(TEXTS)
def test_embedded_reply_matches_its_specification(text):
    code, status = parse_reply_text(text)
    m = SPEC_EMBEDDED.search(text.strip())
    if m and not re.match(r"[ \t]{0,8}(?:[<>]{1,3}[ \t]{0,3}|[SC]:[ \t]{0,3})?[245]\d\d", text.strip()):
        assert (code, status) == (m.group(1), m.group(2))


def test_examples():
    assert _bare_code("host mx.example.com said: 550 mailbox unavailable") == "550"
    assert _bare_code("550-'Mailbox full'") == "550"
    assert _bare_code("version 1.550' x") is None
    assert find_status("#5.1.1 user unknown") == "5.1.1"
    assert find_status("Exchange 15.5.1.1 build") is None


LINES = st.lists(TEXTS, max_size=6)


@settings(max_examples=1500, deadline=None)
@given(LINES)
def test_embedded_replies_line_by_line_as_specified(texts):
    from mailcheck.ingest.replies import embedded_replies
    from mailcheck.model import Line

    lines = [Line("text/plain", i + 1, t) for i, t in enumerate(texts)]
    want = []
    for ln in lines:
        m = SPEC_EMBEDDED.search(ln.text)
        if m and m.start() > 0:
            want.append((ln.number, m.group(1), m.group(2),
                         ln.text[m.start():].strip().rstrip("'\")>").strip()))
    got = [(r.line.number, r.code, r.status, r.text) for r in embedded_replies(lines)]
    assert got == want


LINE_PIECES = st.sampled_from(["550-", "550 ", "451-", "250 ", "299 ", " ", "\t", "<<< ", "> ", "S: ",
                               "C:", "#", "<", "5.1.1", "4.7.0 ", "x", "said: ", "1", ".", "'", "\n",
                               "550-5.7.1 ", "Status: ", "12.5.1.1", "(", '"', "-", "4.2.2",
                               "5.7.520", "2.0.0"])
PARTS = st.sampled_from(["text/plain", "text/plain", "headers", "returned-headers",
                         "message/delivery-status"])


def _collect_line_by_line(ev):
    """collect_replies as specified: line_replies and embedded_replies over the lines
    outside the header parts, then the first line with a bare status code."""
    from mailcheck.ingest.replies import (
        embedded_replies,
        find_status,
        key_is_status_line,
        line_replies,
    )
    from mailcheck.model import Reply

    seen = {(r.line.number if r.line else None) for r in ev.replies}
    text_lines = [ln for ln in ev.lines if ln.part not in ("headers", "returned-headers")]
    for rep in line_replies(text_lines) + embedded_replies(text_lines):
        key = rep.line.number if rep.line else None
        if key not in seen:
            seen.add(key)
            ev.replies.append(rep)
    if not any(r.status for r in ev.replies):
        for ln in text_lines:
            st_ = find_status(ln.text)
            if st_ and key_is_status_line(ln.text):
                ev.replies.append(Reply(None, st_, ln.text.strip(), ln))
                break


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.tuples(PARTS, st.lists(LINE_PIECES, max_size=8).map("".join)), max_size=8),
       st.sampled_from([None, "5.0.0", ""]))
def test_collect_replies_over_the_haystack_as_line_by_line(rows, prior):
    """The haystack searches of collect_replies find what the per-line rules find,
    whatever the parts and even with newlines inside a line's text."""
    from mailcheck.ingest.replies import collect_replies
    from mailcheck.model import Evidence, Line, Reply

    def evidence():
        ev = Evidence(lines=[Line(part, i + 1, text) for i, (part, text) in enumerate(rows)])
        if prior is not None and ev.lines:
            ev.replies.append(Reply("550", prior or None, "550", ev.lines[0]))
        return ev

    want, got = evidence(), evidence()
    _collect_line_by_line(want)
    collect_replies(got)
    assert [(r.code, r.status, r.text, r.line.number) for r in got.replies] == \
        [(r.code, r.status, r.text, r.line.number) for r in want.replies]


COMMAND_PIECES = st.sampled_from(["in reply to ", "after", " ", "the ", "RCPT", "data", "end of data",
                                  ">>> ", "SMTP:", "[rcpt_to]", "[DATA]", "does not like ",
                                  "recipient", "Sender", " address rejected", "but ", "my name",
                                  " was rejected", "greeting", " failed", "x", "performing the",
                                  ">", "address rejected", "sender address rejected", "İ"])


#: smtp_command's pattern as it was written first, with the alternatives grouped.
SPEC_COMMAND = re.compile(
    r"(?:in reply to|after|performing the|>>>|smtp:)[ \t]{0,3}(?:the[ \t])?"
    r"(end of data|rcpt|mail|data|helo|ehlo|connect|message|body|auth|starttls|quit)\b"
    r"|\[(rcpt_to|mail_from|data)\]|does not like (recipient|sender)"
    r"|(recipient|sender) address rejected"
    r"|but (sender|my name) was rejected|but (greeting) failed")


@settings(max_examples=4000, deadline=None)
@given(st.lists(COMMAND_PIECES, max_size=8).map("".join))
def test_smtp_command_word_check_keeps_every_match(text):
    from mailcheck.ingest.replies import _COMMAND_NAMES, smtp_command

    m = SPEC_COMMAND.search(text.lower())
    want = None
    if m:
        word = next(g for g in m.groups() if g)
        want = _COMMAND_NAMES.get(word, word.upper())
    assert smtp_command(text) == want


_HEADER_TEXTS = ["Received: from mx [192.0.2.1] 5.1.1", "550 5.1.1 in a header", "X-A: 4.2.2",
                 "Subject: 554 5.7.1", "Date: 1.2.3"]
_BODY_TEXTS = ["550 5.1.1 <a@b>: unknown", "550-5.7.1 first", "550 5.7.1 last", "hello",
               "host said: 550 5.1.1 no", "#5.2.2", "", "  421 4.4.2 timeout",
               "Status: 5.0.0", "12.5.1.1 not a status", ">>> RCPT TO:<a@b>"]


@settings(max_examples=800, deadline=None)
@given(st.lists(st.sampled_from(_HEADER_TEXTS), max_size=6),
       st.lists(st.tuples(st.sampled_from(["text/plain", "returned-headers", "headers",
                                           "message/delivery-status"]),
                          st.sampled_from(_BODY_TEXTS)), max_size=10))
def test_searches_after_the_top_headers_find_what_the_whole_haystack_gives(head, rows):
    from mailcheck.ingest import replies
    from mailcheck.model import Evidence, Line

    lines = [Line("headers", i + 1, t) for i, t in enumerate(head)]
    lines += [Line(p, len(lines) + i + 1, t) for i, (p, t) in enumerate(rows)]
    if not lines:
        return
    ev = Evidence(lines=lines)
    hay = ev.haystack()
    start = replies._after_top_headers(ev)
    assert replies._haystack_line_replies(ev, hay, start) == \
        replies._haystack_line_replies(ev, hay)
    assert replies._status_lines(ev, hay, start) == replies._status_lines(ev, hay)


OLD_LINE_REPLY_AFTER_NL = re.compile(
    r"\n[ \t]{0,8}(?:[245]|[<>]{1,3}[ \t]{0,3}[245]|[SC]:[ \t]{0,3}[245])\d\d:?[ -]")


@settings(max_examples=3000, deadline=None)
@given(st.lists(LINE_PIECES, max_size=12).map("".join))
def test_line_reply_search_finds_the_newlines_the_optional_prefix_pattern_finds(text):
    # (the pattern makes its repeats possessive and starts each alternative with a class,
    # for speed)
    from mailcheck.ingest.replies import _LINE_REPLY_AFTER_NL

    assert [m.span() for m in _LINE_REPLY_AFTER_NL.finditer(text)] == \
        [m.span() for m in OLD_LINE_REPLY_AFTER_NL.finditer(text)]


# -- smtp_command: the search only at the starts of _COMMAND's alternatives -----------------
COMMAND_PIECES = st.sampled_from([
    "in reply to", "after", "performing the", ">>>", "smtp:", "[rcpt_to]", "[mail_from]",
    "[data]", "does not like ", "recipient", "sender", " address rejected", "but ",
    "my name", " was rejected", "greeting failed", " ", "\t", "the ", "rcpt", "mail", "data",
    "end of data", "helo", "quit", "connect", "x", "s", "[", "]", ":", ">", "rcpt_to",
    "RCPT", "After", "In Reply To", "\u0130", "k\u212a"])
COMMAND_TEXTS = st.lists(COMMAND_PIECES, max_size=16).map("".join)


@settings(max_examples=3000)
@given(COMMAND_TEXTS)
def test_command_search_is_the_regex_search(text):
    low = text.lower()
    want = replies._COMMAND.search(low)
    got = replies._command_search(low)
    assert (got and (got.span(), got.groups())) == (want and (want.span(), want.groups()))


@settings(max_examples=1000)
@given(st.text(max_size=60) | COMMAND_TEXTS)
def test_smtp_command_is_none_without_a_command_word(text):
    if not any(w in text.lower() for w in replies._COMMAND_STARTS):
        assert replies.smtp_command(text) is None
