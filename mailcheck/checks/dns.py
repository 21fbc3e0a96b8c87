"""The one DNS interface every check uses, and its implementations.

Checks (SPF, DKIM, DMARC, ARC) ask a :class:`Resolver` for ``query(name, rdtype)`` and get an
:class:`Answer` back, or one of the typed :class:`DNSError` subclasses. Which resolver sits
behind that call is the caller's choice:

- :class:`LiveResolver`: dnspython against real servers (timeout, retries, one cache per run,
  ``--nameserver HOST[:PORT]``);
- :class:`ZoneResolver`: RFC 1035 zone files, no network at all (``--dns-zone FILE``);
- :class:`TableResolver`: an in-memory table (tests, and replay of a recording);
- :class:`RecordingResolver`: wraps another one and keeps every answer a check used, so the
  Diagnosis shows the DNS evidence and ``--dns-replay`` can re-run it (:func:`replay_resolver`);
- :class:`FaultResolver`: wraps another one and injects time-outs and SERVFAIL (tests).

Record values are plain, JSON-friendly Python values:

=========  =====================================================================
A, AAAA    the address as text
TXT        a list of character-strings, each a ``str`` holding one char per byte
           (latin-1), so non-ASCII bytes survive exactly; join them for the record
MX         ``[preference, exchange]``
PTR, CNAME, NS   the target name, without the trailing dot
=========  =====================================================================
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import dns.exception
import dns.message
import dns.name
import dns.rdataclass
import dns.rdatatype
import dns.resolver
import dns.zone

#: How many CNAMEs an offline resolver follows before it calls the chain a loop.
MAX_CNAME_CHAIN = 16


# -- errors ---------------------------------------------------------------------------------
class DNSError(Exception):
    """A query that gave no records. ``kind`` is the stable word used in JSON."""

    kind = "error"
    #: True when retrying later might help (SPF temperror, DKIM temperror...).
    temporary = True

    def __init__(self, name: str, rdtype: str, detail: str = "") -> None:
        self.name = name
        self.rdtype = rdtype
        self.detail = detail
        super().__init__(self.describe())

    def describe(self) -> str:
        text = f"{self.rdtype} {self.name or '.'}: {self.words}"
        return f"{text} ({self.detail})" if self.detail else text

    words = "the DNS query failed"


class NXDomain(DNSError):
    kind = "nxdomain"
    temporary = False
    words = "the name does not exist (NXDOMAIN)"


class NoData(DNSError):
    kind = "nodata"
    temporary = False
    words = "the name exists but has no record of this type (NODATA)"


class Timeout(DNSError):
    kind = "timeout"
    words = "no answer from the DNS server in time (time-out)"


class ServFail(DNSError):
    kind = "servfail"
    words = "the DNS server reported a failure (SERVFAIL)"


class Truncated(DNSError):
    kind = "truncated"
    words = "the answer was truncated and could not be fetched in full"


class InvalidName(DNSError):
    kind = "invalid-name"
    temporary = False
    words = "this is not a valid DNS name (empty label, label over 63 octets or name too long)"


class NotRecorded(DNSError):
    kind = "not-recorded"
    words = "this query is not in the DNS recording being replayed"


ERROR_KINDS: dict[str, type[DNSError]] = {
    cls.kind: cls
    for cls in (NXDomain, NoData, Timeout, ServFail, Truncated, InvalidName, NotRecorded)
}


def is_void(error: DNSError) -> bool:
    """NXDOMAIN and NODATA are "void" answers (RFC 7208 4.6.4); the rest are failures."""
    return isinstance(error, NXDomain | NoData)


# -- answers --------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Answer:
    name: str
    rdtype: str
    records: tuple[Any, ...]
    ttl: int | None = None

    def txt_strings(self) -> list[str]:
        """TXT records joined into one string each (RFC 7208 3.3, RFC 6376 3.6.2.2)."""
        return ["".join(parts) for parts in self.records]

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "type": self.rdtype,
            "result": "answer",
            "records": [list(r) if isinstance(r, tuple | list) else r for r in self.records],
            "ttl": self.ttl,
        }


class Resolver(Protocol):
    def query(self, name: str, rdtype: str) -> Answer:
        """Records of ``rdtype`` at ``name`` (CNAMEs followed), or raise a DNSError."""
        ...


def normalise(name: str) -> str:
    """Lower-case, without the trailing dot: the key every resolver here compares on."""
    name = name.strip()
    if name.endswith(".") and name != ".":
        name = name[:-1]
    return name.lower()


def check_name(name: str, rdtype: str) -> None:
    """Raise :class:`InvalidName` for a name no DNS server could be asked about."""
    bare = name[:-1] if name.endswith(".") else name
    if not bare:
        return  # the root
    if len(bare) > 253:
        raise InvalidName(name, rdtype, "longer than 253 octets")
    for label in bare.split("."):
        if not label:
            raise InvalidName(name, rdtype, "empty label")
        if len(label.encode("utf-8", "surrogateescape")) > 63:
            raise InvalidName(name, rdtype, "a label is longer than 63 octets")


def _rdata_value(rdtype: str, rdata: Any) -> Any:
    if rdtype in ("A", "AAAA"):
        return rdata.address
    if rdtype in ("TXT", "SPF"):
        return tuple(s.decode("latin-1") for s in rdata.strings)
    if rdtype == "MX":
        return (int(rdata.preference), normalise(rdata.exchange.to_text()))
    if rdtype in ("PTR", "CNAME", "NS"):
        return normalise(rdata.target.to_text())
    return rdata.to_text()


def parse_nameserver(text: str) -> tuple[str, int]:
    """``HOST``, ``HOST:PORT``, ``[V6]:PORT`` or a bare IPv6 address -> (host, port)."""
    text = text.strip()
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        port = rest[1:] if rest.startswith(":") else ""
    elif text.count(":") == 1:
        host, _, port = text.partition(":")
    else:
        host, port = text, ""
    if not host:
        raise ValueError(f"no host in nameserver {text!r}")
    try:
        ipaddress.ip_address(host)
    except ValueError as exc:
        raise ValueError(f"nameserver {text!r}: give the server's IP address "
                         "(HOST[:PORT], [IPv6]:PORT)") from exc
    if port and not port.isdigit():
        raise ValueError(f"bad port in nameserver {text!r}")
    number = int(port) if port else 53
    if not 0 < number < 65536:
        raise ValueError(f"port out of range in nameserver {text!r}")
    return host, number


# -- live -----------------------------------------------------------------------------------
class LiveResolver:
    """dnspython against real servers; one instance (and so one cache) per run."""

    def __init__(
        self,
        nameservers: Sequence[str] | None = None,
        *,
        timeout: float = 3.0,
        retries: int = 1,
        cache: dict[tuple[str, str], Answer | DNSError] | None = None,
    ) -> None:
        if nameservers:
            self._resolver = dns.resolver.Resolver(configure=False)
            parsed = [parse_nameserver(ns) for ns in nameservers]
            self._resolver.nameservers = [host for host, _ in parsed]
            self._resolver.port = parsed[0][1]
        else:
            try:
                self._resolver = dns.resolver.Resolver()
            except dns.exception.DNSException as exc:
                raise ValueError(
                    f"no usable system DNS configuration ({exc}); give --nameserver HOST[:PORT]"
                ) from exc
        self._resolver.timeout = timeout
        # dnspython's lifetime bounds all tries of one query together
        self._resolver.lifetime = timeout * (retries + 1)
        self._resolver.retry_servfail = False
        self._cache = {} if cache is None else cache

    def query(self, name: str, rdtype: str) -> Answer:
        key = (normalise(name), rdtype.upper())
        if key in self._cache:
            hit = self._cache[key]
            if isinstance(hit, DNSError):
                raise hit
            return hit
        try:
            result: Answer | DNSError = self._ask(name, rdtype.upper())
        except DNSError as err:
            result = err
        self._cache[key] = result
        if isinstance(result, DNSError):
            raise result
        return result

    def _ask(self, name: str, rdtype: str) -> Answer:
        check_name(name, rdtype)
        try:
            qname = dns.name.from_text(name)
            ans = self._resolver.resolve(qname, rdtype, search=False, raise_on_no_answer=True)
        except dns.resolver.NXDOMAIN as exc:
            raise NXDomain(name, rdtype) from exc
        except dns.resolver.NoAnswer as exc:
            raise NoData(name, rdtype) from exc
        except dns.exception.Timeout as exc:
            raise Timeout(name, rdtype, str(exc)) from exc
        except dns.message.Truncated as exc:
            raise Truncated(name, rdtype, "even over TCP") from exc
        except dns.resolver.NoNameservers as exc:
            raise ServFail(name, rdtype, _short(str(exc))) from exc
        except dns.resolver.YXDOMAIN as exc:
            raise ServFail(name, rdtype, "name too long after DNAME substitution") from exc
        except dns.name.NameTooLong as exc:
            raise InvalidName(name, rdtype, "longer than 255 octets") from exc
        except (dns.name.LabelTooLong, dns.name.EmptyLabel, dns.name.IDNAException) as exc:
            raise InvalidName(name, rdtype, str(exc)) from exc
        except dns.exception.DNSException as exc:
            raise ServFail(name, rdtype, _short(str(exc))) from exc
        records = tuple(_rdata_value(rdtype, r) for r in ans)
        ttl = ans.rrset.ttl if ans.rrset is not None else None
        return Answer(normalise(name), rdtype, records, ttl)


def _short(text: str, limit: int = 200) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


# -- tables (memory, replay) ----------------------------------------------------------------
@dataclass(slots=True)
class TableResolver:
    """Answers from a table: ``{(name, TYPE): [values]}`` plus per-query errors.

    Names are compared lower-cased without the trailing dot. A name that appears nowhere in
    the table is NXDOMAIN; a known name without the asked type is NODATA. CNAMEs stored as
    ``(name, "CNAME")`` are followed (loops become SERVFAIL, as a real resolver reports).
    ``strict`` (replay) turns every query that is not in the table into :class:`NotRecorded`.
    """

    records: dict[tuple[str, str], list[Any]] = field(default_factory=dict)
    errors: dict[tuple[str, str], str] = field(default_factory=dict)
    ttls: dict[tuple[str, str], int | None] = field(default_factory=dict)
    strict: bool = False

    def add(self, name: str, rdtype: str, value: Any, ttl: int | None = None) -> None:
        key = (normalise(name), rdtype.upper())
        self.records.setdefault(key, []).append(value)
        if ttl is not None:
            self.ttls[key] = ttl

    def names(self) -> set[str]:
        return {n for n, _ in self.records} | {n for n, _ in self.errors}

    def query(self, name: str, rdtype: str) -> Answer:
        rdtype = rdtype.upper()
        current = normalise(name)
        if not self.strict:
            check_name(name, rdtype)
        for _ in range(MAX_CNAME_CHAIN):
            key = (current, rdtype)
            if key in self.errors:
                raise ERROR_KINDS.get(self.errors[key], ServFail)(name, rdtype)
            if key in self.records:
                return Answer(current, rdtype, tuple(self.records[key]), self.ttls.get(key))
            cname = self.records.get((current, "CNAME"))
            if cname and rdtype != "CNAME":
                current = normalise(cname[0])
                continue
            if self.strict:
                raise NotRecorded(name, rdtype)
            if current in self.names():
                raise NoData(name, rdtype)
            raise NXDomain(name, rdtype)
        raise ServFail(name, rdtype, "CNAME chain is too long (a loop?)")


def replay_resolver(recording: Iterable[Mapping[str, Any]] | str | Path) -> TableResolver:
    """A resolver that gives back exactly what a :class:`RecordingResolver` saw.

    ``recording`` is the list from :meth:`RecordingResolver.to_json` (or a JSON file holding
    it, or a Diagnosis JSON whose ``checks.dns`` holds it).
    """
    where = "the recording"
    if isinstance(recording, str | Path):
        where = str(recording)
        try:
            data = json.loads(Path(recording).read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise ValueError(f"{where}: not JSON ({exc})") from exc
        if isinstance(data, dict):
            data = (data.get("checks") or {}).get("dns") or data.get("dns") or []
        recording = data
    table = TableResolver(strict=True)
    try:
        for entry in recording:
            key = (normalise(str(entry["name"])), str(entry["type"]).upper())
            result = entry.get("result", "answer")
            if result == "answer":
                values = [tuple(v) if isinstance(v, list) else v
                          for v in entry.get("records", [])]
                table.records[key] = values
                table.ttls[key] = entry.get("ttl")
            else:
                table.errors[key] = str(result)
    except (TypeError, KeyError, AttributeError) as exc:
        raise ValueError(
            f"{where}: not a mailcheck DNS recording (a list of name/type/result entries, "
            "or a Diagnosis JSON with checks.dns)"
        ) from exc
    return table


# -- zone files -----------------------------------------------------------------------------
class ZoneResolver:
    """Answers from RFC 1035 zone files; never touches the network.

    Each file is one zone; its origin comes from ``$ORIGIN`` or from the ``origin`` given
    (by default the file name without ``.zone``). Names outside every zone are NXDOMAIN.
    """

    def __init__(self, zones: Iterable[dns.zone.Zone]) -> None:
        self._zones = sorted(zones, key=lambda z: len(z.origin.labels), reverse=True)

    @classmethod
    def from_files(cls, paths: Iterable[str | Path]) -> ZoneResolver:
        zones = []
        for path in paths:
            p = Path(path)
            text = p.read_text(encoding="utf-8")
            origin = None if "$ORIGIN" in text else p.name.removesuffix(".zone")
            zones.append(cls._load(text, origin, str(p)))
        return cls(zones)

    @classmethod
    def from_text(cls, text: str, origin: str | None = None) -> ZoneResolver:
        return cls([cls._load(text, origin, "<text>")])

    @staticmethod
    def _load(text: str, origin: str | None, where: str) -> dns.zone.Zone:
        try:
            return dns.zone.from_text(
                text, origin=origin, relativize=False, check_origin=False
            )
        except dns.exception.DNSException as exc:
            raise ValueError(f"{where}: not a usable zone file: {exc}") from exc

    def query(self, name: str, rdtype: str) -> Answer:
        rdtype = rdtype.upper()
        check_name(name, rdtype)
        try:
            current = dns.name.from_text(name)
            wanted = dns.rdatatype.from_text(rdtype)
        except dns.exception.DNSException as exc:
            raise InvalidName(name, rdtype, str(exc)) from exc
        for _ in range(MAX_CNAME_CHAIN):
            zone = self._zone_for(current)
            if zone is None:
                raise NXDomain(name, rdtype, "outside every zone file given")
            node = zone.get_node(current)
            if node is None:
                if any(n.is_subdomain(current) for n in zone.nodes):
                    raise NoData(name, rdtype)  # an empty non-terminal
                node = self._wildcard(zone, current)
            if node is None:
                raise NXDomain(name, rdtype)
            rds = node.get_rdataset(dns.rdataclass.IN, wanted)
            if rds is not None:
                values = tuple(_rdata_value(rdtype, r) for r in rds)
                return Answer(normalise(current.to_text()), rdtype, values, rds.ttl)
            cname = node.get_rdataset(dns.rdataclass.IN, dns.rdatatype.CNAME)
            if cname is not None and rdtype != "CNAME":
                current = cname[0].target
                continue
            raise NoData(name, rdtype)
        raise ServFail(name, rdtype, "CNAME chain is too long (a loop?)")

    @staticmethod
    def _wildcard(zone: dns.zone.Zone, name: dns.name.Name) -> Any:
        """RFC 4592: the ``*`` node under the closest encloser of ``name``, if there is one."""
        parent = name.parent()
        while parent.is_subdomain(zone.origin):
            star = zone.get_node(dns.name.Name((b"*",) + parent.labels))
            if star is not None:
                return star
            exists = zone.get_node(parent) is not None or any(
                n.is_subdomain(parent) and n != name for n in zone.nodes)
            if exists or parent == zone.origin:
                return None  # the closest encloser has no wildcard
            parent = parent.parent()
        return None

    def _zone_for(self, name: dns.name.Name) -> dns.zone.Zone | None:
        for zone in self._zones:
            if name.is_subdomain(zone.origin):
                return zone
        return None


# -- wrappers -------------------------------------------------------------------------------
class RecordingResolver:
    """Passes queries on and keeps each distinct one (answer or error) in the order asked."""

    def __init__(self, inner: Resolver) -> None:
        self.inner = inner
        self._seen: dict[tuple[str, str], dict[str, Any]] = {}

    def query(self, name: str, rdtype: str) -> Answer:
        key = (normalise(name), rdtype.upper())
        try:
            answer = self.inner.query(name, rdtype)
        except DNSError as err:
            self._seen.setdefault(
                key,
                {"name": key[0], "type": key[1], "result": err.kind, "records": [],
                 "ttl": None, "detail": err.describe()},
            )
            raise
        entry = answer.to_dict()
        entry["name"] = key[0]  # the name asked, so replay finds it (CNAMEs already followed)
        self._seen.setdefault(key, entry)
        return answer

    def to_json(self) -> list[dict[str, Any]]:
        return [dict(e) for e in self._seen.values()]


@dataclass(frozen=True, slots=True)
class Fault:
    """Make queries at ``name`` fail: ``kind`` is "timeout" or "servfail".

    ``types`` limits the fault to those record types; ``spare`` exempts types (they are
    answered normally), which is how the SPF suite's ``TIMEOUT`` items behave.
    """

    name: str
    kind: str = "timeout"
    types: frozenset[str] | None = None
    spare: frozenset[str] = frozenset()


class FaultResolver:
    def __init__(self, inner: Resolver, faults: Iterable[Fault]) -> None:
        self.inner = inner
        self.faults: dict[str, list[Fault]] = {}
        for f in faults:
            self.faults.setdefault(normalise(f.name), []).append(f)

    def faults_list(self) -> list[Fault]:
        return [f for fs in self.faults.values() for f in fs]

    def query(self, name: str, rdtype: str) -> Answer:
        rdtype = rdtype.upper()
        for f in self.faults.get(normalise(name), ()):
            if rdtype in f.spare or (f.types is not None and rdtype not in f.types):
                continue
            raise (Timeout if f.kind == "timeout" else ServFail)(name, rdtype, "injected")
        return self.inner.query(name, rdtype)
