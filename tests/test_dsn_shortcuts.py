"""Shortcuts in the RFC 3464 reader held to the general code they replace."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from mailcheck.ingest import dsn
from mailcheck.model import Evidence, Line


def _old_detect(ev: Evidence) -> bool:
    parts = ev.facts.get("mime_parts", ())
    if any(p in parts for p in dsn._STATUS_PARTS):
        return True
    return ev.contains_any(("final-recipient",)) and any(
        ln.text[:16].lower().startswith("final-recipient") for ln in ev.lines)


_PIECES = ["Final-Recipient: rfc822; a@b", "FINAL-RECIPIENT:", "final-recipient", " ", "\n",
           "x", "İ", "Σ", "Final-Recİpient:", "> Final-Recipient:", "Status: 5.1.1"]


@settings(max_examples=1000, deadline=None)
@given(st.lists(st.lists(st.sampled_from(_PIECES), max_size=3).map("".join), max_size=6))
def test_detect_answers_as_the_look_through_every_line_did(texts) -> None:
    lines = [Line("text/plain", i + 1, t) for i, t in enumerate(texts)]
    assert dsn.detect(Evidence(lines=lines)) == _old_detect(Evidence(lines=lines))


def _old_blocks(lines: list[Line]) -> list[list[tuple[str, str, Line]]]:
    blocks: list[list[tuple[str, str, Line]]] = []
    cur: list[tuple[str, str, Line]] = []
    for ln in lines:
        text = ln.text
        if not text.strip():
            if cur:
                blocks.append(cur)
                cur = []
            continue
        if text[:1] in " \t" and cur:
            name, value, first = cur[-1]
            cur[-1] = (name, f"{value} {text.strip()}", first)
            continue
        m = dsn._FIELD.match(text)
        if m:
            cur.append((m.group(1).lower(), m.group(2).strip(), ln))
    if cur:
        blocks.append(cur)
    return blocks


_FIELD_PIECES = ["Final-Recipient: rfc822; a@b", "Status: 5.1.1", "STATUS :4.2.2 ", " ", "\t",
                 "\u3000", "\x0b", "\x1c", "\u0085", "x", "Action: failed", "Remote-MTA:", "İ"]


@settings(max_examples=1000, deadline=None)
@given(st.lists(st.lists(st.sampled_from(_FIELD_PIECES), max_size=3).map("".join), max_size=10))
def test_blocks_read_as_the_strip_test_did(texts) -> None:
    lines = [Line("message/delivery-status", i + 1, t) for i, t in enumerate(texts)]
    assert dsn._blocks(lines) == _old_blocks(lines)
