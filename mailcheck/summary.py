"""The batch summary: counts that add up, over every message of a run.

:class:`BatchSummary` reads the per-message records made by :mod:`mailcheck.batch` one at a
time (constant memory per distinct key, so an archive of any size is fine) and
:meth:`BatchSummary.to_dict` gives the figures the text and HTML summaries show.

Counting units, so that totals add up:

* ``messages`` = ``analysed`` + ``errors``; ``by_kind`` sums to ``messages``.
* A *result* is one row of the CSV output: one per recipient result of an analysed
  message, or one for an analysed message without recipient results. ``by_cause`` sums
  to ``results``. The cause of a result is the rule that decided the recipient's reason,
  else the message's top finding, else ``(none)``.
* ``by_reason``, ``by_recipient_domain``, ``by_remote_mta`` count recipient results and
  sum to ``recipients`` (``(none)`` where the bounce did not say).
* ``by_sender`` and ``by_day`` count analysed messages and sum to ``analysed``.
"""

from __future__ import annotations

import math
from array import array
from collections import Counter, defaultdict
from typing import Any

NONE = "(none)"
_NOT_FAILURE = ("delivered", "feedback", "vacation")
OTHER = "(other)"


def percentile(sorted_values: list[float], q: float) -> float | None:
    """Nearest-rank percentile (q in 0..100) of already sorted values."""
    if not sorted_values:
        return None
    k = max(0, min(len(sorted_values) - 1, math.ceil(q / 100 * len(sorted_values)) - 1))
    return sorted_values[k]


def top(counter: Counter, n: int) -> list[list[Any]]:
    """The n largest entries, then one ``(other)`` entry for the rest: the sum is kept."""
    items = sorted(counter.items(), key=lambda kv: (-kv[1], str(kv[0])))
    head = [[k, v] for k, v in items[:n]]
    rest = sum(v for _, v in items[n:])
    if rest:
        head.append([OTHER, rest])
    return head


class _AuthTally:
    __slots__ = ("messages", "spf_pass", "dkim_pass", "dmarc_pass", "dmarc_fail",
                 "spf_unaligned", "dkim_unaligned", "no_auth")

    def __init__(self) -> None:
        for s in self.__slots__:
            setattr(self, s, 0)

    def add(self, v: dict[str, Any]) -> None:
        self.messages += 1
        self.spf_pass += v.get("spf") == "pass"
        self.dkim_pass += v.get("dkim") == "pass"
        self.dmarc_pass += v.get("dmarc") == "pass"
        self.dmarc_fail += v.get("dmarc") in ("fail", "quarantine", "reject")
        self.spf_unaligned += v.get("spf_aligned") is False
        self.dkim_unaligned += v.get("dkim_aligned") is False
        self.no_auth += not (v.get("spf") or v.get("dkim") or v.get("dmarc"))

    def to_dict(self) -> dict[str, Any]:
        n = self.messages or 1
        return {
            "messages": self.messages,
            "spf_pass_rate": round(self.spf_pass / n, 3),
            "dkim_pass_rate": round(self.dkim_pass / n, 3),
            "dmarc_pass_rate": round(self.dmarc_pass / n, 3),
            "dmarc_fail": self.dmarc_fail,
            "spf_pass_unaligned": self.spf_unaligned,
            "dkim_pass_unaligned": self.dkim_unaligned,
            "no_results": self.no_auth,
        }


class BatchSummary:
    """Running totals over batch records."""

    def __init__(self, top_n: int = 15) -> None:
        self.top_n = top_n
        self.messages = 0
        self.errors = 0
        self.error_reasons: Counter = Counter()
        self.by_kind: Counter = Counter()
        self.results = 0
        self.recipients = 0
        self.by_cause: Counter = Counter()
        self.by_reason: Counter = Counter()
        self.by_domain: Counter = Counter()
        self.by_mta: Counter = Counter()
        self.by_sender: Counter = Counter()
        self.by_day: Counter = Counter()
        self.cause_by_day: dict[str, Counter] = defaultdict(Counter)  # failed deliveries
        self.failure_causes: Counter = Counter()
        self.hard = 0
        self.soft = 0
        self.finding_info: dict[str, dict[str, Any]] = {}
        self.finding_messages: Counter = Counter()
        self.received = 0
        self.auth_by_domain: dict[str, _AuthTally] = defaultdict(_AuthTally)
        self.auth_by_ip: dict[str, _AuthTally] = defaultdict(_AuthTally)
        self.auth_by_domain_receiver: dict[str, _AuthTally] = defaultdict(_AuthTally)
        self.auth_all = _AuthTally()
        self.rechecked = 0
        self.recheck_all = _AuthTally()
        self.recheck_by_domain: dict[str, _AuthTally] = defaultdict(_AuthTally)
        self.dns: dict[str, int] | None = None  # look-up counts of a --verify run
        self.hop_delays = array("d")
        self.total_delays = array("d")

    def add(self, rec: dict[str, Any]) -> None:
        self.messages += 1
        self.by_kind[rec.get("kind") or "unknown"] += 1
        if rec.get("error"):
            self.errors += 1
            self.error_reasons[_error_reason(rec["error"])] += 1
            return
        self.by_sender[rec.get("sender") or NONE] += 1
        day = rec.get("date") or NONE
        self.by_day[day] += 1
        top_rule = rec.get("top_rule")
        seen = set()
        for f in rec.get("findings") or []:
            rule = f.get("rule")
            if not rule or rule in seen:
                continue
            seen.add(rule)
            self.finding_messages[rule] += 1
            if rule not in self.finding_info:
                self.finding_info[rule] = {"title": f.get("title"), "fix": f.get("fix") or [],
                                           "generic": f.get("generic", False)}
        recipients = rec.get("recipients") or []
        if not recipients:
            self.results += 1
            self.by_cause[top_rule or NONE] += 1
        for r in recipients:
            self.results += 1
            self.recipients += 1
            cause = r.get("rule") or top_rule or NONE
            self.by_cause[cause] += 1
            if r.get("reason") not in _NOT_FAILURE:
                self.failure_causes[cause] += 1
                self.cause_by_day[day][cause] += 1
            self.by_reason[r.get("reason") or NONE] += 1
            self.by_domain[r.get("domain") or NONE] += 1
            self.by_mta[(r.get("remote_mta") or NONE).lower()] += 1
            if r.get("hard_bounce"):
                self.hard += 1
            elif r.get("reason") not in _NOT_FAILURE:
                self.soft += 1
        v = rec.get("received")
        if v:
            self.received += 1
            self.auth_all.add(v)
            self.auth_by_domain[v.get("from_domain") or NONE].add(v)
            self.auth_by_ip[v.get("ip") or NONE].add(v)
            self.auth_by_domain_receiver[
                f"{v.get('from_domain') or NONE} at {v.get('receiver') or NONE}"].add(v)
            self.hop_delays.extend(v.get("hop_delays") or [])
            if v.get("total_delay") is not None:
                self.total_delays.append(v["total_delay"])
        own = rec.get("rechecked")
        if own:
            self.rechecked += 1
            self.recheck_all.add(own)
            self.recheck_by_domain[own.get("from_domain") or NONE].add(own)

    def to_dict(self) -> dict[str, Any]:
        n = self.top_n
        days = sorted(k for k in self.by_day if k != NONE)
        # the chart shows the causes of failed deliveries ("(none)": nothing found, left out)
        top_causes = [k for k, _ in top(Counter({k: v for k, v in self.failure_causes.items()
                                                 if k != NONE}), 6) if k != OTHER]
        hops = sorted(self.hop_delays)
        totals = sorted(self.total_delays)
        findings = []
        for rule, count in top(self.finding_messages, n):
            if rule == OTHER:
                continue
            info = self.finding_info.get(rule, {})
            findings.append({"rule": rule, "messages": count, "title": info.get("title"),
                             "fix": info.get("fix", []), "generic": info.get("generic", False)})
        return {
            "messages": self.messages,
            "analysed": self.messages - self.errors,
            "errors": self.errors,
            "error_reasons": top(self.error_reasons, n),
            "by_kind": top(self.by_kind, n),
            "results": self.results,
            "recipients": self.recipients,
            "hard_bounces": self.hard,
            "soft_bounces": self.soft,
            "by_cause": top(self.by_cause, n),
            "by_reason": top(self.by_reason, n),
            "by_recipient_domain": top(self.by_domain, n),
            "by_remote_mta": top(self.by_mta, n),
            "by_sender": top(self.by_sender, n),
            "by_day": [[d, self.by_day[d]] for d in days] + (
                [[NONE, self.by_day[NONE]]] if self.by_day[NONE] else []),
            "causes_over_time": {
                "causes": top_causes,
                "days": [[d, [self.cause_by_day[d][c] for c in top_causes]] for d in days],
            },
            "top_findings": findings,
            "received": {
                "messages": self.received,
                "overall": self.auth_all.to_dict(),
                "by_sending_domain": [[k, t.to_dict()] for k, t in _top_tallies(
                    self.auth_by_domain, n)],
                "by_connecting_ip": [[k, t.to_dict()] for k, t in _top_tallies(
                    self.auth_by_ip, n)],
                "by_sending_domain_at_receiver": [[k, t.to_dict()] for k, t in _top_tallies(
                    self.auth_by_domain_receiver, n)],
                "hop_delay_seconds": _percentiles(hops),
                "total_delay_seconds": _percentiles(totals),
            },
            "rechecked": {
                "messages": self.rechecked,
                "overall": self.recheck_all.to_dict(),
                "by_sending_domain": [[k, t.to_dict()] for k, t in _top_tallies(
                    self.recheck_by_domain, n)],
                "dns": self.dns,
            },
        }


def _top_tallies(tallies: dict[str, _AuthTally], n: int) -> list[tuple[str, _AuthTally]]:
    items = sorted(tallies.items(), key=lambda kv: (-kv[1].messages, kv[0]))
    return items[:n]


def _percentiles(values: list[float]) -> dict[str, Any]:
    return {"count": len(values), "p50": percentile(values, 50), "p90": percentile(values, 90),
            "p99": percentile(values, 99), "max": values[-1] if values else None}


def _error_reason(error: str) -> str:
    """Group errors by their kind, not by the detail that differs per file."""
    text = error.split(" (", 1)[0]
    return text[:120]
