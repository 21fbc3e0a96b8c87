"""Shortcuts in the format detectors and the Evidence look-ups, held to the general code."""

from __future__ import annotations

import re
from bisect import bisect_right
from itertools import accumulate

from hypothesis import given, settings
from hypothesis import strategies as st

from mailcheck.ingest import amazon_ses, authentication, exchange, mta_log
from mailcheck.model import Evidence, Header, Line

_PIECES = ["status=", "STATUS=", "Status=", "to=<", "TO=<", " ** ", " == ", "*", "=", " ",
           "\n", "x", "İ", "Σ", "ς", '"notificationType"', '"NotificationType"',
           '"notificationtype"', "generating server: ", "Generating Server:", "GENERATİNG",
           "ſerver", "ı", "mx.example.org", "生成元サーバー: ", "ü", "é"]


def _evidence(text: str) -> Evidence:
    return Evidence(lines=[Line("text/plain", i + 1, t) for i, t in enumerate(text.split("\n"))])


_texts = st.lists(st.sampled_from(_PIECES), max_size=12).map("".join)


@settings(max_examples=1500, deadline=None)
@given(_texts)
def test_detectors_asking_the_scan_first_answer_as_the_plain_search(text):
    hay = _evidence(text).haystack()
    want_log = "status=" in hay and "to=<" in hay or " ** " in hay or " == " in hay
    assert mta_log.detect(_evidence(text)) == want_log
    assert amazon_ses.detect(_evidence(text)) == ('"notificationType"' in hay)


@settings(max_examples=1500, deadline=None)
@given(_texts)
def test_generating_server_is_found_as_by_a_search_of_the_whole_text(text):
    ev = _evidence(text)
    exchange.parse(ev)
    m = exchange._GENERATING.search(ev.haystack())
    assert ev.facts.get("generating_server") == (m.group(1).rstrip(".") if m else None)


def _old_line_at(ev: Evidence, offset: int) -> Line | None:
    starts = list(accumulate((len(ln.text) + 1 for ln in ev.lines[:-1]), initial=0)) \
        if ev.lines else []
    if not starts:
        return None
    return ev.lines[max(bisect_right(starts, offset) - 1, 0)]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.text(alphabet="ab\n", max_size=6), max_size=6), st.integers(-2, 40))
def test_line_at_is_the_line_that_holds_the_offset(texts, offset):
    # (line texts may hold a newline themselves: a recipient's diagnostic does)
    ev = Evidence(lines=[Line("text/plain", i + 1, t) for i, t in enumerate(texts)])
    assert ev.line_at(offset) is _old_line_at(ev, offset)


_NAMES = ["From", "FROM", "from", "Received-SPF", "DKIM-Signature", "dkim-signature", "Subject",
          "Authentication-Results", "X-Forefront-Antispam-Report", "ARC-Seal", "Kİ", "ſ"]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(_NAMES), st.sampled_from(["a", "b", "c"])),
                max_size=8), st.sampled_from(_NAMES))
def test_header_look_ups_give_the_first_value_of_the_name(pairs, name):
    ev = Evidence(headers=[Header(n, v) for n, v in pairs])
    want = next((v for n, v in pairs if n.lower() == name.lower()), None)
    assert ev.header(name) == want
    names = {n.lower() for n, _ in pairs}
    assert (not authentication._AUTH_HEADERS.isdisjoint(ev.header_index())) == bool(
        names & authentication._AUTH_HEADERS)
    ev.headers.append(Header(name, "late"))  # the index follows added headers
    assert ev.header(name) == (want if want is not None else "late")


@settings(max_examples=500, deadline=None)
@given(_texts, st.lists(st.sampled_from(_PIECES + ["unregistered-literal", "nothing"]),
                        max_size=4).map(lambda xs: tuple(x.lower() for x in xs if x.strip())))
def test_contains_any_answers_as_a_search_of_the_lower_cased_text(text, literals):
    ev = _evidence(text)
    low = ev.haystack_lower()
    want = any(x in low for x in literals)
    assert ev.contains_any(literals) == want
    assert ev.contains_any(iter(literals)) == want  # any iterable, read once


def test_exim_needles_are_their_own_lower_case():
    for needle in mta_log._NEEDLES:
        assert needle == needle.lower() and not re.search("[Σσς]", needle)
