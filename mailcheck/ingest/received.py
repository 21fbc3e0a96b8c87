"""The Received chain as hops: who handed the message to whom, when, how, and how long it took.

Received fields are prepended, so the header list holds the newest hop first; the hops here
are in travel order (oldest first). Nothing here touches the network or the clock.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

from mailcheck.checks.orgdomain import organizational_domain

_KEYWORDS = ("from", "by", "via", "with", "id", "for")
_BRACKET_IP = re.compile(r"\[(?:IPv6:)?([0-9A-Fa-f:.]{2,45})\]")
#: TLS versions as Microsoft (TLS1_2), Google (TLS1_3), Postfix (TLSv1.3), Exim (TLS1.3) write them
_TLS_VERSION = re.compile(r"\b(TLS ?v?1(?:[._][0-3])?|SSLv3)\b")  # upper case: not a host name
#: "cipher=X" (Microsoft, Google), "with cipher X" (Postfix), "tls X" (Exim)
_CIPHER = re.compile(r"(?:cipher[= ]|\btls )([A-Za-z0-9_-]{4,80})", re.I)
_HELO = re.compile(r"\bhelo=([^\s()]{1,253})", re.I)


@dataclass(slots=True)
class Hop:
    """One Received header: who handed the message to whom, how and when."""

    number: int  # 1 = the first hop (oldest)
    from_host: str | None = None  # the name the sender gave (HELO), as the receiver wrote it
    from_rdns: str | None = None  # the reverse-DNS name the receiver saw, if written
    from_ip: str | None = None
    by_host: str | None = None
    with_protocol: str | None = None  # SMTP, ESMTP, ESMTPS, ESMTPSA, HTTPS, LMTP...
    tls_version: str | None = None
    tls_cipher: str | None = None
    id: str | None = None
    for_address: str | None = None
    timestamp: datetime | None = None
    delay_seconds: float | None = None  # since the previous hop
    comments: list[str] = field(default_factory=list)
    raw: str = ""

    @property
    def encrypted(self) -> bool | None:
        if self.tls_version or self.tls_cipher:
            return True
        proto = (self.with_protocol or "").upper()
        if proto.startswith("ESMTPS") or proto in ("SMTPS", "HTTPS", "UTF8SMTPS"):
            return True
        if proto in ("SMTP", "ESMTP", "ESMTPA", "LMTP", "UTF8SMTP"):
            return False
        return None

    def to_dict(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "from": self.from_host,
            "from_rdns": self.from_rdns,
            "from_ip": self.from_ip,
            "by": self.by_host,
            "with": self.with_protocol,
            "tls_version": self.tls_version,
            "tls_cipher": self.tls_cipher,
            "encrypted": self.encrypted,
            "id": self.id,
            "for": self.for_address,
            "timestamp": self.timestamp.isoformat() if self.timestamp else None,
            "delay_seconds": self.delay_seconds,
        }


def _split(text: str) -> tuple[list[tuple[str, str]], list[str]]:
    """Top-level (keyword, value) clauses and all (comments), in one linear pass."""
    clauses: list[tuple[str, list[str]]] = []
    comments: list[str] = []
    depth = 0
    word: list[str] = []
    comment: list[str] = []

    def flush_word() -> None:
        if not word:
            return
        w = "".join(word)
        word.clear()
        if w.lower() in _KEYWORDS:
            clauses.append((w.lower(), []))
        elif clauses:
            clauses[-1][1].append(w)

    for ch in text:
        if ch == "(":
            if depth == 0:
                flush_word()
            else:
                comment.append(ch)
            depth += 1
            continue
        if ch == ")" and depth > 0:
            depth -= 1
            if depth == 0:
                comments.append("".join(comment).strip())
                if clauses:
                    clauses[-1][1].append("(" + comments[-1] + ")")
                comment.clear()
            else:
                comment.append(ch)
            continue
        if depth:
            comment.append(ch)
        elif ch.isspace():
            flush_word()
        else:
            word.append(ch)
    flush_word()
    return [(k, " ".join(v)) for k, v in clauses], comments


def _ip_in(text: str) -> str | None:
    for m in _BRACKET_IP.finditer(text):
        if _valid_ip(m.group(1)):
            return m.group(1)
    for token in re.split(r"[\s()\[\],]+", text):
        if _valid_ip(token):
            return token
    return None


def _valid_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
        return True
    except ValueError:
        return False


def _first_word(value: str) -> str | None:
    for token in value.split():
        if not token.startswith("("):
            return token.strip("<>;").rstrip(".") or None
    return None


def parse_received(value: str, number: int = 0) -> Hop:
    """One Received field value -> a :class:`Hop` (unknown parts stay None)."""
    text = " ".join(value.split())
    hop = Hop(number=number, raw=text)
    body, semi, date = text.rpartition(";")
    if not semi:
        body, date = text, ""
    try:
        hop.timestamp = parsedate_to_datetime(date.strip()) if date.strip() else None
    except (TypeError, ValueError, IndexError, OverflowError):
        hop.timestamp = None
    if hop.timestamp is not None and hop.timestamp.tzinfo is None:
        # "-0000" (RFC 5322: time zone unknown) parses naive; read it as UTC so hops compare
        hop.timestamp = hop.timestamp.replace(tzinfo=UTC)
    clauses, comments = _split(body)
    hop.comments = comments
    for key, val in clauses:
        if key == "from" and hop.from_host is None:
            hop.from_host = _first_word(val)
            hop.from_ip = _ip_in(val)
            inner = val[val.find("(") + 1 :] if "(" in val else ""
            rdns = inner.split()[0].rstrip(".") if inner.split() else None
            helo = _HELO.search(val)
            if helo:  # Exim: "from [192.0.2.1] (helo=name)" or "from name ([ip] helo=name)"
                if hop.from_host is None or hop.from_host.startswith("["):
                    hop.from_host = helo.group(1)
                if rdns and rdns.lower().startswith("helo="):
                    rdns = None
            if rdns and not rdns.startswith("[") and not _valid_ip(rdns.strip("()")):
                hop.from_rdns = rdns.strip("()")
        elif key == "by" and hop.by_host is None:
            hop.by_host = _first_word(val)
        elif key == "with" and hop.with_protocol is None:
            hop.with_protocol = _first_word(val)
            if hop.with_protocol == "Microsoft" and val.startswith("Microsoft SMTP Server"):
                hop.with_protocol = "Microsoft SMTP Server"
        elif key == "id" and hop.id is None:
            hop.id = _first_word(val)
        elif key == "for" and hop.for_address is None:
            hop.for_address = _first_word(val)
    if hop.from_ip is None and hop.from_host and _valid_ip(hop.from_host.strip("[]")):
        hop.from_ip = hop.from_host.strip("[]")
    m = _TLS_VERSION.search(text)
    if m:
        hop.tls_version = m.group(1).replace("_", ".").replace(" ", "")
    m = _CIPHER.search(text)
    if m:
        hop.tls_cipher = m.group(1)
    return hop


def received_chain(headers: Iterable[tuple[str, str]]) -> list[Hop]:
    """All Received fields as hops, oldest first, with the delay of each hop."""
    values = [v for n, v in headers if n.lower() == "received"]
    hops = [parse_received(v) for v in reversed(values)]
    previous: datetime | None = None
    for number, hop in enumerate(hops, 1):
        hop.number = number
        if hop.timestamp and previous:
            hop.delay_seconds = (hop.timestamp - previous).total_seconds()
        if hop.timestamp:
            previous = hop.timestamp
    return hops


def total_delay(hops: list[Hop]) -> float | None:
    stamps = [h.timestamp for h in hops if h.timestamp]
    if len(stamps) < 2:
        return None
    return (stamps[-1] - stamps[0]).total_seconds()


def _org(host: str | None) -> str | None:
    if not host or "." not in host or _valid_ip(host):
        return None
    return organizational_domain(host)


def boundary(hops: list[Hop]) -> Hop | None:
    """The hop where the receiving organisation took the message from outside.

    The receiver is the organisation of the newest hop whose ``by`` host names one (hops
    ``by`` a bare address are internal hand-offs). Walking back while the ``by`` hosts stay
    in that organisation, the first hop that came from a public IP of another organisation
    is the boundary; its ``from_ip`` is the connecting IP the receiver saw (the one SPF is
    checked for).
    """
    if not hops:
        return None
    receiver = next((o for o in (_org(h.by_host) for h in reversed(hops)) if o), None)
    if receiver is None:
        return hops[-1]
    found = hops[-1]
    for hop in reversed(hops):
        org = _org(hop.by_host)
        if org is not None and org != receiver:
            break
        found = hop
        if hop.from_ip and not _private(hop.from_ip):
            sender = _org(hop.from_rdns) or _org(hop.from_host)
            if sender != receiver:
                break
    return found


def _private(ip: str) -> bool:
    try:
        addr = ipaddress.ip_address(ip)
    except ValueError:
        return False
    return addr.is_private or addr.is_loopback or addr.is_link_local
