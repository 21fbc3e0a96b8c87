"""diagnosis._recipient_evidence builds the haystack itself; held to the general code."""

from __future__ import annotations

import dataclasses

from hypothesis import given, settings
from hypothesis import strategies as st

from mailcheck.diagnosis import _recipient_evidence
from mailcheck.model import Evidence, Line, RecipientEvidence, Reply


def _reference_lines(rec: RecipientEvidence) -> list[Line]:
    """The lines before the shortcut: the diagnostic in front unless a line holds it."""
    lines = list(rec.lines)
    if rec.diagnostic and not any(rec.diagnostic in ln.text for ln in lines):
        number = lines[0].number if lines else 0
        lines.insert(0, Line("diagnostic", number, rec.diagnostic))
    return lines


_text = st.text(alphabet="ab\n 5.", max_size=8)


@settings(max_examples=400, deadline=None)
@given(st.lists(_text, max_size=4), st.none() | _text)
def test_recipient_evidence_matches_reference(texts: list[str], diagnostic: str | None) -> None:
    rec = RecipientEvidence(recipient="a@b.example", diagnostic=diagnostic, status="5.1.1",
                            lines=[Line("body", i + 1, t) for i, t in enumerate(texts)])
    ev = Evidence(lines=list(rec.lines), recipients=[rec])
    sub, _ = _recipient_evidence(ev, rec)
    want = _reference_lines(rec)
    assert sub.lines == want
    # every field as the dataclass would set it (the sub-evidence sets them itself; its
    # caches are already filled, and held to a fresh evidence's below)
    general = Evidence(source=ev.source, kind=ev.kind, lines=want, systems=ev.systems,
                       replies=[Reply(rec.reply_code, rec.status, rec.diagnostic or "",
                                      want[0] if want else None)])
    for f in dataclasses.fields(Evidence):
        if f.name[:1] != "_" or f.name in ("_header_index", "_header_count", "_body"):
            assert getattr(sub, f.name) == getattr(general, f.name), f.name
    assert sub.haystack() == "\n".join(ln.text for ln in want)
    fresh = Evidence(lines=list(want))
    assert sub.haystack_lower() == fresh.haystack_lower()
    assert sub.present_literals() == fresh.present_literals()
