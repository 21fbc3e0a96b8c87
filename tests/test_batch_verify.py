"""batch --verify: one DNS cache per run, a concurrency limit, a time budget."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from mailcheck.batch_verify import BUDGET_NOTE, SharedResolver
from mailcheck.checks.dns import Answer, NXDomain, TableResolver, Timeout
from mailcheck.cli import main

from .batch_messages import dsn, received
from .conftest import FIXTURES

VERIFY = FIXTURES / "verify"
ZONES = sorted((VERIFY / "zones").glob("*.zone"))
NOW = "2025-06-01T00:00:00Z"


class Counting:
    """An inner resolver that counts queries, is slow, and records the peak concurrency."""

    def __init__(self, delay: float = 0.0) -> None:
        self.asked: list[tuple[str, str]] = []
        self.delay = delay
        self.active = 0
        self.peak = 0
        self._lock = threading.Lock()

    def query(self, name: str, rdtype: str) -> Answer:
        with self._lock:
            self.asked.append((name, rdtype))
            self.active += 1
            self.peak = max(self.peak, self.active)
        try:
            time.sleep(self.delay)
            if name.startswith("missing"):
                raise NXDomain(name, rdtype)
            return Answer(name, rdtype, (("v=spf1 -all",),))
        finally:
            with self._lock:
                self.active -= 1


def test_one_lookup_per_name_across_threads():
    inner = Counting(delay=0.02)
    shared = SharedResolver(inner, concurrency=4)
    names = [f"d{i % 5}.example" for i in range(200)] + ["missing.example"] * 20

    def ask(name: str) -> None:
        try:
            shared.query(name, "TXT")
        except NXDomain:
            pass

    threads = [threading.Thread(target=ask, args=(n,)) for n in names]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(inner.asked) == sorted({(n, "TXT") for n in names})  # six, each once
    assert shared.stats.queries == 6 and shared.stats.cache_hits == len(names) - 6
    with pytest.raises(NXDomain):  # errors are cached too
        shared.query("MISSING.example.", "txt")
    assert len(inner.asked) == 6


def test_concurrency_limit():
    inner = Counting(delay=0.03)
    shared = SharedResolver(inner, concurrency=3)
    threads = [threading.Thread(target=shared.query, args=(f"n{i}.example", "TXT"))
               for i in range(24)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert inner.peak <= 3 and len(inner.asked) == 24


def test_time_budget_stops_new_lookups_but_keeps_cached_answers():
    clock = [0.0]
    inner = Counting()
    shared = SharedResolver(inner, budget=10, clock=lambda: clock[0])
    shared.query("a.example", "TXT")
    clock[0] = 11.0
    assert shared.query("a.example", "TXT").records  # cached: still answered
    with pytest.raises(Timeout, match="budget"):
        shared.query("b.example", "TXT")
    assert inner.asked == [("a.example", "TXT")] and shared.stats.over_budget == 1


def zone_args() -> list[str]:
    return [a for z in ZONES for a in ("--dns-zone", str(z))]


def test_batch_verify_rechecks_received_messages_only():
    result = CliRunner().invoke(main, ["batch", str(VERIFY), "--verify", *zone_args(),
                                       "--now", NOW, "--format", "jsonl"])
    lines = [json.loads(x) for x in result.stdout.splitlines()]
    rechecked = [d for d in lines if "dmarc" in d["checks"]]
    emls = [d for d in lines if d["source"].endswith(".eml")]
    assert len(emls) == 6 and {d["source"] for d in rechecked} == {d["source"] for d in emls}
    assert all(d["checks"]["dns"] for d in rechecked)  # the DNS evidence is in each line


def test_batch_verify_summary_counts_lookups(tmp_path: Path):
    for name in VERIFY.glob("*.eml"):
        for copy in range(3):
            (tmp_path / f"{copy}-{name.name}").write_bytes(name.read_bytes())
    (tmp_path / "bounce.eml").write_bytes(dsn())
    result = CliRunner().invoke(main, ["batch", str(tmp_path), "--verify", *zone_args(),
                                       "--now", NOW, "--format", "summary"])
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "Re-checked against DNS (--verify): 18 messages" in out
    dns_line = next(ln for ln in out.splitlines() if ln.strip().startswith("DNS:"))
    queries = int(dns_line.split()[1])
    assert queries <= 12  # 18 messages over two domains: the cache answers the repeats


def test_batch_verify_budget_zero_reports_temperror(tmp_path: Path):
    (tmp_path / "a.eml").write_bytes(received("example.com"))
    table = tmp_path / "empty.zone"
    table.write_text("$ORIGIN example.com.\n@ 3600 IN SOA ns hostmaster 1 7200 3600 1209600 "
                     "3600\n")
    result = CliRunner().invoke(main, ["batch", str(tmp_path / "a.eml"), "--verify",
                                       "--dns-zone", str(table), "--dns-budget", "0",
                                       "--format", "jsonl"])
    d = json.loads(result.stdout)
    assert BUDGET_NOTE in d["notes"]
    assert any(BUDGET_NOTE in str(e.get("detail")) for e in d["checks"]["dns"])


def test_dns_options_without_verify_are_a_usage_error(tmp_path: Path):
    (tmp_path / "a.eml").write_bytes(received())
    result = CliRunner().invoke(main, ["batch", str(tmp_path), "--nameserver", "127.0.0.1"])
    assert result.exit_code == 2 and "need --verify" in result.output


def test_table_resolver_through_shared_front():
    table = TableResolver()
    table.add("example.com", "TXT", ("v=spf1 -all",))
    shared = SharedResolver(table)
    assert shared.query("example.com", "TXT").txt_strings() == ["v=spf1 -all"]
