"""Rule packs test themselves: every example must yield its rule as the top finding,
and no counterexample may yield the rule at all (``mailcheck rules test``)."""

from __future__ import annotations

from .diagnosis import diagnose
from .rules import RuleSet


def check_rules(rs: RuleSet, only: set[str] | None = None) -> tuple[list[str], int]:
    """Return (failure messages, number of checks run)."""
    failures: list[str] = []
    count = 0
    for rule in rs.rules:
        if only is not None and rule.id not in only:
            continue
        if not rule.examples:
            failures.append(f"{rule.id}: has no examples")
            count += 1
        for ex in rule.examples:
            count += 1
            d = diagnose(ex, rules=rs)
            top = d.top.rule if d.top else None
            if top != rule.id:
                failures.append(f"{rule.id}: example gave {top}: {ex[:80]!r}")
        for ex in rule.counterexamples:
            count += 1
            d = diagnose(ex, rules=rs)
            if any(f.rule == rule.id for f in d.findings):
                failures.append(f"{rule.id}: counterexample matched: {ex[:80]!r}")
    return failures, count
