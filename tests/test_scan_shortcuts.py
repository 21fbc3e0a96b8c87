"""Shortcuts around the shared literal scan, held to the general code."""

from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st

from mailcheck.diagnosis import default_rules
from mailcheck.ingest import dsn
from mailcheck.model import Evidence, Line

# Characters whose lower case depends on context (capital sigma), that lower-case to two
# characters (İ), that are cased and case-ignorable at once (U+0345), case-ignorable
# ones (combining marks, apostrophe, soft hyphen, modifier letters) and line breaks other
# than the newline.
_CASE_PIECES = ["Σ", "σ", "ς", "ΑΣ", "A", "a", "İ", "\u0345", "\u0301", "'", "\u00ad", "ʰ",
                ".", " ", "\n", "\r", "\u2028", "\x85", "ß", "ǅ", "x", "1", "Ⅻ"]


def _evidence(texts: list[str]) -> Evidence:
    return Evidence(lines=[Line("text/plain", i + 1, t) for i, t in enumerate(texts)])


@settings(max_examples=1500, deadline=None)
@given(st.lists(st.lists(st.sampled_from(_CASE_PIECES), max_size=8).map("".join),
                max_size=6))
@example(["ΑΣ", "Σ"])
@example(["ΑΣ\u0345", "\u0301Σ\n"])
def test_lower_cased_haystack_is_the_haystack_lower_cased(texts):
    ev = _evidence(texts)
    assert ev.haystack_lower() == ev.haystack().lower()


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(max_size=12), max_size=6))
def test_lower_cased_haystack_of_any_text(texts):
    ev = _evidence(texts)
    assert ev.haystack_lower() == ev.haystack().lower()


_SCAN_PIECES = ["user unknown", "USER", "unknown", "mailbox full", "final-recipient", "<<<",
                "gsmtp", "5.7.520", "relay", "denied", " ", "\n", "x", "Σ", "İ", "ユーザー",
                "スパム", "\udc80"]
_lines = st.lists(st.lists(st.sampled_from(_SCAN_PIECES), max_size=6).map("".join),
                  min_size=1, max_size=6)


@settings(max_examples=800, deadline=None)
@given(_lines, st.lists(st.integers(0, 5), max_size=6), _lines, st.booleans())
@example(["user unknown", "gsmtp"], [0, 1], ["mailbox full"], True)
def test_a_recipients_view_is_scanned_as_a_fresh_input(texts, picks, foreign, renumber):
    """A sub-evidence whose lines are mostly its outer evidence's finds the same literals
    from the outer scan as a scan of its own text does."""
    default_rules()  # (registers the rules' literals with the shared scan)
    outer = _evidence(texts)
    lines = [outer.lines[i % len(outer.lines)] for i in picks]
    for j, t in enumerate(foreign[:2]):  # lines of its own, one numbered as an outer line
        lines.insert(j, Line("diagnostic", lines[0].number if lines and renumber else 0, t))
    sub = Evidence(lines=lines)
    sub._outer = outer
    want = Evidence(lines=list(lines)).present_literals()
    assert sub.present_literals() == want
    if texts == ["user unknown", "gsmtp"]:
        assert {"user unknown", "gsmtp", "mailbox full"} <= want


def _line_by_offsets(ev: Evidence, offset: int) -> Line | None:
    """The general answer: the line whose span (its text and the newline after it) holds
    ``offset``; the first line before the text, the last one past it."""
    start = 0
    for ln in ev.lines:
        end = start + len(ln.text) + 1
        if offset < end:
            return ln
        start = end
    return ev.lines[-1] if ev.lines else None


@settings(max_examples=800, deadline=None)
@given(st.lists(st.text(alphabet="ab\n", max_size=5), max_size=7),
       st.lists(st.integers(-3, 45), max_size=8))
def test_line_at_answers_a_run_of_offsets_in_any_order(texts, offsets):
    # (lines that hold newlines too: the offsets count each line's text and one join)
    ev = _evidence(texts)
    for offset in offsets:
        assert ev.line_at(offset) is _line_by_offsets(ev, offset)


_DSN_PIECES = ["Final-Recipient", "final-recipient", "FINAL-RECIPIENT", "FİNAL-RECIPIENT",
               "final-recipİent", "Final-Recipient:", ": rfc822; a@b", "\n", " ", "x", "Σ",
               "\u212a", "Reporting-MTA"]


@settings(max_examples=1500, deadline=None)
@given(st.lists(st.lists(st.sampled_from(_DSN_PIECES), max_size=5).map("".join),
                max_size=5))
@example(["x\nFinal-Recipient: rfc822; a@b"])  # after a newline inside a line
@example(["FİNAL-RECIPIENT"])
def test_dsn_detect_answers_as_the_look_through_the_lines(texts):
    ev = _evidence(texts)
    want = any(ln.text[:16].lower().startswith("final-recipient") for ln in ev.lines)
    assert dsn.detect(ev) == want


def test_detectors_ask_the_scan_only_about_registered_literals():
    """The detectors take the shared scan's answer for "does any of these occur": exact
    only for literals registered with it (each module registers its own at import)."""
    from mailcheck import textscan
    from mailcheck.ingest import (
        entra,
        exchange,
        gmail_sendas,
        google_groups,
        plaintext,
        returned_headers,
    )

    known = textscan.shared().known
    for words in (entra.TRIGGERS, exchange._MARKER_SET, gmail_sendas.TRIGGERS,
                  google_groups.TRIGGERS, plaintext._HINT_SET, returned_headers.TRIGGERS,
                  {"x-hmxmroriginalrecipient:", "final-recipient", "<<<"}):
        assert words and words <= known
        assert all(w for w in words)  # (an empty literal is never registered)



def _inputs() -> list:
    from .conftest import FIXTURES, shared_path

    files = sorted(p for p in FIXTURES.rglob("*") if p.is_file() and p.suffix != ".json")
    corpus = shared_path("corpus", "sisimai-dev", "emails")
    if corpus.is_dir():
        files += sorted(p for p in corpus.rglob("*") if p.is_file())
    return files


def test_the_driver_passes_over_gated_formats_only_where_detect_is_false(monkeypatch):
    """ingest() skips the formats with ``TRIGGERS`` when the scan found none of them: the
    same Evidence comes out as when every detect() is asked, and a gated detect() is never
    true without one of its triggers."""
    import sys

    driver = sys.modules["mailcheck.ingest"]
    gated = driver._GATED
    assert len(gated) >= 6
    checked = []

    def held(fmt):
        real = fmt.detect

        def detect(ev):
            hit = real(ev)
            if ev.present_literals().isdisjoint(fmt.TRIGGERS):
                assert not hit, fmt.NAME
                checked.append(fmt)
            return hit
        return detect

    for f in _inputs():
        data = f.read_bytes()
        try:
            got = driver.ingest(data, str(f))
        except driver.InputError:
            continue
        with monkeypatch.context() as m:
            m.setattr(driver, "_GATED", frozenset())  # every detect() is asked
            for fmt in gated:
                m.setattr(fmt, "detect", held(fmt))
            want = driver.ingest(data, str(f))
        assert (got.formats, got.kind, got.recipients, got.replies, got.systems) == (
            want.formats, want.kind, want.recipients, want.replies, want.systems), f
        assert got.facts.keys() == want.facts.keys(), f
        assert [v for k, v in got.facts.items() if k != "returned_messages"] == [
            v for k, v in want.facts.items() if k != "returned_messages"], f
    assert len(checked) > 1000
