"""RFC 7208 SPF: check_host() on the injected resolver, with a trace a human can follow.

``check_spf(ip, sender, helo, resolver)`` answers one SPF question and returns an
:class:`SPFResult`: the result word, the explanation (``exp=``) for a fail, which record and
which term decided it, how many DNS-querying terms and void lookups were spent, and where a
permerror or temperror came from. The trace lists each step in words, indented by include /
redirect depth.
"""

from __future__ import annotations

import ipaddress
import re
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from mailcheck.checks.dns import Answer, DNSError, InvalidName, Resolver, is_void
from mailcheck.messages import Message, msg

RESULTS = ("pass", "fail", "softfail", "neutral", "none", "permerror", "temperror")
QUALIFIERS = {"+": "pass", "-": "fail", "~": "softfail", "?": "neutral"}
MECHANISMS = ("all", "include", "a", "mx", "ptr", "ip4", "ip6", "exists")
#: RFC 7208 4.6.4: at most 10 terms that query DNS, at most 2 void lookups.
LOOKUP_LIMIT = 10
VOID_LIMIT = 2
#: RFC 7208 4.6.4: at most 10 MX names / PTR names looked up per mechanism.
NAME_LIMIT = 10
DEFAULT_EXPLANATION = "The domain's SPF policy does not authorise {ip} to send mail for {domain}."

_TERM = re.compile(r"([-+~?]?)([A-Za-z][A-Za-z0-9_.\-]*)(.*)", re.DOTALL)
_MACRO_BODY = re.compile(r"([A-Za-z])([0-9]*)([rR]?)([.\-+,/_=]*)")
_CIDR6_TAIL = re.compile(r"//([0-9]+)\Z")
_CIDR_TAIL = re.compile(r"/([0-9]+)\Z")
_SPF_LETTERS = set("slodiphv")
_EXP_LETTERS = _SPF_LETTERS | set("crt")


class PermError(Exception):
    """The policy itself is broken (syntax, limits): RFC 7208 permerror."""


def _reason(err: Exception) -> str:
    """What a PermError says: its Message (so reports can localize it), else its text."""
    return err.args[0] if err.args and isinstance(err.args[0], Message) else str(err)


class TempError(Exception):
    """A DNS failure that may clear up later: RFC 7208 temperror."""


@dataclass(slots=True)
class SPFResult:
    result: str
    ip: str
    sender: str
    helo: str | None
    domain: str
    explanation: str | None = None
    record: str | None = None  # the top-level record evaluated
    mechanism: str | None = None  # the term that decided the result
    problem: str | None = None  # where a permerror / temperror came from, in words
    lookups: int = 0
    void_lookups: int = 0
    trace: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "result": self.result,
            "ip": self.ip,
            "sender": self.sender,
            "helo": self.helo,
            "domain": self.domain,
            "explanation": self.explanation,
            "record": self.record,
            "mechanism": self.mechanism,
            "problem": self.problem,
            "lookups": self.lookups,
            "void_lookups": self.void_lookups,
            "trace": list(self.trace),
        }


# -- small syntax helpers -------------------------------------------------------------------
def _ascii_alnum(c: str) -> bool:
    return c.isascii() and c.isalnum()


def _is_toplabel(label: str) -> bool:
    """toplabel = ( *alphanum ALPHA *alphanum ) / ( 1*alphanum "-" *( alphanum / "-" ) alphanum )"""
    if not label or not label.isascii():
        return False
    if all(_ascii_alnum(c) for c in label):
        return any(c.isalpha() for c in label)
    return (
        _ascii_alnum(label[0])
        and _ascii_alnum(label[-1])
        and all(_ascii_alnum(c) or c == "-" for c in label)
    )


def valid_domain(domain: str) -> bool:
    """RFC 7208 4.3: a multi-label name whose labels are 1..63 octets (253 in all)."""
    if domain.endswith("."):
        domain = domain[:-1]
    if not domain or len(domain) > 253 or "." not in domain:
        return False
    for label in domain.split("."):
        if not label or len(label) > 63:
            return False
        if any(c in "[]@ " or ord(c) < 0x21 or ord(c) > 0x7E for c in label):
            return False
    return True


def _tokens(text: str, letters: set[str], allow_space: bool) -> list[tuple[str, str]]:
    """Split a macro-string into ("lit", text) and ("macro", body) tokens; PermError if bad."""
    out: list[tuple[str, str]] = []
    lit: list[str] = []
    pos = 0
    while pos < len(text):
        c = text[pos]
        if c == "%":
            nxt = text[pos + 1 : pos + 2]
            if nxt in ("%", "_", "-"):
                if lit:
                    out.append(("lit", "".join(lit)))
                    lit = []
                out.append(("esc", nxt))
                pos += 2
                continue
            if nxt != "{":
                raise PermError(msg("spf.err.percent", text=text))
            end = text.find("}", pos)
            if end < 0:
                raise PermError(msg("spf.err.unterminated_macro", text=text))
            body = text[pos + 2 : end]
            m = _MACRO_BODY.fullmatch(body)
            if not m or m.group(1).lower() not in letters:
                raise PermError(msg("spf.err.invalid_macro", body=body, text=text))
            if m.group(2) and int(m.group(2)) == 0:
                raise PermError(msg("spf.err.zero_labels", body=body))
            if lit:
                out.append(("lit", "".join(lit)))
                lit = []
            out.append(("macro", body))
            pos = end + 1
            continue
        if not (0x21 <= ord(c) <= 0x7E or (allow_space and c == " ")):
            raise PermError(msg("spf.err.character", char=c, text=text))
        lit.append(c)
        pos += 1
    if lit:
        out.append(("lit", "".join(lit)))
    return out


def check_domain_spec(spec: str) -> None:
    """domain-spec = macro-string domain-end (RFC 7208 7.1); PermError when it is not."""
    if not spec:
        raise PermError(msg("spf.err.empty_domain_spec"))
    tokens = _tokens(spec, _SPF_LETTERS, allow_space=False)
    if tokens[-1][0] == "lit" and tokens[-1][1].endswith("."):
        tail = tokens[-1][1][:-1]
        tokens = tokens[:-1] + ([("lit", tail)] if tail else [])
    if not tokens:
        raise PermError(msg("spf.err.no_domain", spec=spec))
    kind, text = tokens[-1]
    if kind != "lit":
        return  # ends in a macro-expand
    if "." not in text or not _is_toplabel(text.rsplit(".", 1)[1]):
        raise PermError(msg("spf.err.toplabel", spec=spec))


# -- parsed terms ---------------------------------------------------------------------------
@dataclass(slots=True)
class _Mechanism:
    text: str
    qualifier: str
    name: str
    domain_spec: str | None = None
    cidr4: int | None = None
    cidr6: int | None = None
    network: ipaddress.IPv4Network | ipaddress.IPv6Network | None = None


@dataclass(slots=True)
class _Record:
    text: str
    mechanisms: list[_Mechanism]
    redirect: str | None
    exp: str | None


def _cidr(digits: str, top: int, text: str) -> int:
    if len(digits) > 1 and digits.startswith("0"):
        raise PermError(msg("spf.err.leading_zero", text=text))
    value = int(digits)
    if value > top:
        raise PermError(msg("spf.err.prefix_too_long", value=value, top=top, text=text))
    return value


def _parse_mechanism(text: str, qualifier: str, name: str, rest: str) -> _Mechanism:
    mech = _Mechanism(text, qualifier, name)
    if name == "all":
        if rest:
            raise PermError(msg("spf.err.all_argument", text=text))
        return mech
    if name in ("include", "exists"):
        if not rest.startswith(":") or not rest[1:]:
            raise PermError(msg("spf.err.needs_domain", name=name, text=text))
        check_domain_spec(rest[1:])
        mech.domain_spec = rest[1:]
        return mech
    if name in ("ip4", "ip6"):
        if not rest.startswith(":"):
            raise PermError(msg("spf.err.needs_address", name=name, text=text))
        addr, slash, digits = rest[1:].partition("/")
        top = 32 if name == "ip4" else 128
        try:
            ip = (ipaddress.IPv4Address if name == "ip4" else ipaddress.IPv6Address)(addr)
        except ValueError as exc:
            raise PermError(msg("spf.err.bad_address", addr=addr, version=name[2],
                                text=text)) from exc
        if slash and not (digits.isascii() and digits.isdigit()):
            raise PermError(msg("spf.err.bad_prefix", text=text))
        prefix = _cidr(digits, top, text) if slash else top
        mech.network = ipaddress.ip_network(f"{ip}/{prefix}", strict=False)
        return mech
    # a, mx, ptr: [":" domain-spec] and (a, mx) a dual-cidr-length
    spec = rest
    if name in ("a", "mx"):
        m6 = _CIDR6_TAIL.search(spec)
        if m6:
            mech.cidr6 = _cidr(m6.group(1), 128, text)
            spec = spec[: m6.start()]
        m4 = _CIDR_TAIL.search(spec)
        if m4:
            mech.cidr4 = _cidr(m4.group(1), 32, text)
            spec = spec[: m4.start()]
    if spec:
        if not spec.startswith(":"):
            raise PermError(msg("spf.err.unexpected", spec=spec, name=name, text=text))
        check_domain_spec(spec[1:])
        mech.domain_spec = spec[1:]
    return mech


def parse_record(record: str) -> _Record:
    """Parse a whole record (after ``v=spf1``): any syntax error anywhere is a permerror."""
    if not record.isascii():
        raise PermError(msg("spf.err.non_ascii"))
    mechanisms: list[_Mechanism] = []
    redirect = exp = None
    for term in record[6:].split(" "):
        if not term:
            continue
        m = _TERM.fullmatch(term)
        if not m:
            raise PermError(msg("spf.err.unknown_term", term=term))
        qualifier, name, rest = m.groups()
        if rest.startswith("="):
            if qualifier:
                raise PermError(msg("spf.err.modifier_qualifier", term=term))
            value = rest[1:]
            lname = name.lower()
            if lname in ("redirect", "exp"):
                if (redirect if lname == "redirect" else exp) is not None:
                    raise PermError(msg("spf.err.modifier_twice", name=lname))
                check_domain_spec(value)
                if lname == "redirect":
                    redirect = value
                else:
                    exp = value
            else:
                _tokens(value, _SPF_LETTERS, allow_space=False)  # unknown: syntax only
            continue
        lname = name.lower()
        if lname not in MECHANISMS or (rest and rest[0] not in ":/"):
            raise PermError(msg("spf.err.unknown_mechanism", term=term))
        mechanisms.append(_parse_mechanism(term, qualifier or "+", lname, rest))
    return _Record(record, mechanisms, redirect, exp)


def is_spf_record(text: str) -> bool:
    return text[:6].lower() == "v=spf1" and (len(text) == 6 or text[6] == " ")


# -- the evaluation -------------------------------------------------------------------------
class _Evaluation:
    def __init__(
        self,
        ip: ipaddress.IPv4Address | ipaddress.IPv6Address,
        local: str,
        sender_domain: str,
        helo: str,
        resolver: Resolver,
        receiver: str,
        now: float,
        default_explanation: str,
    ) -> None:
        self.ip = ip
        self.upper_hex = False
        self.local = local
        self.sender_domain = sender_domain
        self.helo = helo
        self.resolver = resolver
        self.receiver = receiver
        self.now = now
        self.default_explanation = default_explanation
        self.lookups = 0
        self.void = 0
        self.trace: list[str] = []
        self.depth = 0
        self._validated: list[str] | None = None

    # -- bookkeeping --------------------------------------------------------------------
    def note(self, text: Message) -> None:
        self.trace.append(text.with_prefix("  " * self.depth) if self.depth else text)

    def count(self, term: str) -> None:
        self.lookups += 1
        if self.lookups > LOOKUP_LIMIT:
            raise PermError(msg("spf.err.too_many_lookups", term=term, n=self.lookups,
                                limit=LOOKUP_LIMIT))

    def lookup(self, name: str, rdtype: str, *, void_counts: bool = True) -> Answer | None:
        """Ask DNS; None for a void answer (counted); TempError for failures."""
        try:
            return self.resolver.query(name, rdtype)
        except InvalidName as err:
            self.note(msg("spf.invalid_name", rdtype=rdtype, name=name, detail=err.detail))
            return None
        except DNSError as err:
            if is_void(err):
                if void_counts:
                    self.void += 1
                    self.note(msg("spf.void_lookup", rdtype=rdtype, name=name, kind=err.kind,
                                  n=self.void))
                    if self.void > VOID_LIMIT:
                        raise PermError(msg("spf.err.too_many_void", limit=VOID_LIMIT,
                                            rdtype=rdtype, name=name)) from err
                else:
                    self.note(msg("spf.lookup_empty", rdtype=rdtype, name=name, kind=err.kind))
                return None
            raise TempError(err.describe()) from err

    # -- macros -------------------------------------------------------------------------
    def _ip_letter(self) -> str:
        if self.ip.version == 4:
            return str(self.ip)
        nibbles = ".".join(self.ip.exploded.replace(":", ""))
        # keep the case the client address was written in (the suite's v-macro-ip6 expects it)
        return nibbles.upper() if self.upper_hex else nibbles

    def macro_value(self, letter: str, domain: str) -> str:
        letter = letter.lower()
        if letter == "s":
            return f"{self.local}@{self.sender_domain}"
        if letter == "l":
            return self.local
        if letter == "o":
            return self.sender_domain
        if letter == "d":
            return domain
        if letter == "i":
            return self._ip_letter()
        if letter == "p":
            return self.validated_name(domain)
        if letter == "v":
            return "in-addr" if self.ip.version == 4 else "ip6"
        if letter == "h":
            return self.helo
        if letter == "c":
            return str(self.ip)
        if letter == "r":
            return self.receiver
        if letter == "t":
            return str(int(self.now))
        raise PermError(msg("spf.err.macro_letter", letter=letter))

    def expand(self, text: str, domain: str, *, explanation: bool = False) -> str:
        letters = _EXP_LETTERS if explanation else _SPF_LETTERS
        out = []
        for kind, body in _tokens(text, letters, allow_space=explanation):
            if kind == "lit":
                out.append(body)
            elif kind == "esc":
                out.append({"%": "%", "_": " ", "-": "%20"}[body])
            else:
                m = _MACRO_BODY.fullmatch(body)
                assert m is not None
                letter, digits, reverse, delims = m.groups()
                value = self.macro_value(letter, domain)
                parts = re.split("[" + re.escape(delims or ".") + "]", value)
                if reverse:
                    parts.reverse()
                if digits:
                    parts = parts[-int(digits) :]
                value = ".".join(parts)
                if letter.isupper():
                    value = quote(value, safe="")
                out.append(value)
        return "".join(out)

    def target(self, spec: str | None, domain: str) -> str:
        if spec is None:
            return domain
        name = self.expand(spec, domain)
        if name.endswith("."):
            name = name[:-1]
        while len(name) > 253 and "." in name:  # RFC 7208 7.3: drop labels from the left
            name = name.split(".", 1)[1]
        return name

    # -- PTR validation (ptr mechanism, %{p}) -------------------------------------------
    def _reverse_name(self) -> str:
        if self.ip.version == 4:
            return ".".join(reversed(str(self.ip).split("."))) + ".in-addr.arpa"
        return ".".join(reversed(self.ip.exploded.replace(":", ""))) + ".ip6.arpa"

    def validated_names(self) -> list[str]:
        if self._validated is not None:
            return self._validated
        names: list[str] = []
        rdtype = "A" if self.ip.version == 4 else "AAAA"
        try:
            ptrs = list(self.resolver.query(self._reverse_name(), "PTR").records)
        except DNSError as err:
            self.note(msg("spf.ptr_failed", name=self._reverse_name(), kind=err.kind))
            ptrs = []
        for name in ptrs[:NAME_LIMIT]:
            try:
                addrs = self.resolver.query(name, rdtype).records
            except DNSError as err:
                self.note(msg("spf.ptr_name_skipped", rdtype=rdtype, name=name, kind=err.kind))
                continue
            if any(_same_ip(a, self.ip) for a in addrs):
                names.append(str(name).lower())
        self.note(msg("spf.validated_names", ip=self.ip, names=", ".join(names) or msg("spf.none")))
        self._validated = names
        return names

    def validated_name(self, domain: str) -> str:
        names = self.validated_names()
        domain = domain.lower()
        for name in names:
            if name == domain:
                return name
        for name in names:
            if name.endswith("." + domain):
                return name
        return names[0] if names else "unknown"

    # -- check_host() -------------------------------------------------------------------
    def check_host(self, domain: str) -> tuple[str, str | None, str | None, str | None]:
        """(result, explanation, deciding term, record) for ``domain``; may raise."""
        if not valid_domain(domain):
            self.note(msg("spf.unusable_domain", domain=domain))
            return "none", None, None, None
        record = self.find_record(domain)
        if record is None:
            return "none", None, None, None
        self.note(msg("spf.record", domain=domain, record=record))
        parsed = parse_record(record)
        for mech in parsed.mechanisms:
            if self.matches(mech, domain):
                result = QUALIFIERS[mech.qualifier]
                self.note(msg("spf.matched", term=mech.text, result=result))
                explanation = None
                if result == "fail":
                    explanation = self.explain(parsed.exp, domain)
                return result, explanation, mech.text, record
        if parsed.redirect is not None:
            self.count("redirect=" + parsed.redirect)
            target = self.target(parsed.redirect, domain)
            self.note(msg("spf.redirect", target=target))
            self.depth += 1
            try:
                result, explanation, term, _ = self.check_host(target)
            finally:
                self.depth -= 1
            if result == "none":
                raise PermError(msg("spf.err.redirect_none", redirect=parsed.redirect,
                                    target=target))
            return result, explanation, term, record
        self.note(msg("spf.neutral"))
        return "neutral", None, None, record

    def find_record(self, domain: str) -> str | None:
        answer = self.lookup(domain, "TXT", void_counts=False)
        if answer is None:
            self.note(msg("spf.no_txt", domain=domain))
            return None
        records = [t for t in answer.txt_strings() if is_spf_record(t)]
        if not records:
            self.note(msg("spf.no_spf_txt", domain=domain))
            return None
        if len(records) > 1:
            raise PermError(msg("spf.err.many_records", domain=domain, n=len(records)))
        return records[0]

    def matches(self, mech: _Mechanism, domain: str) -> bool:
        name = mech.name
        if name == "all":
            return True
        if name in ("ip4", "ip6"):
            assert mech.network is not None
            hit = self.ip.version == mech.network.version and self.ip in mech.network
            self.note(msg("spf.ip_match" if hit else "spf.ip_no_match", term=mech.text, ip=self.ip))
            return hit
        self.count(mech.text)
        target = self.target(mech.domain_spec, domain)
        where = msg("spf.where", term=mech.text, n=self.lookups, limit=LOOKUP_LIMIT)
        if name == "include":
            self.note(msg("spf.include", where=where, target=target))
            self.depth += 1
            try:
                result, _, _, _ = self.check_host(target)
            finally:
                self.depth -= 1
            if result == "none":
                raise PermError(msg("spf.err.include_none", term=mech.text, target=target))
            self.note(msg("spf.include_result", where=where, result=result))
            return result == "pass"
        if name == "exists":
            answer = self.lookup(target, "A")
            self.note(msg("spf.exists" if answer else "spf.not_exists", where=where, target=target))
            return answer is not None and len(answer.records) > 0
        if name == "a":
            return self._addresses_match(where, target, mech)
        if name == "mx":
            answer = self.lookup(target, "MX")
            exchanges = [ex for _, ex in answer.records] if answer else []
            if len(exchanges) > NAME_LIMIT:
                raise PermError(msg("spf.err.too_many_mx", term=mech.text, target=target,
                                    n=len(exchanges), limit=NAME_LIMIT))
            for ex in exchanges:
                if ex and ex != "." and self._addresses_match(where, ex, mech, void_counts=False):
                    return True
            self.note(msg("spf.mx_no_host", where=where, target=target, ip=self.ip))
            return False
        if name == "ptr":
            target = target.lower()
            self.note(msg("spf.ptr_question", where=where, ip=self.ip, target=target))
            names = self.validated_names()
            hit = any(n == target or n.endswith("." + target) for n in names)
            self.note(msg("spf.ptr_match" if hit else "spf.ptr_no_match",
                          where=where, target=target))
            return hit
        raise PermError(msg("spf.err.unknown_mechanism", term=mech.text))

    def _addresses_match(
        self, where: str, host: str, mech: _Mechanism, *, void_counts: bool = True
    ) -> bool:
        rdtype = "A" if self.ip.version == 4 else "AAAA"
        answer = self.lookup(host, rdtype, void_counts=void_counts)
        prefix = mech.cidr4 if self.ip.version == 4 else mech.cidr6
        for value in answer.records if answer else ():
            try:
                addr = ipaddress.ip_address(str(value))
            except ValueError:
                continue
            bits = prefix if prefix is not None else addr.max_prefixlen
            net = ipaddress.ip_network(f"{addr}/{bits}", strict=False)
            if self.ip.version == net.version and self.ip in net:
                self.note(
                    msg(
                        "spf.net_match",
                        where=where,
                        rdtype=rdtype,
                        host=host,
                        network=f"{addr}/{bits}",
                        ip=self.ip,
                    )
                )
                return True
        self.note(msg("spf.net_no_match", where=where, rdtype=rdtype, host=host, ip=self.ip))
        return False

    def explain(self, exp: str | None, domain: str) -> str:
        default = self.default_explanation.format(ip=self.ip, domain=domain)
        if exp is None:
            return default
        try:
            name = self.target(exp, domain)
            answer = self.resolver.query(name, "TXT")
            texts = answer.txt_strings()
            if len(texts) != 1:
                self.note(msg("spf.exp_many", exp=exp, n=len(texts)))
                return default
            if not texts[0].isascii():
                return default
            text = self.expand(texts[0], domain, explanation=True)
            self.note(msg("spf.exp_text", exp=exp, text=text))
            return text
        except (DNSError, PermError) as err:
            self.note(msg("spf.exp_error", exp=exp, error=_reason(err)))
            return default


def _same_ip(value: object, ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    try:
        return ipaddress.ip_address(str(value)) == ip
    except ValueError:
        return False


def check_spf(
    ip: str,
    sender: str,
    helo: str | None,
    resolver: Resolver,
    *,
    receiver: str = "unknown",
    now: float | None = None,
    default_explanation: str = DEFAULT_EXPLANATION,
) -> SPFResult:
    """Evaluate SPF for the MAIL FROM ``sender`` (or ``postmaster@helo`` when it is empty).

    ``default_explanation`` may use ``{ip}`` and ``{domain}``. Never raises for bad input:
    a malformed IP gives ``permerror`` with the reason in ``problem``.
    """
    helo = helo or ""
    identity = sender or (f"postmaster@{helo}" if helo else "")
    local, at, dom = identity.rpartition("@")
    if not at:
        local, dom = "postmaster", identity
    local = local or "postmaster"
    result = SPFResult("none", ip, sender, helo or None, dom)
    try:
        addr = ipaddress.ip_address(ip.strip())
    except ValueError:
        result.result = "permerror"
        result.problem = msg("spf.err.not_an_ip", ip=ip)
        return result
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        addr = addr.ipv4_mapped
    ev = _Evaluation(
        addr, local, dom, helo or "unknown", resolver, receiver,
        time.time() if now is None else now, default_explanation,
    )
    ev.upper_hex = any(c in "ABCDEF" for c in ip) and not any(c in "abcdef" for c in ip)
    try:
        word, explanation, term, record = ev.check_host(dom)
        result.result, result.explanation, result.mechanism, result.record = (
            word, explanation, term, record,
        )
    except PermError as err:
        result.result, result.problem = "permerror", _reason(err)
        ev.note(msg("spf.permerror", error=result.problem))
    except TempError as err:
        result.result, result.problem = "temperror", str(err)
        ev.note(msg("spf.temperror", error=str(err)))
    result.lookups, result.void_lookups, result.trace = ev.lookups, ev.void, ev.trace
    return result
