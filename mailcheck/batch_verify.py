"""DNS re-checks for a whole batch (``batch --verify``): one cache, a concurrency limit, a budget.

A thousand messages from ten domains should cost about ten look-ups per name, not a
thousand, and a slow or dead DNS server must not hold an archive run hostage. So every
message of a run asks one :class:`SharedResolver`: answers (and errors) are cached for the
run, concurrent askers of the same name wait for the one query in flight, at most
``concurrency`` queries run at once, and once the run's ``budget`` seconds are used up
every new query fails at once as a time-out (which SPF/DKIM/DMARC report as temperror,
and the message's notes say why).

Re-checks are I/O-bound, so a run with ``--verify`` analyses messages in threads of one
process (sharing the cache), not in worker processes.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from .checks.dns import Answer, DNSError, Resolver, Timeout, normalise
from .model import Diagnosis
from .rules import RuleSet

BUDGET_NOTE = "the run's DNS time budget was used up; later look-ups were not made"


@dataclass(slots=True)
class DNSStats:
    queries: int = 0  # asked of the real resolver
    cache_hits: int = 0
    over_budget: int = 0  # refused because the budget was used up

    def to_dict(self) -> dict[str, int]:
        return {"queries": self.queries, "cache_hits": self.cache_hits,
                "over_budget": self.over_budget}


class SharedResolver:
    """A thread-safe caching front for one resolver, shared by every message of a run."""

    def __init__(self, inner: Resolver, *, concurrency: int = 8, budget: float = 300.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.inner = inner
        self.stats = DNSStats()
        self._clock = clock
        self._deadline = clock() + budget
        self._slots = threading.BoundedSemaphore(max(1, concurrency))
        self._lock = threading.Lock()
        self._cache: dict[tuple[str, str], Answer | DNSError] = {}
        self._inflight: dict[tuple[str, str], threading.Event] = {}

    @property
    def budget_used_up(self) -> bool:
        return self._clock() >= self._deadline

    def query(self, name: str, rdtype: str) -> Answer:
        key = (normalise(name), rdtype.upper())
        while True:
            with self._lock:
                if key in self._cache:
                    self.stats.cache_hits += 1
                    return self._result(self._cache[key])
                waiting = self._inflight.get(key)
                if waiting is None:
                    if self.budget_used_up:
                        self.stats.over_budget += 1
                        raise Timeout(name, rdtype, BUDGET_NOTE)
                    event = threading.Event()
                    self._inflight[key] = event
                    break
            waiting.wait()  # another thread is asking; its answer lands in the cache
        try:
            with self._slots:
                self.stats.queries += 1
                try:
                    result: Answer | DNSError = self.inner.query(name, rdtype)
                except DNSError as err:
                    result = err
            with self._lock:
                self._cache[key] = result
        finally:
            with self._lock:
                del self._inflight[key]
            event.set()
        return self._result(result)

    @staticmethod
    def _result(result: Answer | DNSError) -> Answer:
        if isinstance(result, DNSError):
            raise result
        return result


def make_verifier(resolver: SharedResolver, *, lang: str = "en", rules: RuleSet | None = None,
                  now: float | None = None) -> Callable[[bytes, str], Diagnosis]:
    """The function batch calls to re-check one message against the shared resolver."""
    from .verify import verify_message

    def verify(raw: bytes, source: str) -> Diagnosis:
        diag = verify_message(raw, resolver, now=now, source=source, lang=lang, rules=rules)
        if resolver.stats.over_budget and resolver.budget_used_up:
            dns_used = diag.checks.get("dns") or []
            if any(BUDGET_NOTE in str(e.get("detail", "")) for e in dns_used
                   if isinstance(e, dict)):
                diag.notes.append(BUDGET_NOTE)
        return diag

    return verify
