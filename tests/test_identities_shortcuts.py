"""Shortcuts of the identities held to the general code they replace."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from mailcheck import identities
from mailcheck.diagnosis import default_rules, diagnose_evidence
from mailcheck.ingest import ingest
from mailcheck.model import FixStep

from .conftest import FIXTURES

_PIECES = ["a", "Z", "0", "9", "_", ".", "-", "+", "@", " ", "\t", "\n", "x" * 63, "y" * 64,
           "\u0131", "\u212a", "\uff41", "\u0661", ".example", "@example.jp"]
_texts = st.lists(st.sampled_from(_PIECES), max_size=14).map("".join)


@settings(max_examples=4000, deadline=None)
@given(st.one_of(_texts, st.text(max_size=40)))
def test_usual_address_shortcut_is_the_general_check(text: str) -> None:
    assert identities.safe_address(text) == identities._safe_address(text)


def test_long_usual_domains_are_held_to_the_length_limit() -> None:
    for labels in (3, 4, 5):
        text = "u@" + ".".join(["d" * 63] * labels)
        assert identities.safe_address(text) == identities._safe_address(text)


def _fill_general(diag, ev) -> None:
    base = identities.input_identities(ev)
    for f in diag.findings:
        if any(s.powershell and "{{" in s.powershell for s in f.fix):
            values = identities.finding_identities(f, diag, base)
            f.fix = [FixStep(s.text, identities.fill(s.powershell, values)) for s in f.fix]


def test_fill_findings_is_the_fill_with_every_identity_on_the_fixtures(monkeypatch) -> None:
    files = sorted(FIXTURES.rglob("*.eml"))
    assert len(files) > 40
    rules = default_rules()
    fast = []
    for f in files:
        fast.append(diagnose_evidence(ingest(f.read_bytes(), str(f)), rules=rules).findings)
    monkeypatch.setattr(identities, "fill_findings", _fill_general)
    commands = 0
    for f, got in zip(files, fast, strict=True):
        want = diagnose_evidence(ingest(f.read_bytes(), str(f)), rules=rules).findings
        assert [x.fix for x in got] == [x.fix for x in want], f
        commands += sum(1 for x in want for s in x.fix if s.powershell)
    assert commands > 10
