"""The lean MIME reader (mailcheck/ingest/mime.py) against the ``email`` feedparser.

The oracle is the standard library itself: for every fixture and every message of the
shared sisimai corpus, the Message tree (raw headers, unix-from, default type, payloads)
is the one ``email.message_from_bytes(policy=compat32)`` builds, and ``diagnose()`` gives
the same ``to_dict()`` through either reader (``message._USE_EMAIL_PACKAGE``). Hypothesis
does the same on random multipart structures, and the reader stays fast on 10 MB.
"""

from __future__ import annotations

import email
import email.message
import time
from email.policy import compat32

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mailcheck.diagnosis import diagnose
from mailcheck.ingest import message as message_mod
from mailcheck.ingest import mime

from .conftest import FIXTURES, shared_path


def tree(msg):
    payload = msg._payload
    kids = [tree(p) for p in payload] if isinstance(payload, list) else payload
    return (list(msg._headers), msg.get_unixfrom(), msg.get_default_type(), kids)


def reference(data: bytes):
    return email.message_from_bytes(data, policy=compat32)


def both_diagnoses(data: bytes, source: str):
    old = message_mod._USE_EMAIL_PACKAGE
    try:
        message_mod._USE_EMAIL_PACKAGE = True
        before = diagnose(data, source=source).to_dict()
        message_mod._USE_EMAIL_PACKAGE = False
        after = diagnose(data, source=source).to_dict()
    finally:
        message_mod._USE_EMAIL_PACKAGE = old
    return before, after


def _files(root):
    return sorted(p for p in root.rglob("*") if p.is_file())


def test_fixtures_same_tree_and_diagnosis():
    files = _files(FIXTURES)
    assert files
    for p in files:
        data = p.read_bytes()
        assert tree(mime.parse_bytes(data)) == tree(reference(data)), p
        before, after = both_diagnoses(data, str(p))
        assert after == before, p


def test_sisimai_corpus_same_tree_and_diagnosis():
    root = shared_path("corpus", "sisimai-dev", "emails")
    files = _files(root)
    assert len(files) > 100
    for p in files:
        data = p.read_bytes()
        assert tree(mime.parse_bytes(data)) == tree(reference(data)), p
        before, after = both_diagnoses(data, str(p))
        assert after == before, p


EOLS = st.sampled_from(["\n", "\r\n", "\r", "\x0c\n", "\x1c"])
TYPES = st.sampled_from([
    "text/plain", "text/plain; charset=utf-8", "message/delivery-status", "message/rfc822",
    "text/rfc822-headers", "multipart/mixed", "multipart/alternative", "multipart/digest",
    "multipart/report; report-type=delivery-status", "message/feedback-report", "",
    "multipart/mixed; boundary*0=\"ab\"; boundary*1=cd", "bogus"])
LINES = st.one_of(
    st.text(alphabet=st.characters(max_codepoint=0x7f), max_size=30),
    st.sampled_from(["", "Status: 5.1.1", "Action: failed", " folded", "\tfolded",
                     "From a@b Sat", "From: x@y", ":nameless", "X-Y:", "--", "--b1", "--b1--",
                     "--b2 ", "--b2--  ", "--b1--x", "Content-Type: text/plain",
                     "Content-Transfer-Encoding: base64", "aGVsbG8=", "aGVsbG8", "=3D=\n"]))


@st.composite
def mime_trees(draw, depth=0):
    eol = draw(EOLS)
    ctype = draw(TYPES)
    boundary = draw(st.sampled_from(["b1", "b2", "b1--", "=_x", ""]))
    head = [f"Content-Type: {ctype}" + (f'; boundary="{boundary}"' if boundary else "")]
    head += draw(st.lists(LINES, max_size=3))
    body = draw(st.lists(LINES, max_size=6))
    if depth < 3 and draw(st.booleans()):
        for _ in range(draw(st.integers(0, 3))):
            body.append(draw(st.sampled_from([f"--{boundary}", f"--{boundary}--", "--zz"])))
            body.append(draw(mime_trees(depth + 1)))
        if draw(st.booleans()):
            body.append(f"--{boundary}--")
        body += draw(st.lists(LINES, max_size=2))
    sep = draw(st.sampled_from(["", eol]))
    return eol.join(head) + eol + sep + eol.join(body)


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(mime_trees(), st.binary(max_size=20))
def test_random_structures_match_feedparser(text, tail):
    data = text.encode("ascii", "surrogateescape") + tail
    assert tree(mime.parse_bytes(data)) == tree(reference(data))


@settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.binary(max_size=3000))
def test_random_bytes_never_raise_and_match(data):
    assert tree(mime.parse_bytes(data)) == tree(reference(data))


@pytest.mark.parametrize("kind", ["lines", "boundaries", "no-eol", "deep"])
def test_ten_megabytes_in_bounded_time(kind):
    if kind == "lines":
        body = "x\n" * 5_000_000
    elif kind == "boundaries":
        body = "--b\n\n" * 2_000_000
    elif kind == "no-eol":
        body = "y" * 10_000_000
    else:
        body = "".join('--b\nContent-Type: multipart/mixed; boundary="b"\n\n'
                       for _ in range(200)) + "z\n" * 4_000_000
    data = ('Content-Type: multipart/mixed; boundary="b"\n\n' + body).encode()
    t = time.process_time()  # CPU time: a busy machine slows the wall clock, not this
    mime.parse_bytes(data)
    assert time.process_time() - t < 20


def test_deep_nesting_is_cut_not_a_recursion_error():
    data = ("Content-Type: message/rfc822\n\n" * 5000 + "Subject: deep\n\nbody\n").encode()
    msg = mime.parse_bytes(data)
    depth = 0
    while isinstance(msg.get_payload(), list):
        msg = msg.get_payload()[0]
        depth += 1
    assert depth <= mime.MAX_DEPTH + 1
    assert diagnose(data).to_dict() is not None


# -- the memoised content type ------------------------------------------------------------


def _answers(msg):
    """What the walker asks of every part, in the order it asks."""
    out = []
    for part in msg.walk():
        out.append((part.get_content_type(), part.get_content_maintype(),
                    part.get_content_subtype(), part.get_boundary(), part.get_content_charset(),
                    part.get_filename(), part.get_param("report-type"), part.get_params()))
    return out


def test_memoised_answers_match_feedparser_on_corpus():
    files = _files(FIXTURES)
    corpus = shared_path("corpus", "sisimai-dev", "emails")
    if corpus.is_dir():
        files += _files(corpus)
    for p in files:
        data = p.read_bytes()
        ours = mime.parse_bytes(data)
        assert _answers(ours) == _answers(reference(data)), p
        assert _answers(ours) == _answers(reference(data)), p  # asked twice: from the memo


@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
@given(mime_trees(), st.binary(max_size=20))
def test_memoised_answers_match_feedparser_on_random_trees(text, tail):
    data = text.encode("ascii", "surrogateescape") + tail
    assert _answers(mime.parse_bytes(data)) == _answers(reference(data))


MUTATIONS = [
    lambda m: m.set_type("text/html"),
    lambda m: m.set_param("charset", "koi8-r"),
    lambda m: m.del_param("charset"),
    lambda m: m.replace_header("Content-Type", "multipart/mixed; boundary=zz"),
    lambda m: m.__delitem__("Content-Type"),
    lambda m: m.__setitem__("Content-Type", "message/rfc822"),
    lambda m: m.add_header("Content-Type", "text/csv", charset="utf-8"),
    lambda m: m.set_raw("Content-Type", "text/x-log; charset=latin-1"),
    lambda m: m.set_default_type("message/rfc822"),
]


@pytest.mark.parametrize("mutate", MUTATIONS)
def test_memo_forgets_when_the_message_changes(mutate):
    data = b"Content-Type: text/plain; charset=utf-8\n\nbody\n"
    ours, ref = mime.parse_bytes(data), reference(data)
    assert _answers(ours) == _answers(ref)  # fills the memo
    mutate(ours)
    mutate(ref)
    assert _answers(ours) == _answers(ref)


HEADER_LINES = st.sampled_from([
    "From a@b Sat Jan  1 00:00:00 2000", "From: x@y", "Subject: hi", "Subject:", " folded",
    "\tfolded more", ":nameless", "X-Y:  spaced", "not a header", "", "From nobody",
    "To: a@b,\r", "Received: from x", "  ", "Content-Type: multipart/mixed; boundary=b1"])


@settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(HEADER_LINES, max_size=10), EOLS, st.lists(LINES, max_size=3))
def test_header_blocks_match_feedparser(head, eol, body):
    """The one-pass header reader: unix-from, folds, nameless and trailing From lines."""
    data = (eol.join(head) + eol + eol.join(body)).encode("ascii", "surrogateescape")
    assert tree(mime.parse_bytes(data)) == tree(reference(data))


PARAM_PIECES = st.sampled_from([
    ";", '"', "=", " ", "\t", "a", "B", "<", ">", "*", "\\", "x=y", "\x1c", "\x0b", "text/plain",
    ' charset="utf-8"', "Name", "'", "\udcff", "\n ", "boundary=b1", "*0=", "filename"])


@settings(max_examples=2000, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(PARAM_PIECES, max_size=12))
def test_parameters_match_compat32(pieces):
    """The quick parameter reader (plain ASCII values) against compat32's on any value."""
    value = "".join(pieces)
    ours, ref = mime._Message(), email.message.Message()
    ours._headers.append(("Content-Type", value))
    ref._headers.append(("Content-Type", value))
    assert ours.get_params() == ref.get_params()
    assert ours.get_params(unquote=False) == ref.get_params(unquote=False)
    for name in ("charset", "boundary", "x", "name", ""):
        assert ours.get_param(name) == ref.get_param(name)
        assert ours.get_param(name, unquote=False) == ref.get_param(name, unquote=False)
    assert ours.get_param("x", header="content-disposition") is None
    assert (ours.get_boundary(), ours.get_content_charset(), ours.get_filename()) == \
        (ref.get_boundary(), ref.get_content_charset(), ref.get_filename())


@settings(max_examples=2000, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(st.tuples(st.sampled_from(["Content-Type", "content-TYPE", "Content-Typ", "X"]),
                          st.lists(PARAM_PIECES, max_size=10)), max_size=3),
       st.sampled_from(["text/plain", "message/rfc822"]))
def test_parse_time_content_type_and_boundary_match_compat32(fields, default):
    """_content_type and _boundary (read once while parsing) against compat32's own
    get_content_type and get_boundary on the same fields."""
    ours, ref = mime._Message(), email.message.Message()
    for msg in (ours, ref):
        msg.set_default_type(default)
        for name, pieces in fields:
            msg._headers.append((name, "".join(pieces)))
    value = mime._content_type(ours)
    assert ours.get_content_type() == ref.get_content_type()
    assert mime._boundary(ours, value) == ref.get_boundary()


MIXED_HEADER_LINES = st.sampled_from([
    "From: x@y", "Subject:\tspaced", "Subject:", "X:  ", " folded", "\tfolded more", "  ",
    "\t", ":nameless", "not a header", "From nobody", "=?utf-8?q?x?=: y", "a" * 998 + ": long",
    "X-\x0b: vt", "X: \x0c\x1c", "Y: \udcff", "Z:x"])


@settings(max_examples=600, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(st.tuples(MIXED_HEADER_LINES, st.sampled_from(["\n", "\r\n", "\r", ""])),
                max_size=10),
       st.sampled_from(["\n", "\r\n", "\r", ""]), st.lists(LINES, max_size=3),
       st.sampled_from(["", "\r\n", "\r", "\n"]))
def test_header_blocks_with_mixed_line_ends_match_feedparser(head, eol, body, elsewhere):
    """The header block reader (one findall for fields and folds up to the blank line, the
    line reader for anything else) in each of its three modes: "\\n" only, "\\r\\n" too, a
    lone "\\r" somewhere (here perhaps only in the body, after the header block)."""
    text = "".join(line + end for line, end in head) + eol + "\n".join(body) + elsewhere
    data = text.encode("ascii", "surrogateescape")
    assert tree(mime.parse_bytes(data)) == tree(reference(data))


@settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck))
@given(mime_trees(), st.sampled_from(["", "From a@b Sat Jan  1 00:00:00 2000\n"]))
def test_parts_read_as_made_by_message_init(text, unixfrom):
    """Parts are made without Message.__init__ (class attributes of _Message stand in for
    what it sets on each instance): each reads as a fresh compat32 Message does, and each
    has a list of its own for defects."""
    fresh = mime._Message()
    names = [n for n in vars(fresh) if n not in ("_headers", "_payload", "_default_type",
                                                  "_unixfrom", "defects")]
    msg = mime.parse_bytes((unixfrom + text).encode("ascii", "surrogateescape"))
    seen = set()
    for part in msg.walk():
        assert [getattr(part, n) for n in names] == [getattr(fresh, n) for n in names]
        assert part.defects == [] and id(part.defects) not in seen
        seen.add(id(part.defects))
        assert isinstance(part._headers, list)
