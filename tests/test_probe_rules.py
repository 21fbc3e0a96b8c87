"""The smtp-probe rule pack: loads, and every example yields its rule first."""

from __future__ import annotations

from mailcheck.rulecheck import check_rules
from mailcheck.rules import RuleSet, builtin_pack_files, load_pack


def test_smtp_probe_pack_examples_hold():
    pack_file = next(p for p in builtin_pack_files() if p.name == "smtp-probe.toml")
    own = {r.id for r in load_pack(pack_file).rules}
    assert len(own) >= 9
    failures, count = check_rules(RuleSet.load(), only=own)
    assert failures == []
    assert count >= len(own)


def test_every_probe_rule_speaks_japanese():
    pack = load_pack(next(p for p in builtin_pack_files() if p.name == "smtp-probe.toml"))
    for rule in pack.rules:
        assert rule.texts.get("ja", {}).get("title"), rule.id
        assert rule.texts["ja"].get("cause"), rule.id
        if rule.fix:
            assert len(rule.texts["ja"].get("fix", [])) == len(rule.fix), rule.id
