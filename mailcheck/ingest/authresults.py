"""What the receiver recorded about authentication, read from the headers (no network).

- Authentication-Results (RFC 8601, parsed with ``authres``): only the receiver's own
  authserv-id is trusted; a header with another id may have been added by anyone upstream.
  Exchange Online writes its results without an authserv-id; such a header is read with the
  id ``(none)`` so its results are not lost.
- ARC-Authentication-Results / ARC-Seal / ARC-Message-Signature: the ARC sets, per instance.
- Received-SPF (RFC 7208 9.1): result, client-ip, envelope-from, helo.
- DKIM-Signature: the tags an administrator looks at (d= s= a= c= h= l= t= x= i=).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import authres

_RECEIVED_SPF_KV = re.compile(r"([A-Za-z-]+)=(\"[^\"]*\"|[^;\s]+)")
#: "method=result (comment)": authres drops comments, which carry the useful words
#: ("body hash did not verify", "p=REJECT dis=REJECT", "sender IP is ...").
_COMMENTED = re.compile(
    r"\b([a-z][a-z0-9-]{1,20})\s*=\s*([a-z]{2,12})(?:\s*\(([^()]{0,400})\))?", re.I
)
_ACTION = re.compile(r"\baction=([a-z]{2,12})", re.I)
_INSTANCE = re.compile(r"\s*i\s*=\s*([0-9]{1,3})\s*;")
NO_AUTHSERV_ID = "(none)"


@dataclass(slots=True)
class AuthResult:
    """One method's result in an Authentication-Results (or ARC) header."""

    method: str  # spf | dkim | dmarc | arc | compauth | ...
    result: str
    authserv_id: str
    properties: dict[str, str] = field(default_factory=dict)  # "smtp.mailfrom": "a@b"...
    reason: str | None = None
    comment: str | None = None
    action: str | None = None  # Exchange Online's dmarc action=
    source: str = "Authentication-Results"
    instance: int | None = None  # ARC-Authentication-Results i=

    @property
    def domain(self) -> str | None:
        """The domain this result is about (SPF: mailfrom or helo; DKIM: d= or i=)."""
        p = self.properties
        if self.method == "spf":
            who = p.get("smtp.mailfrom") or p.get("smtp.helo")
            return who.rpartition("@")[2].lower() if who else None
        if self.method == "dkim":
            d = p.get("header.d") or p.get("header.i", "").rpartition("@")[2]
            return d.lower() or None
        if self.method == "dmarc":
            return (p.get("header.from") or "").lower() or None
        return None

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "result": self.result,
            "authserv_id": self.authserv_id,
            "properties": dict(self.properties),
            "reason": self.reason,
            "comment": self.comment,
            "action": self.action,
            "source": self.source,
            "instance": self.instance,
            "domain": self.domain,
        }


@dataclass(slots=True)
class AuthHeaders:
    """A message's authentication results: the trusted receiver's, the others', ARC's."""

    receiver: str | None  # the trusted authserv-id
    results: list[AuthResult] = field(default_factory=list)  # trusted, topmost first
    untrusted: list[AuthResult] = field(default_factory=list)
    arc_results: list[AuthResult] = field(default_factory=list)
    received_spf: list[dict[str, str]] = field(default_factory=list)
    dkim_signatures: list[dict[str, str]] = field(default_factory=list)
    arc_instances: list[int] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def first(self, method: str) -> AuthResult | None:
        for r in self.results:
            if r.method == method:
                return r
        return None

    def all(self, method: str) -> list[AuthResult]:
        return [r for r in self.results if r.method == method]

    def to_dict(self) -> dict[str, Any]:
        return {
            "receiver": self.receiver,
            "results": [r.to_dict() for r in self.results],
            "untrusted": [r.to_dict() for r in self.untrusted],
            "arc_results": [r.to_dict() for r in self.arc_results],
            "received_spf": list(self.received_spf),
            "dkim_signatures": list(self.dkim_signatures),
            "arc_instances": list(self.arc_instances),
            "problems": list(self.problems),
        }


def _parse_ar(value: str) -> tuple[str, list[AuthResult]]:
    """(authserv-id, results) of one Authentication-Results value; SyntaxError if hopeless."""
    flat = " ".join(value.split())
    try:
        header = authres.AuthenticationResultsHeader.parse("Authentication-Results: " + flat)
    except authres.core.SyntaxError:
        # Exchange Online omits the authserv-id: "spf=pass (...) smtp.mailfrom=...; dkim=..."
        header = authres.AuthenticationResultsHeader.parse(
            f"Authentication-Results: {NO_AUTHSERV_ID.strip('()')}; " + flat
        )
        header.authserv_id = NO_AUTHSERV_ID
    comments: dict[str, list[str | None]] = {}
    for m in _COMMENTED.finditer(flat):
        comments.setdefault(m.group(1).lower(), []).append(m.group(3))
    out = []
    for r in header.results:
        props = {f"{p.type}.{p.name}".lower(): str(p.value) for p in r.properties}
        out.append(
            AuthResult(
                method=str(r.method).lower(),
                result=str(r.result).lower(),
                authserv_id=str(header.authserv_id),
                properties=props,
                reason=str(r.reason) if r.reason else None,
            )
        )
        pending = comments.get(out[-1].method)
        if pending:
            out[-1].comment = pending.pop(0)
    # the action of a dmarc result follows it in the same resinfo
    for part in flat.split(";"):
        m = _ACTION.search(part)
        if m and "dmarc=" in part.lower():
            for r in out:
                if r.method == "dmarc" and r.action is None:
                    r.action = m.group(1).lower()
                    break
    return str(header.authserv_id), out


def parse_received_spf(value: str) -> dict[str, str]:
    flat = " ".join(value.split())
    result, _, rest = flat.partition(" ")
    out = {"result": result.lower()}
    if rest.startswith("("):
        end = rest.find(")")
        if end > 0:
            out["comment"] = rest[1:end]
    for m in _RECEIVED_SPF_KV.finditer(rest):
        out[m.group(1).lower()] = m.group(2).strip('"')
    return out


def dkim_tags(value: str) -> dict[str, str]:
    tags = {}
    for part in value.split(";"):
        key, eq, val = part.partition("=")
        if eq:
            tags[key.strip().lower()] = "".join(val.split())
    return tags


def read_auth_headers(
    headers: Iterable[tuple[str, str]], receiver: str | None = None
) -> AuthHeaders:
    """Read the authentication headers; ``receiver`` is the authserv-id to trust.

    Without ``receiver`` the topmost Authentication-Results names it: the receiver adds its
    header last, above everything that came with the message.
    """
    out = AuthHeaders(receiver=receiver)
    parsed: list[tuple[str, list[AuthResult]]] = []
    for name, value in headers:
        lname = name.lower()
        if lname == "authentication-results":
            try:
                parsed.append(_parse_ar(value))
            except Exception as exc:  # noqa: BLE001 - authres raises several types
                out.problems.append(f"unreadable Authentication-Results: {exc}")
        elif lname == "arc-authentication-results":
            m = _INSTANCE.match(value)
            try:
                _, results = _parse_ar(value[m.end() :] if m else value)
            except Exception as exc:  # noqa: BLE001
                out.problems.append(f"unreadable ARC-Authentication-Results: {exc}")
                continue
            for r in results:
                r.source = "ARC-Authentication-Results"
                r.instance = int(m.group(1)) if m else None
            out.arc_results.extend(results)
        elif lname == "arc-seal":
            m = re.search(r"(?:^|;)\s*i\s*=\s*([0-9]{1,3})", value)
            if m:
                out.arc_instances.append(int(m.group(1)))
        elif lname == "received-spf":
            out.received_spf.append(parse_received_spf(value))
        elif lname == "dkim-signature":
            out.dkim_signatures.append(dkim_tags(value))
    if out.receiver is None and parsed:
        out.receiver = parsed[0][0]
    for authserv_id, results in parsed:
        trusted = authserv_id.lower() == (out.receiver or "").lower()
        (out.results if trusted else out.untrusted).extend(results)
    return out
