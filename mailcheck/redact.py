"""Redaction: a Diagnosis whose identifiers are replaced by stable placeholders.

A support ticket travels outside the organisation; the report must still show *what*
happened without showing *who*. :func:`redact_diagnosis` is pure: it reads every string
of a Diagnosis (input lines, headers, recipients, findings, checks), collects the
identifiers in it, and returns a new Diagnosis in which each identifier is replaced,
everywhere, by the same placeholder:

- e-mail addresses -> ``user1@domain1.example`` (the domain of a large public provider
  such as gmail.com is kept: it matters to the diagnosis and identifies nobody; role
  mailboxes such as postmaster keep their local part);
- the organisation's domains, also inside host names and also when only a Received
  line shows them (an internal relay) -> ``domain1.example``; tenant names
  in ``*.onmicrosoft.com`` and ``*.mail.protection.outlook.com`` -> ``tenant1``;
- display names (address headers, ``Name:`` fields) -> ``Person 1``;
- IPv4 / IPv6 addresses -> documentation addresses ``192.0.2.1`` / ``2001:db8::1``;
- message IDs -> ``<message-id-1@redacted.invalid>``; GUIDs (request, correlation,
  tenant IDs) -> ``00000000-0000-4000-8000-000000000001``; subjects -> ``[subject 1]``.

Values the redactor cannot read as text (parsed email objects kept in ``facts``) are
left out rather than risked.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import re
from collections.abc import Callable, Iterator
from email.utils import getaddresses
from functools import cache
from typing import Any

from publicsuffixlist import PublicSuffixList

from .ingest.message import decode_header_value
from .ingest.received import parse_received
from .messages import Message
from .model import Diagnosis

#: Mail providers whose domain names nobody in particular: kept as they are.
PUBLIC_DOMAINS = frozenset("""
gmail.com googlemail.com google.com outlook.com hotmail.com live.com msn.com office365.com
microsoft.com onmicrosoft.com outlook.jp hotmail.co.jp yahoo.com yahoo.co.jp icloud.com me.com
aol.com gmx.net gmx.de web.de mail.ru yandex.ru proton.me protonmail.com zoho.com
example.com example.net example.org example.invalid redacted.invalid
amazonses.com sendgrid.net mailgun.org mandrillapp.com sparkpostmail.com mcsv.net
pphosted.com mimecast.com messagelabs.com barracudanetworks.com yahoodns.net
""".split())
#: Local parts that name a role, not a person.
ROLE_LOCALS = frozenset("""postmaster mailer-daemon abuse noreply no-reply donotreply
do-not-reply hostmaster webmaster root""".split())
#: Display names of systems, not people.
SYSTEM_NAMES = frozenset(s.lower() for s in (
    "Microsoft Outlook", "Mail Delivery Subsystem", "Mail Delivery System", "MAILER-DAEMON",
    "Postmaster", "Microsoft Exchange", "Gmail Team", "Google",
    "Microsoft Exchange Online Protection"))

#: Words that appear in display names but do not identify anyone.
NOT_NAME_PARTS = frozenset("""the team mail service admin administrator support help desk
helpdesk office outlook microsoft google gmail exchange online delivery system subsystem
notification noreply info sales user users group""".split())

_ADDRESS = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@"
                      r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.){1,10}[A-Za-z]{2,63}")
_RUN = r"A-Za-z0-9.!#$%&'*+=?^_`{|}~@-"  # no "/": the host of a URL is its own run
#: An IPv6 address: not inside a word, except after "IPv6:" (Received) or "ip6:" (SPF).
_IPV6_TEXT = (r"(?:(?<![0-9A-Za-z:])|(?<=[Ii][Pp][Vv]6:)|(?<=[Ii][Pp]6:))"
              r"[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}(?![0-9A-Fa-f:])")
#: Where replacing looks: runs of address/host characters holding a dot or an @ (addresses,
#: host names, IPv4, message IDs), GUIDs, and colon groups that may be IPv6 addresses.
_TOKEN = re.compile(
    rf"(?<![{_RUN}])[{_RUN}]{{0,1000}}[.@][{_RUN}]{{0,1000}}"
    r"|\b[0-9A-Fa-f]{8}-(?:[0-9A-Fa-f]{4}-){3}[0-9A-Fa-f]{12}\b"
    r"|" + _IPV6_TEXT)
_MSGID = re.compile(r"<[^<>\s@]{1,250}@[^<>\s@]{1,250}>")
_IPV4 = re.compile(r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d.])")
_IPV6 = re.compile(_IPV6_TEXT)
_GUID = re.compile(r"\b[0-9A-Fa-f]{8}-(?:[0-9A-Fa-f]{4}-){3}[0-9A-Fa-f]{12}\b")
_TENANT = re.compile(
    r"(?<![A-Za-z0-9.-])([A-Za-z0-9-]{1,63})\.(onmicrosoft\.com|mail\.protection\.outlook\.com)\b",
    re.I)
#: Microsoft's own server names (TYWP286MB1999) under mail.protection.outlook.com.
_MS_SERVER = re.compile(r"^[A-Z]{2,6}\d{1,4}[A-Z]{2,4}\d{2,6}$", re.I)
_ADDRESS_HEADER = re.compile(
    r"^(?:from|to|cc|bcc|reply-to|sender|resent-from|resent-to|resent-sender|"
    r"disposition-notification-to|return-receipt-to)[ \t]*:[ \t]*(.{1,2000})$", re.I)
_NAME_FIELD = re.compile(
    r"^[ \t]*(?:name|display name|user|user name|username|表示名|名前|氏名|ユーザー名?)"
    r"[ \t]*[:：][ \t]*(.{2,80}?)[ \t]*$", re.I)
_SUBJECT = re.compile(r"^(?:subject|thread-topic|件名)[ \t]*[:：][ \t]*(.{1,500})$", re.I)
_SUBJECT_PREFIX = re.compile(
    r"^(?:(?:undeliverable|undelivered mail returned to sender|undelivered|returned mail|"
    r"delivery status notification \(\w{1,20}\)|delivery failure|failure notice|"
    r"配信不能|配信できませんでした|re|fw|fwd|aw|wg|tr|sv|転送|返信)[ \t]*[:：][ \t]*)+", re.I)
_MSGID_HEADERS = ("message-id", "in-reply-to", "references", "original-envelope-id",
                  "resent-message-id", "x-ms-exchange-crosstenant-network-message-id")


class Redactor:
    """Collects identifiers from text, then replaces each with its stable placeholder.

    Replacing is linear in the text whatever the number of identifiers: addresses, host
    names, IPs and GUIDs are found by one fixed pattern and looked up in a dict; names and
    subjects (free text) are matched by one pattern built as a trie of the phrases.
    """

    def __init__(self) -> None:
        self.map: dict[str, str] = {}  # lower-cased identifier -> placeholder
        self.phrases: set[str] = set()  # keys of self.map that are names or subjects
        self._counts: dict[str, int] = {}
        self._domains: dict[str, str] = {}
        self._phrase_re: re.Pattern[str] | None = None

    def _next(self, kind: str) -> int:
        self._counts[kind] = self._counts.get(kind, 0) + 1
        return self._counts[kind]

    def _add(self, original: str, make: Callable[[], str], phrase: bool = False) -> None:
        key = original.lower()
        if key and key not in self.map:
            self.map[key] = make()
            if phrase:
                self.phrases.add(key)
                self._phrase_re = None

    # -- collecting ----------------------------------------------------------------------
    def domain(self, domain: str) -> str:
        """The placeholder for a mail domain: its registrable part is replaced, so
        ``mail.contoso.co.jp`` becomes ``mail.domain1.example``."""
        d = domain.lower().rstrip(".")
        if d in self.map:  # a tenant name already collected
            return self.map[d]
        if _is_public(d):
            return d
        base = _registrable(d)
        if base not in self._domains:
            self._domains[base] = f"domain{self._next('domain')}.example"
            self._add(base, lambda: self._domains[base])
        return d[: len(d) - len(base)] + self._domains[base]

    def collect(self, text: str) -> None:
        for m in _MSGID.finditer(text):
            if _looks_like_msgid_context(text, m.start()):
                self._add(m.group()[1:-1], lambda: f"message-id-{self._next('msgid')}"
                                                    "@redacted.invalid")
        for m in _TENANT.finditer(text):
            label, suffix = m.group(1), m.group(2).lower()
            if not _MS_SERVER.match(label):
                self._add(m.group(), lambda suffix=suffix:
                          f"tenant{self._next('tenant')}.{suffix}")
        for m in _ADDRESS.finditer(text):
            addr = m.group()
            if addr.lower() in self.map:
                continue
            local, _, dom = addr.rpartition("@")
            new_dom = self.domain(dom)
            if local.lower() in ROLE_LOCALS:
                self._add(addr, lambda local=local, new_dom=new_dom: f"{local}@{new_dom}")
            else:
                self._add(addr, lambda new_dom=new_dom: f"user{self._next('user')}@{new_dom}")
        for m in _IPV4.finditer(text):
            if _valid_ip(m.group()):
                self._add(m.group(), lambda: _ip4_placeholder(self._next("ip4")))
        for m in _IPV6.finditer(text):
            cand = m.group()
            if ("::" in cand or cand.count(":") == 7) and _valid_ip(cand):
                self._add(cand, lambda: f"2001:db8::{self._next('ip6'):x}")
        for m in _GUID.finditer(text):
            self._add(m.group(), lambda: f"00000000-0000-4000-8000-{self._next('guid'):012d}")
        self._collect_fields(text)

    def _collect_fields(self, text: str) -> None:
        for line in text.splitlines():
            m = _ADDRESS_HEADER.match(line)
            if m:
                for name, _ in getaddresses([m.group(1)]):
                    self.name(name)
                continue
            m = _NAME_FIELD.match(line)
            if m and "@" not in m.group(1):
                self.name(m.group(1))
                continue
            m = _SUBJECT.match(line)
            if m:
                subject = _SUBJECT_PREFIX.sub("", m.group(1)).strip()
                if len(subject) >= 3:
                    self._add(subject, lambda: f"[subject {self._next('subject')}]",
                              phrase=True)

    def name(self, name: str) -> None:
        raw = name.strip().strip('"').strip()
        # The same person may appear RFC 2047-encoded in returned headers and decoded
        # elsewhere: both spellings get one placeholder.
        decoded = decode_header_value(raw).strip().strip('"').strip()
        if len(decoded) < 2 or "@" in decoded or decoded.lower() in SYSTEM_NAMES:
            return
        self._add(decoded, lambda: f"Person {self._next('person')}", phrase=True)
        self._add(raw, lambda: self.map[decoded.lower()], phrase=True)
        # "Taro" alone in a signature, "hanako" alone in an NDR: each part of the name
        # reads as the same person.
        parts = decoded.replace(",", " ").split()
        if len(parts) > 1:
            for part in parts:
                if len(part) >= 3 and part.lower() not in NOT_NAME_PARTS:
                    self._add(part, lambda: self.map[decoded.lower()], phrase=True)

    # -- replacing -----------------------------------------------------------------------
    def sub(self, text: str) -> str:
        if not text or not self.map:
            return text
        if self.phrases:
            if self._phrase_re is None:
                self._phrase_re = re.compile(
                    r"(?<![A-Za-z0-9_.@+-])(?:" + _trie_pattern(self.phrases)
                    + r")(?![A-Za-z0-9_@-]|\.[A-Za-z0-9])", re.I)
            text = self._phrase_re.sub(lambda m: self.map[m.group().lower()], text)
        return _TOKEN.sub(self._token, text)

    def _token(self, m: re.Match[str]) -> str:
        token = m.group()
        core = token.rstrip(".-")
        tail = token[len(core):]
        key = core.lower()
        if key in self.map and key not in self.phrases:
            return self.map[key] + tail
        # A host, or an address not collected whole: replace the known domain it ends in.
        at = core.rfind("@")
        head, host = core[: at + 1], core[at + 1:]
        low = host.lower()
        starts = [0] + [k + 1 for k, ch in enumerate(low) if not (ch.isalnum() or ch == "-")]
        for i in starts:
            hit = self.map.get(low[i:])
            if hit is not None and low[i:] not in self.phrases and "." in low[i:]:
                if head and head[:-1].lower() not in ROLE_LOCALS:
                    head = "user@"
                return head + host[:i] + hit + tail
        return token


def _trie_pattern(phrases: set[str]) -> str:
    """One regex alternative per phrase, merged as a trie so matching does not try each."""
    trie: dict = {}
    for p in phrases:
        node = trie
        for ch in p:
            node = node.setdefault(ch, {})
        node[""] = {}

    def build(node: dict) -> str:
        ends = "" in node
        alts = [re.escape(ch) + build(node[ch]) for ch in sorted(k for k in node if k)]
        if not alts:
            return ""
        if len(alts) == 1 and not ends:
            return alts[0]
        return "(?:" + "|".join(alts) + ")" + ("?" if ends else "")

    return build(trie)


@cache
def _suffixes() -> PublicSuffixList:
    return PublicSuffixList()


def _registrable(domain: str) -> str:
    """``mail.contoso.co.jp`` -> ``contoso.co.jp`` (the domain an organisation registered)."""
    return _suffixes().privatesuffix(domain) or domain


def _ip4_placeholder(n: int) -> str:
    """The n-th documentation address (RFC 5737: three /24s), then the reserved 240/4."""
    if n <= 3 * 254:
        net = ("192.0.2", "198.51.100", "203.0.113")[(n - 1) // 254]
        return f"{net}.{(n - 1) % 254 + 1}"
    return f"240.{(n >> 16) & 255}.{(n >> 8) & 255}.{n & 255}"


def _is_public(domain: str) -> bool:
    return any(domain == p or domain.endswith("." + p) for p in PUBLIC_DOMAINS)


def _valid_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def _looks_like_msgid_context(text: str, start: int) -> bool:
    """``<local@host>`` in a Message-ID-like header, not a ``Name <address>`` mailbox."""
    head = text[max(0, text.rfind("\n", 0, start) + 1):start].lower()
    return head.lstrip().startswith(_MSGID_HEADERS) or "message-id" in head or \
        "references" in head or "in-reply-to" in head


# -- walking the Diagnosis -------------------------------------------------------------------

def _strings(value: Any, depth: int = 0) -> Iterator[str]:
    if depth > 12:
        return
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _strings(k, depth + 1)
            yield from _strings(v, depth + 1)
    elif isinstance(value, list | tuple | set | frozenset):
        for v in value:
            yield from _strings(v, depth + 1)
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            if not f.name.startswith("_"):
                yield from _strings(getattr(value, f.name), depth + 1)


_DROP = object()


def _rewrite(value: Any, sub: Callable[[str], str], depth: int = 0) -> Any:
    if depth > 12:
        return _DROP
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, Message):
        # keep it a Message so it still renders in the report's language
        return value.map_text(sub)
    if isinstance(value, str):
        return sub(value)
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            nv = _rewrite(v, sub, depth + 1)
            if nv is not _DROP:
                out[sub(k) if isinstance(k, str) else k] = nv
        return out
    if isinstance(value, list | tuple | set | frozenset):
        items = [nv for nv in (_rewrite(v, sub, depth + 1) for v in value) if nv is not _DROP]
        return type(value)(items) if not isinstance(value, list) else items
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {}
        for f in dataclasses.fields(value):
            if f.name.startswith("_") or not f.init:
                continue
            nv = _rewrite(getattr(value, f.name), sub, depth + 1)
            changes[f.name] = None if nv is _DROP else nv
        return dataclasses.replace(value, **changes)
    return _DROP  # an object we cannot read as text: leave it out rather than leak it


_HOST_NAME = re.compile(
    r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.){1,10}[A-Za-z]{2,63}\.?")


def _received_values(ev: Any) -> Iterator[str]:
    """Received fields of the input and of a returned message's headers."""
    for h in ev.headers:
        if h.name.lower() == "received":
            yield h.value
    for ln in ev.lines:
        if ln.part == "returned-headers" and ln.text[:9].lower() == "received:":
            yield ln.text[9:]


def redact_diagnosis(diag: Diagnosis) -> Diagnosis:
    """A copy of ``diag`` with the input's identifiers replaced by stable placeholders."""
    r = Redactor()
    ev = diag.evidence
    if ev is not None:
        # Whole input first, so header context (Message-ID:, From:) is seen line by line.
        r.collect("\n".join(ln.text for ln in ev.lines))
        for h in ev.headers:
            r.collect(f"{h.name}: {h.value}")
        # Host names that only a Received line shows (an internal relay, a sender's own
        # server): their domains are replaced like those of addresses.
        for text in _received_values(ev):
            hop = parse_received(text)
            for host in (hop.from_host, hop.from_rdns, hop.by_host):
                if host and _HOST_NAME.fullmatch(host) and not _valid_ip(host):
                    r.domain(host)
    for s in _strings([diag.source, diag.notes, diag.checks,
                       [rec.to_dict() for rec in diag.recipients],
                       [(f.recipients, f.evidence) for f in diag.findings]]):
        r.collect(s)
    out = dataclasses.replace(
        diag,
        source=r.sub(diag.source),
        recipients=_rewrite(diag.recipients, r.sub),
        # Rule texts too: a fix step may name the input's domain (New-DkimSigningConfig
        # -DomainName kaisha.example).
        findings=_rewrite(diag.findings, r.sub),
        notes=_rewrite(diag.notes, r.sub),
        checks=_rewrite(diag.checks, r.sub),
        error=r.sub(diag.error) if diag.error else diag.error,
        evidence=_rewrite(ev, r.sub) if ev is not None else None,
        redacted=True,
    )
    return out
