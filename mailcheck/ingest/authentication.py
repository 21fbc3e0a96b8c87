"""Authentication evidence from a message's own headers, as facts the rules can match.

This is the header-reading half of issue 4 (no network): the receiver's trusted
Authentication-Results, Received-SPF, DKIM-Signature tags, ARC sets, the Received hops and
the provider anti-spam verdicts. ``mailcheck verify`` replaces the ``auth_*`` facts with the
results it computed against DNS, keeping the receiver's as ``recorded_*``.

Facts set (all plain strings or lists of strings, so ``fact = {...}`` rules can match them):

``auth_receiver``        the authserv-id trusted
``auth_spf``             spf result; ``auth_spf_domain`` the domain it was for
``auth_dkim``            every dkim result; ``auth_dkim_best`` pass if any passed, else the first
``auth_dkim_domains``    the d= of each; ``dkim_failure`` body-hash | key | expired | signature
``auth_dmarc``           dmarc result; ``auth_from_domain`` the From domain
``dmarc_action``         reject | quarantine | none, when the receiver wrote it (dis=, action=)
``auth_alignment``       aligned | not-aligned (a pass exists, but only for other domains)
``auth_aligned_pass``    "yes" when SPF or DKIM passed aligned and DMARC passed
``auth_forwarded``       "yes" when a forwarder re-sent the message without SRS or ARC
"""

from __future__ import annotations

import re
from email.utils import getaddresses
from typing import Any

from ..checks.orgdomain import aligned
from ..identities import addresses
from ..model import Evidence
from .antispam import decode_antispam
from .authresults import AuthHeaders, read_auth_headers
from .received import boundary, received_chain, total_delay

NAME = "authentication"

_AUTH_HEADERS = frozenset({
    "authentication-results", "received-spf", "dkim-signature", "arc-seal",
    "x-forefront-antispam-report", "arc-authentication-results",
})
_FORWARD_HEADERS = {"resent-from", "resent-to", "x-forwarded-to", "x-forwarded-for",
                    "x-original-to", "x-forwarded-message-id"}
_DIS = re.compile(r"\bdis=([A-Za-z]{2,12})")
_POLICY = re.compile(r"\bp=([A-Za-z]{2,12})")


def detect(ev: Evidence) -> bool:
    # a bounce's own authentication headers say nothing about the failed message (the
    # From: test is the dearer one, and most bounces carry none of these headers: it
    # comes last)
    if ev.recipients or _AUTH_HEADERS.isdisjoint(ev.header_index()):
        return False
    return not _from_bounce_sender(ev)


_BOUNCE_SENDERS = ("mailer-daemon", "postmaster", "mail-daemon", "mailerdaemon")


def _from_bounce_sender(ev: Evidence) -> bool:
    """From: MAILER-DAEMON / postmaster, or an empty From: the input is a bounce."""
    value = ev.header("From")
    if value is None:
        return False
    addrs = addresses(value)
    if not addrs or not addrs[0].strip("<> "):
        return "mailer-daemon" in value.lower() or not addrs
    return addrs[0].split("@")[0].lower() in _BOUNCE_SENDERS


def from_domain(headers: list[tuple[str, str]]) -> str | None:
    values = [v for n, v in headers if n.lower() == "from"]
    if not values:
        return None
    addrs = [a for _, a in getaddresses(values[:1]) if "@" in a]
    return addrs[0].rpartition("@")[2].lower().rstrip(">") if addrs else None


def _dkim_failure(text: str) -> str:
    low = text.lower()
    if "body hash" in low:
        return "body-hash"
    if "key" in low and ("no " in low or "missing" in low or "revoked" in low or "key for" in low):
        return "key"
    if "expired" in low or "x= value is past" in low:
        return "expired"
    return "signature"


def auth_facts(auth: AuthHeaders, headers: list[tuple[str, str]]) -> dict[str, Any]:
    """The facts of the module docstring, from what the receiver recorded."""
    facts: dict[str, Any] = {}
    frm = from_domain(headers)
    if frm:
        facts["auth_from_domain"] = frm
    if auth.receiver:
        facts["auth_receiver"] = auth.receiver
    spf = auth.first("spf")
    if spf is None and auth.received_spf:
        rs = auth.received_spf[0]
        spf_result, spf_domain = rs.get("result"), (rs.get("envelope-from") or "")
        spf_domain = spf_domain.rpartition("@")[2].lower() or None
    elif spf is not None:
        spf_result, spf_domain = spf.result, spf.domain
    else:
        spf_result = spf_domain = None
    if spf_result:
        facts["auth_spf"] = spf_result
        if spf_domain:
            facts["auth_spf_domain"] = spf_domain
    dkims = auth.all("dkim")
    if dkims:
        facts["auth_dkim"] = [d.result for d in dkims]
        facts["auth_dkim_domains"] = [d.domain or "" for d in dkims]
        passed = [d for d in dkims if d.result == "pass"]
        facts["auth_dkim_best"] = "pass" if passed else dkims[0].result
        if not passed and dkims[0].result != "none":
            facts["dkim_failure"] = _dkim_failure(
                " ".join(filter(None, [dkims[0].comment, dkims[0].reason]))
            )
    dmarc = auth.first("dmarc")
    if dmarc:
        facts["auth_dmarc"] = dmarc.result
        m = _DIS.search(dmarc.comment or "") or _POLICY.search(dmarc.comment or "")
        action = dmarc.action or (m.group(1).lower() if m else None)
        if action in ("oreject", "reject"):
            action = "reject"
        elif action in ("quarantine", "oquarantine", "pct.quarantine"):
            action = "quarantine"
        if action:
            facts["dmarc_action"] = action
        frm = dmarc.domain or frm
    if frm:
        passing = [spf_domain] if spf_result == "pass" and spf_domain else []
        passing += [d.domain for d in dkims if d.result == "pass" and d.domain]
        facts.update(alignment_facts(frm, passing, dmarc is None or dmarc.result == "pass"))
    mailfrom = spf.properties.get("smtp.mailfrom", "") if spf else ""
    if forwarded_without_srs_arc(headers, spf_result, mailfrom, bool(auth.arc_instances)):
        facts["auth_forwarded"] = "yes"
    return facts


def alignment_facts(from_domain: str, passing: list[str], dmarc_ok: bool) -> dict[str, str]:
    """Alignment facts from the domains SPF/DKIM passed for; shared by header reading
    (the receiver's results) and verify (mailcheck's own)."""
    if not passing:
        return {}
    ok = any(aligned(p, from_domain) for p in passing)
    facts = {"auth_alignment": "aligned" if ok else "not-aligned"}
    if ok and dmarc_ok:
        facts["auth_aligned_pass"] = "yes"
    return facts


def forwarded_without_srs_arc(headers: list[tuple[str, str]], spf_result: str | None,
                              mailfrom: str, has_arc: bool) -> bool:
    """SPF failed after a forwarder re-sent the message without SRS or an ARC seal."""
    if spf_result not in ("fail", "softfail") or has_arc:
        return False
    low = mailfrom.lower()
    if low.startswith(("srs0=", "srs1=", "srs0+", "srs1+")) or "srs0=" in low:
        return False
    forward_marks = {n.lower() for n, _ in headers} & _FORWARD_HEADERS
    delivered = {v.strip().lower() for n, v in headers if n.lower() == "delivered-to"}
    return bool(forward_marks) or len(delivered) > 1


def header_checks(ev: Evidence) -> dict[str, Any]:
    """What the header reading found, for ``Diagnosis.checks`` (JSON and text reports)."""
    out: dict[str, Any] = {}
    facts = ev.facts
    if facts.get("auth_headers"):
        out["authentication"] = facts["auth_headers"]
    if facts.get("received_hops"):
        out["received"] = facts["received_hops"]
        if "received_total_delay_seconds" in facts:
            out["received_total_delay_seconds"] = facts["received_total_delay_seconds"]
        if facts.get("connecting_ip"):
            out["boundary"] = {"hop": facts.get("receiver_boundary_hop"),
                               "ip": facts["connecting_ip"]}
    if facts.get("antispam"):
        out["antispam"] = facts["antispam"]
    return out


def parse(ev: Evidence) -> None:
    headers = [(h.name, h.value) for h in ev.headers]
    auth = read_auth_headers(headers)
    ev.facts.update(auth_facts(auth, headers))
    ev.facts["auth_headers"] = auth.to_dict()
    hops = received_chain(headers)
    if hops:
        ev.facts["received_hops"] = [h.to_dict() for h in hops]
        delay = total_delay(hops)
        if delay is not None:
            ev.facts["received_total_delay_seconds"] = delay
        edge = boundary(hops)
        if edge and edge.from_ip:
            ev.facts["connecting_ip"] = edge.from_ip
            ev.facts["receiver_boundary_hop"] = edge.number
    spam = decode_antispam(headers)
    if spam.words:
        ev.facts["antispam"] = spam.to_dict()
        for key, value in spam.facts.items():
            ev.facts.setdefault(f"antispam_{key}", value)
