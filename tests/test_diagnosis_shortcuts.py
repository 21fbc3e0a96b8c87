"""Shortcuts of the diagnosis held to the general code they replace."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from mailcheck import diagnosis
from mailcheck.diagnosis import default_rules
from mailcheck.ingest import ingest
from mailcheck.model import Evidence, Line, RecipientEvidence

from .conftest import FIXTURES

_RULES = default_rules()
_LITERALS = sorted(_RULES.literals)
_PIECES = [*_LITERALS[:6], *_LITERALS[-4:], "user unknown", "USER UNKNOWN", "mailbox",
           "MAİLBOX", "Σ", "ΑΣ", "ς", "x", " ", "\n", "İ", "\u212a"]
_texts = st.lists(st.sampled_from(_PIECES), max_size=4).map("".join)


@settings(max_examples=800, deadline=None)
@given(st.lists(_texts, min_size=1, max_size=6), st.data())
def test_present_is_what_a_scan_of_the_recipient_text_finds(texts, data) -> None:
    lines = [Line("body", i + 1, t) for i, t in enumerate(texts)]
    ev = Evidence(lines=lines)
    own = data.draw(st.lists(st.sampled_from(lines), max_size=4))
    # a line not of ``ev`` (a copy with the same number, or a new one) needs the scan
    extra = data.draw(st.sampled_from([[], [Line("body", 1, "x user unknown")],
                                       [Line("diagnostic", 2, texts[0] + "Σ")]]))
    sub_lines = data.draw(st.permutations(own + extra))
    sub = Evidence(lines=sub_lines)
    sub._outer = ev  # as _recipient_evidence's view has it
    present = sub.present_literals()
    assert present & _RULES.literals == Evidence(lines=sub_lines).present_literals() \
        & _RULES.literals


def test_recipient_matches_are_the_general_match_on_the_fixtures() -> None:
    files = sorted(FIXTURES.rglob("*.eml"))
    assert len(files) > 40
    seen = 0
    for f in files:
        ev = ingest(f.read_bytes(), str(f))
        for rec in ev.recipients:
            sub, present = diagnosis._recipient_evidence(ev, rec)
            fast = _RULES.match_with(sub, present, {rec.status} if rec.status else set(),
                                     {rec.reply_code} if rec.reply_code else set(),
                                     cite=False)
            general = _RULES.match(diagnosis._recipient_evidence(ev, rec)[0])
            assert [(r, a) for r, a, _ in fast] == [(r, a) for r, a, _ in general], f
            assert not any(lines for _, _, lines in fast)
            seen += 1
    assert seen > 40


def test_a_recipient_without_lines() -> None:
    ev = Evidence(lines=[Line("body", 1, "550 user unknown")])
    rec = RecipientEvidence(recipient="a@b.example", status="5.1.1", diagnostic="user unknown")
    sub, present = diagnosis._recipient_evidence(ev, rec)
    assert present & _RULES.literals == sub.present_literals() & _RULES.literals


def test_the_recipient_text_sets_every_field_the_dataclass_would() -> None:
    # _RecipientText skips Evidence's __init__; a field added to Evidence must be set there
    # too, or reading it raises AttributeError (slots have no default).
    import dataclasses

    from mailcheck.diagnosis import _RecipientText
    from mailcheck.model import Evidence, Line, Reply

    ev = Evidence(source="s", kind="bounce", lines=[Line("text/plain", 1, "550 5.1.1 no")])
    reply = Reply("550", "5.1.1", "no", ev.lines[0])
    sub = _RecipientText(ev, list(ev.lines), "550 5.1.1 no", reply)
    plain = Evidence(source="s", kind="bounce", lines=list(ev.lines), systems=ev.systems,
                     replies=[reply])
    plain._haystack = "550 5.1.1 no"
    for f in dataclasses.fields(Evidence):
        if f.name == "_outer":
            assert sub._outer is ev
        else:
            assert getattr(sub, f.name) == getattr(plain, f.name), f.name


@settings(max_examples=400, deadline=None)
@given(st.lists(_texts, min_size=1, max_size=6), st.data())
def test_present_among_the_rules_literals_is_what_the_full_scan_finds(texts, data) -> None:
    # _recipient_evidence looks only for the rules' literals ``ev`` holds (``wanted``)
    lines = [Line("body", i + 1, t) for i, t in enumerate(texts)]
    rec = RecipientEvidence(recipient="a@b.example", status="5.1.1",
                            diagnostic=data.draw(st.none() | _texts),
                            lines=data.draw(st.lists(st.sampled_from(lines), max_size=4)))
    ev = Evidence(lines=lines, recipients=[rec])
    wanted = ev.present_literals() & _RULES.literals
    sub, present = diagnosis._recipient_evidence(ev, rec, wanted)
    full = Evidence(lines=list(sub.lines)).present_literals()
    assert present & _RULES.literals == full & _RULES.literals
    assert present <= full


def test_generic_finding_meaning_is_status_meaning() -> None:
    from mailcheck import status

    codes = [f"{c}.{s}.{d}" for c in "245" for s in range(0, 9) for d in range(0, 12)]
    for code in [*codes, "5.7.999", "4.99.1", "5.1.x"]:
        for lang in ("en", "ja"):
            f = diagnosis._generic_finding(code, "550", None, lang)
            if f is None:
                continue
            mean = status.meaning(code, "550", lang) or ""
            assert f.title == diagnosis._GENERIC_TEXT[lang]["title"].format(code=code,
                                                                          meaning=mean)
