"""What a saved (received) message's headers say about its authentication, for batch summaries.

The header reading itself is :mod:`mailcheck.ingest.authentication` (the receiver's trusted
Authentication-Results, Received-SPF, the Received hops, the connecting IP), which leaves
``auth_*`` facts on the Evidence. This module condenses those facts into the few values a
batch summary counts per sending domain and per connecting IP. After ``verify`` the
``auth_*`` facts are mailcheck's own re-check and the receiver's are kept as
``recorded_*``; :func:`read_verdicts` reads either set.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .checks.orgdomain import aligned

#: Facts that verify moves to ``recorded_*`` when it recomputes them.
_AUTH_KEYS = ("auth_spf", "auth_spf_domain", "auth_dkim", "auth_dkim_domains", "auth_dkim_best",
              "auth_dmarc", "auth_from_domain", "auth_receiver")


@dataclass(slots=True)
class ReceiverVerdicts:
    """SPF / DKIM / DMARC for one message, and where it came from."""

    spf: str | None = None
    dkim: str | None = None  # "pass" when any signature passed, else the first result
    dmarc: str | None = None
    from_domain: str | None = None
    spf_domain: str | None = None
    dkim_domains: list[str] = field(default_factory=list)  # d= of the passing signatures
    ip: str | None = None
    receiver: str | None = None  # the trusted authserv-id
    spf_aligned: bool | None = None  # SPF passed: for a domain aligned with From?
    dkim_aligned: bool | None = None  # DKIM passed: for a domain aligned with From?
    hop_delays: list[float] = field(default_factory=list)  # seconds, per Received hop
    total_delay: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__slots__}  # type: ignore[attr-defined]


def read_verdicts(facts: dict[str, Any], recorded: bool = False) -> ReceiverVerdicts | None:
    """The verdicts in ``facts`` (``recorded``: the receiver's, kept aside by verify).

    None when the message carries no authentication results and no Received hops.
    """
    prefix = "recorded_" if recorded else ""

    def get(key: str) -> Any:
        if recorded and f"recorded_{key}" not in facts and key in _AUTH_KEYS:
            return None
        return facts.get(prefix + key) if key in _AUTH_KEYS else facts.get(key)

    hops = facts.get("received_hops") or []
    if not any(get(k) for k in _AUTH_KEYS) and not hops:
        return None
    v = ReceiverVerdicts()
    v.spf = get("auth_spf")
    v.spf_domain = get("auth_spf_domain")
    v.dkim = get("auth_dkim_best")
    v.dmarc = get("auth_dmarc")
    v.from_domain = get("auth_from_domain") or facts.get("auth_from_domain")
    v.receiver = get("auth_receiver") or facts.get("auth_receiver")
    v.ip = facts.get("connecting_ip")
    results = get("auth_dkim") or []
    domains = get("auth_dkim_domains") or []
    v.dkim_domains = [d for r, d in zip(results, domains, strict=False) if r == "pass" and d]
    if v.from_domain:
        if v.spf == "pass" and v.spf_domain:
            v.spf_aligned = aligned(v.spf_domain, v.from_domain)
        if v.dkim == "pass":
            v.dkim_aligned = any(aligned(d, v.from_domain) for d in v.dkim_domains)
    for hop in hops:
        delay = hop.get("delay_seconds") if isinstance(hop, dict) else None
        if isinstance(delay, (int, float)):
            v.hop_delays.append(max(0.0, float(delay)))  # negative: clock skew, not time travel
    total = facts.get("received_total_delay_seconds")
    if isinstance(total, (int, float)):
        v.total_delay = max(0.0, float(total))
    return v
