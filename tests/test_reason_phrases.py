"""reason_from_text answers from each phrase's rank; held to the plain first-section scan."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from mailcheck.reasons import phrase_table, reason_from_text


def _reference(text: str, broad: bool) -> str | None:
    """The first section (in order) with a phrase that occurs in ``text``."""
    low = text.lower()
    for reason, phrases in phrase_table(broad):
        if any(p and p in low for p in phrases):
            return reason
    return None


def _phrases() -> list[str]:
    return sorted({p for _, phrases in phrase_table(True) for p in phrases if p})


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_phrases()) | st.text(max_size=12), max_size=5),
       st.booleans())
def test_reason_from_text_is_first_section(parts: list[str], broad: bool) -> None:
    text = " ".join(parts)
    assert reason_from_text(text, broad) == _reference(text, broad)


def test_every_phrase_alone() -> None:
    for p in _phrases():
        for broad in (True, False):
            assert reason_from_text(p.upper(), broad) == _reference(p, broad)
