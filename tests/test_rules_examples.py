"""Every rule's examples yield it as the top finding; no counterexample yields it at all."""

from __future__ import annotations

import pytest

from mailcheck.diagnosis import default_rules, diagnose
from mailcheck.rules import RuleError, RuleSet, check_linear, load_pack

RULES = default_rules().rules
CASES = [(r.id, ex) for r in RULES for ex in r.examples]
COUNTER = [(r.id, ex) for r in RULES for ex in r.counterexamples]


def test_every_rule_has_examples_and_both_languages():
    for r in RULES:
        assert r.examples, f"{r.id} has no examples"
        assert r.texts["en"]["title"] and r.texts["en"]["cause"]
        ja = r.texts.get("ja", {})
        assert ja.get("title") and ja.get("cause"), f"{r.id} lacks Japanese title/cause"
        if r.fix:
            assert len(ja.get("fix", [])) == len(r.fix), f"{r.id}: Japanese fix steps differ"


@pytest.mark.parametrize("rule_id,example", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_example_is_top_finding(rule_id, example):
    d = diagnose(example)
    assert d.top is not None and d.top.rule == rule_id, [f.rule for f in d.findings]
    assert d.top.evidence, "a finding must cite the line it came from"


@pytest.mark.parametrize("rule_id,example", COUNTER, ids=[f"{c[0]}-{i}" for i, c in enumerate(COUNTER)])
def test_counterexample_does_not_match(rule_id, example):
    assert rule_id not in [f.rule for f in diagnose(example).findings]


@pytest.mark.parametrize("pattern", [r"(a+)+b", r"(x|xy)*z", r".*foo", r"(\w+\s?)+$", r"(a)\1",
                                     r"[^x]+y"])
def test_engine_rejects_backtracking_patterns(pattern):
    with pytest.raises(RuleError):
        check_linear(pattern)


@pytest.mark.parametrize("pattern", [r"does not allow external forwarding", r"AS\(7555\)",
                                     r".{0,200}foo", r"5\.7\.(?:5|6)\d{2}", r"a+b"])
def test_engine_accepts_linear_patterns(pattern):
    check_linear(pattern)


def test_bad_pack_is_reported_with_its_name(tmp_path):
    p = tmp_path / "mine.toml"
    p.write_text('[[rule]]\nid = "x-y"\ntitle = "t"\ncause = "c"\nreason = "blocked"\n'
                 '[[rule.match]]\ntext = ["(a+)+$"]\n')
    with pytest.raises(RuleError, match="mine:x-y"):
        load_pack(p)


@pytest.mark.parametrize("line, problem", [('actor = "recipient"', "actor must be one of"),
                                           ('severity = "fatal"', "severity must be one of")])
def test_unknown_actor_or_severity_is_refused(tmp_path, line, problem):
    # an actor without words in i18n would reach the report as a raw key
    p = tmp_path / "mine.toml"
    p.write_text(f'[[rule]]\nid = "x-y"\ntitle = "t"\ncause = "c"\nreason = "blocked"\n{line}\n'
                 '[[rule.match]]\ntext = ["zzz"]\n')
    with pytest.raises(RuleError, match=problem):
        load_pack(p)


def test_every_actor_has_words_in_both_languages():
    from mailcheck.i18n import LABELS
    from mailcheck.rules import ACTORS
    for lang in ("en", "ja"):
        for actor in ACTORS:
            assert LABELS[lang].get(f"actor.{actor}")


def test_duplicate_rule_ids_are_refused(tmp_path):
    p = tmp_path / "dup.toml"
    p.write_text('[[rule]]\nid = "exo-external-forwarding-blocked"\ntitle = "t"\ncause = "c"\n'
                 'reason = "blocked"\nexamples = ["x"]\n[[rule.match]]\ntext = ["zzz"]\n')
    with pytest.raises(RuleError, match="defined in"):
        RuleSet(default_rules().packs + [load_pack(p)])


def test_status_ranges_and_class_wildcards(tmp_path):
    p = tmp_path / "org.toml"
    p.write_text('[[rule]]\nid = "org-eop-block"\ntitle = "t"\ncause = "c"\nreason = "blocked"\n'
                 'confidence = 0.9\n[[rule.match]]\nstatus = ["5.7.606-649"]\n'
                 '[[rule]]\nid = "org-any-class"\ntitle = "t"\ncause = "c"\nreason = "mailboxfull"\n'
                 'confidence = 0.99\n[[rule.match]]\nstatus = ["X.2.2"]\n')
    rs = RuleSet(default_rules().packs + [load_pack(p)])
    assert diagnose("550 5.7.606 Access denied, banned sending IP", rules=rs).top.rule == "org-eop-block"
    assert "org-eop-block" not in [f.rule for f in diagnose("550 5.7.650 x", rules=rs).findings]
    assert diagnose("452 4.2.2 Mailbox full", rules=rs).top.rule == "org-any-class"
