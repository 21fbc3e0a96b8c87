"""What a receiver recorded in the headers of a saved (received) message, for batch summaries.

A small reader: the topmost ``Authentication-Results`` (the final receiver's verdicts for
SPF, DKIM and DMARC, with ``header.from``, ``smtp.mailfrom`` and ``header.d``), the
connecting IP (``Received-SPF client-ip=`` or the first ``Received: from ... [IP]``), and
the delay of each ``Received`` hop. It reads the receiver's words; it does not re-check
anything (``batch --verify`` is where re-checks belong).
"""

from __future__ import annotations

import email.utils
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache

_COMMENT = re.compile(r"\([^()]{0,2000}\)")
_RESULT = re.compile(r"^\s{0,20}([a-z][a-z0-9_-]{0,30})\s{0,5}=\s{0,5}([a-z]{1,20})", re.I)
_PROP = re.compile(r"\b(header\.from|header\.d|header\.i|smtp\.mailfrom|smtp\.helo"
                   r"|smtp\.remote-ip|policy\.iprev)\s{0,3}=\s{0,3}\"?([^\s;\"]{1,300})", re.I)
_CLIENT_IP = re.compile(r"client-ip\s{0,3}=\s{0,3}\"?([0-9a-f:.]{3,45})", re.I)
_RECEIVED_IP = re.compile(r"\[(?:IPv6:)?([0-9a-fA-F:.]{3,45})\]")
_DESIGNATES = re.compile(r"designates\s{1,3}([0-9a-fA-F:.]{3,45})\s", re.I)


@dataclass(slots=True)
class ReceiverVerdicts:
    """SPF / DKIM / DMARC as one receiver recorded them, and where the message came from."""

    spf: str | None = None
    dkim: str | None = None  # "pass" when any signature passed, else the first result
    dmarc: str | None = None
    from_domain: str | None = None
    mailfrom_domain: str | None = None
    dkim_domains: list[str] = field(default_factory=list)  # d= of the passing signatures
    ip: str | None = None
    receiver: str | None = None  # the authserv-id of the Authentication-Results used
    spf_aligned: bool | None = None
    dkim_aligned: bool | None = None
    hop_delays: list[float] = field(default_factory=list)  # seconds, newest hop first
    total_delay: float | None = None

    def to_dict(self) -> dict:
        return {k: getattr(self, k) for k in self.__slots__}  # type: ignore[attr-defined]


def _domain(value: str | None) -> str | None:
    if not value:
        return None
    value = value.strip().strip("<>\"'").rstrip(".")
    if "@" in value:
        value = value.rsplit("@", 1)[1]
    value = value.lower()
    return value or None


@cache
def _psl():
    from publicsuffixlist import PublicSuffixList

    return PublicSuffixList()


@cache
def org_domain(domain: str) -> str:
    """The organisational domain (public suffix + one label), for relaxed alignment."""
    try:
        return _psl().privatesuffix(domain) or domain
    except Exception:  # an odd name (IDN, label too long): compare it as it is
        return domain


def aligned(a: str | None, b: str | None) -> bool | None:
    if not a or not b:
        return None
    return a == b or org_domain(a) == org_domain(b)


def parse_authentication_results(value: str) -> dict[str, list[tuple[str, dict[str, str]]]]:
    """method -> [(result, {property: value})] for one Authentication-Results value."""
    text = _COMMENT.sub(" ", _COMMENT.sub(" ", value))
    out: dict[str, list[tuple[str, dict[str, str]]]] = {}
    for i, part in enumerate(text.split(";")):
        m = _RESULT.match(part)
        if not m or (i == 0 and m.group(1).lower() not in ("spf", "dkim", "dmarc")):
            continue  # the first piece is the authserv-id (unless a receiver left it out)
        props = {k.lower(): v for k, v in _PROP.findall(part)}
        out.setdefault(m.group(1).lower(), []).append((m.group(2).lower(), props))
    return out


def _authserv_id(value: str) -> str | None:
    first = _COMMENT.sub(" ", value).split(";", 1)[0].strip()
    if not first or "=" in first:  # Exchange Online leaves the authserv-id out
        return None
    return first.split()[0].lower()[:100]


def _received_date(value: str) -> datetime | None:
    if ";" not in value:
        return None
    try:
        dt = email.utils.parsedate_to_datetime(value.rsplit(";", 1)[1].strip())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    return dt if dt and dt.tzinfo else None


def read_verdicts(headers: Iterable[tuple[str, str]]) -> ReceiverVerdicts | None:
    """The receiver's verdicts from a message's headers (top first); None without any."""
    v = ReceiverVerdicts()
    ar_value = None
    received: list[str] = []
    from_header = None
    spf_header = None
    for name, value in headers:
        low = name.lower()
        if low == "authentication-results" and ar_value is None:
            ar_value = value
        elif low == "received":
            received.append(value)
        elif low == "from" and from_header is None:
            from_header = value
        elif low == "received-spf" and spf_header is None:
            spf_header = value
    if ar_value is None and spf_header is None and not received:
        return None
    if ar_value:
        results = parse_authentication_results(ar_value)
        v.receiver = _authserv_id(ar_value)
        if "spf" in results:
            v.spf, props = results["spf"][0]
            v.mailfrom_domain = _domain(props.get("smtp.mailfrom") or props.get("smtp.helo"))
            v.ip = props.get("smtp.remote-ip")
        dkims = results.get("dkim", [])
        if dkims:
            passing = [p for r, p in dkims if r == "pass"]
            v.dkim = "pass" if passing else dkims[0][0]
            v.dkim_domains = [d for d in (_domain(p.get("header.d") or p.get("header.i"))
                                          for p in passing) if d]
        if "dmarc" in results:
            v.dmarc, props = results["dmarc"][0]
            v.from_domain = _domain(props.get("header.from"))
        m = _DESIGNATES.search(ar_value)
        if m and not v.ip:
            v.ip = m.group(1)
    if spf_header:
        if v.spf is None:
            v.spf = (spf_header.split() or ["none"])[0].lower()
        m = _CLIENT_IP.search(spf_header)
        if m and not v.ip:
            v.ip = m.group(1)
    if not v.from_domain and from_header:
        v.from_domain = _domain(email.utils.parseaddr(from_header)[1])
    if not v.ip:
        for value in received:
            head = value.split(" by ", 1)[0]
            m = _RECEIVED_IP.search(head)
            if m:
                v.ip = m.group(1)
                break
    if v.spf == "pass":
        v.spf_aligned = aligned(v.mailfrom_domain, v.from_domain)
    if v.dkim == "pass" and v.from_domain:
        v.dkim_aligned = any(aligned(d, v.from_domain) for d in v.dkim_domains)
    dates = [_received_date(r) for r in received]
    known = [d for d in dates if d is not None]
    for newer, older in zip(dates, dates[1:], strict=False):
        if newer is not None and older is not None:
            v.hop_delays.append(max(0.0, (newer - older).total_seconds()))
    if len(known) >= 2:
        v.total_delay = max(0.0, (known[0] - known[-1]).total_seconds())
    return v
