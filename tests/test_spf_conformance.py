"""The RFC 7208 (OpenSPF) suite from ../shared: in memory, and through a real NSD."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import pytest

from mailcheck.checks.dns import FaultResolver, LiveResolver, TableResolver
from mailcheck.checks.spf import check_spf

from .conformance_yaml import load_all
from .conftest import SHARED, need
from .spf_suite import memory_resolver, root_zone, timeout_faults

SUITE = SHARED / "conformance" / "spf" / "rfc7208-tests.yml"


@lru_cache(maxsize=1)
def scenarios() -> list[dict[str, Any]]:
    if not SUITE.exists():
        return []
    return load_all(SUITE.read_text(encoding="utf-8"))


def cases() -> list[tuple[int, str]]:
    return [(i, tid) for i, sc in enumerate(scenarios()) for tid in sc["tests"]]


def verdict(test: dict[str, Any], resolver) -> str | None:
    """None when the result is conformant, else what went wrong."""
    got = check_spf(
        test["host"], test["mailfrom"], test["helo"], resolver, default_explanation="DEFAULT"
    )
    wanted = test["result"] if isinstance(test["result"], list) else [test["result"]]
    if got.result not in wanted:
        return f"result {got.result} (wanted {wanted}; {got.problem})\n" + "\n".join(got.trace)
    if "explanation" in test and got.explanation != test["explanation"]:
        return f"explanation {got.explanation!r}, wanted {test['explanation']!r}"
    return None


def test_suite_is_present():
    need(SUITE.exists(), f"{SUITE} is absent")
    assert len(cases()) == 203


@pytest.mark.parametrize("index,test_id", cases(), ids=[t for _, t in cases()])
def test_rfc7208_in_memory(index, test_id):
    scenario = scenarios()[index]
    problem = verdict(scenario["tests"][test_id], memory_resolver(scenario["zonedata"]))
    assert problem is None, problem


def test_scoring_can_fail():
    """The runner must be able to fail: with a DNS that knows nothing, most tests do."""
    need(SUITE.exists(), f"{SUITE} is absent")
    failures = sum(
        verdict(sc["tests"][tid], TableResolver()) is not None
        for sc in scenarios()
        for tid in sc["tests"]
    )
    assert failures > 150


@pytest.mark.dns
def test_rfc7208_through_nsd(nsd_servers):
    """Every scenario served by a real NSD (one root zone each), our live resolver asking it.

    TIMEOUT items cannot be written in a zone file; they are injected in front of the live
    resolver, so all 203 tests run over real DNS (ptr-cname-loop included). What no zone
    file can hold (the zero-string TXT record, invalid owner names) is left out of the zone;
    those tests pass all the same because a conformant evaluator never reads that data.
    """
    need(SUITE.exists(), f"{SUITE} is absent")
    failures = []
    for scenario in scenarios():
        server = nsd_servers({".": root_zone(scenario["zonedata"])})
        live = LiveResolver([server.address], timeout=0.5, retries=0)
        resolver = FaultResolver(live, timeout_faults(scenario["zonedata"]))
        for tid, test in scenario["tests"].items():
            problem = verdict(test, resolver)
            if problem:
                failures.append(f"{tid}: {problem}")
    assert not failures, "\n\n".join(failures)

