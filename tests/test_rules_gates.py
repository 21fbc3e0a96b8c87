"""_match_alt passes over patterns (and a whole not_text) whose literals the scan did not
find; held to the plain search of every pattern."""

from __future__ import annotations

import dataclasses

from hypothesis import given, settings
from hypothesis import strategies as st

from mailcheck.diagnosis import default_rules
from mailcheck.model import Evidence, Line
from mailcheck.rules import Pattern, _match_alt

_RULES = default_rules()
_ALTS = [alt for _, alt in _RULES._alts if alt.text or alt.not_text or alt.all_text]
_LITERALS = sorted(_RULES.literals)
_PIECES = [*_LITERALS, "user unknown", "mailbox full", " ", "\n", "550 ", "5.1.1", "x"]
_texts = st.lists(st.sampled_from(_PIECES), max_size=8).map("".join)


def _plain(p: Pattern) -> Pattern:
    return Pattern(p.source, p.regex, None)  # no literal, no start strings: a plain search


def _ungated(alt):
    return dataclasses.replace(alt, text=[_plain(p) for p in alt.text],
                               not_text=[_plain(p) for p in alt.not_text],
                               all_text=[_plain(p) for p in alt.all_text],
                               gate=None, not_gate=None)


_PLAIN_ALTS = [_ungated(alt) for alt in _ALTS]


@settings(max_examples=300, deadline=None)
@given(st.lists(_texts, min_size=1, max_size=3))
def test_gated_match_is_the_plain_match(texts: list[str]) -> None:
    ev = Evidence(lines=[Line("body", i + 1, t) for i, t in enumerate(texts)])
    plain_ev = Evidence(lines=list(ev.lines))
    present = ev.present_literals()
    statuses, replies = {"5.1.1"}, {"550"}
    for alt, plain in zip(_ALTS, _PLAIN_ALTS, strict=True):
        assert _match_alt(alt, ev, present, statuses, replies) == \
            _match_alt(plain, plain_ev, frozenset(), statuses, replies), alt


def test_every_not_text_with_literals_has_its_gate() -> None:
    for alt in _ALTS:
        if alt.not_text and all(p.literal for p in alt.not_text):
            assert alt.not_gate == {x for p in alt.not_text for x in p.literal}
        else:
            assert alt.not_gate is None


def test_get_is_the_first_rule_with_the_id() -> None:
    from mailcheck.rules import RuleSet

    rs = RuleSet(_RULES.packs)
    for r in rs.rules:
        assert rs.get(r.id) is next(x for x in rs.rules if x.id == r.id)
    assert rs.get("no-such-rule") is None
    first = rs.rules[0]
    rs.rules.remove(first)  # a changed list is indexed again
    assert rs.get(first.id) is None
    rs.rules = [first]
    assert rs.get(first.id) is first and rs.get(_RULES.rules[1].id) is None
