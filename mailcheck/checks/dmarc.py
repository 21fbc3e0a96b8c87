"""DMARC (RFC 7489, with RFC 9091's np=): policy discovery, alignment, the result.

The SPF and DKIM results come from the caller (computed by mailcheck, or read from the
receiver's Authentication-Results), so the same function explains both what mailcheck
computes and what the receiver decided.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from mailcheck.checks.dns import DNSError, Resolver, is_void
from mailcheck.checks.orgdomain import aligned, organizational_domain

POLICIES = ("none", "quarantine", "reject")
#: What the receiver applies to the messages outside pct= (RFC 7489 6.6.4).
_LOWER = {"reject": "quarantine", "quarantine": "none", "none": "none"}


@dataclass(slots=True)
class DMARCRecord:
    text: str
    p: str | None
    sp: str | None = None
    np: str | None = None
    pct: int = 100
    adkim: str = "r"
    aspf: str = "r"
    rua: list[str] = field(default_factory=list)
    ruf: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__slots__}  # type: ignore[attr-defined]


def parse_record(text: str) -> DMARCRecord | None:
    """The record's tags, or None when ``text`` is not a DMARC record at all."""
    parts = [p.strip() for p in text.split(";")]
    if not parts or parts[0].replace(" ", "") != "v=DMARC1":
        return None
    tags: dict[str, str] = {}
    for part in parts[1:]:
        if not part:
            continue
        key, eq, value = part.partition("=")
        if eq:
            tags.setdefault(key.strip().lower(), value.strip())
    rec = DMARCRecord(text=text, p=None)
    for name in ("p", "sp", "np"):
        value = tags.get(name, "").lower()
        if value in POLICIES:
            setattr(rec, name, value)
        elif name in tags:
            rec.problems.append(f"{name}={tags[name]!r} is not none, quarantine or reject")
    if "p" not in tags:
        rec.problems.append("the record has no p= tag")
    pct = tags.get("pct")
    if pct is not None:
        if pct.isdigit() and 0 <= int(pct) <= 100:
            rec.pct = int(pct)
        else:
            rec.problems.append(f"pct={pct!r} is not a number from 0 to 100 (100 used)")
    for name in ("adkim", "aspf"):
        value = tags.get(name, "r").lower()
        if value in ("r", "s"):
            setattr(rec, name, value)
        else:
            rec.problems.append(f"{name}={tags[name]!r} is not r or s (r used)")
    rec.rua = [u.strip() for u in tags.get("rua", "").split(",") if u.strip()]
    rec.ruf = [u.strip() for u in tags.get("ruf", "").split(",") if u.strip()]
    if rec.p is None and rec.rua:
        rec.p = "none"  # RFC 7489 6.6.3: a bad p= with a valid rua= is read as p=none
    return rec


@dataclass(slots=True)
class AuthInput:
    """One SPF or DKIM result DMARC looks at: the result word and the domain it was for."""

    result: str
    domain: str | None


@dataclass(slots=True)
class DMARCResult:
    result: str  # pass | fail | none | temperror | permerror
    from_domain: str
    org_domain: str
    record: DMARCRecord | None = None
    record_at: str | None = None  # the _dmarc name the record came from
    policy: str | None = None  # the policy that applies to this From domain
    policy_source: str | None = None  # p | sp | np
    disposition: str | None = None  # what a receiver does with a failing message
    spf_aligned: bool = False
    dkim_aligned: bool = False
    reasons: list[str] = field(default_factory=list)
    reasons_ja: list[str] = field(default_factory=list)

    def say(self, en: str, ja: str) -> None:
        self.reasons.append(en)
        self.reasons_ja.append(ja)

    def to_dict(self) -> dict[str, Any]:
        out = {k: getattr(self, k) for k in self.__slots__}  # type: ignore[attr-defined]
        out["record"] = self.record.to_dict() if self.record else None
        return out


def _lookup_record(name: str, resolver: Resolver) -> tuple[list[DMARCRecord], str | None]:
    """(records at ``name``, temperror text or None)."""
    try:
        answer = resolver.query(name, "TXT")
    except DNSError as err:
        if is_void(err):
            return [], None
        return [], err.describe()
    records = [r for r in (parse_record(t) for t in answer.txt_strings()) if r is not None]
    return records, None


def discover(
    from_domain: str, resolver: Resolver
) -> tuple[DMARCRecord | None, str | None, str | None, list[tuple[str, str]]]:
    """RFC 7489 6.6.3: (record, where found, temperror text, notes in English and Japanese)."""
    from_domain = from_domain.rstrip(".").lower()
    org = organizational_domain(from_domain)
    notes: list[tuple[str, str]] = []
    names = [f"_dmarc.{from_domain}"]
    if org != from_domain:
        names.append(f"_dmarc.{org}")
    for name in names:
        records, temp = _lookup_record(name, resolver)
        if temp:
            return None, name, temp, notes
        if len(records) > 1:
            notes.append((f"{name} holds {len(records)} DMARC records; DMARC is not applied",
                          f"{name} に DMARC レコードが {len(records)} 個あるため "
                          "DMARC は適用されません"))
            return None, name, None, notes
        if records:
            return records[0], name, None, notes
        notes.append((f"no DMARC record at {name}", f"{name} に DMARC レコードはありません"))
    return None, None, None, notes


def _nonexistent(domain: str, resolver: Resolver) -> bool:
    """RFC 9091: a domain with NXDOMAIN for A, AAAA and MX does not exist."""
    from mailcheck.checks.dns import NXDomain

    for rdtype in ("A", "AAAA", "MX"):
        try:
            resolver.query(domain, rdtype)
            return False
        except NXDomain:
            continue
        except DNSError:
            return False
    return True


def evaluate_dmarc(
    from_domain: str,
    spf: AuthInput | None,
    dkim: Sequence[AuthInput],
    resolver: Resolver,
) -> DMARCResult:
    """DMARC for a message whose RFC5322.From domain is ``from_domain``."""
    from_domain = from_domain.strip().rstrip(".").lower()
    org = organizational_domain(from_domain)
    out = DMARCResult("none", from_domain, org)
    record, where, temp, notes = discover(from_domain, resolver)
    for note in notes:
        out.say(*note)
    out.record, out.record_at = record, where
    if temp:
        out.result = "temperror"
        out.say(f"the DMARC record could not be fetched: {temp}",
                f"DMARC レコードを取得できませんでした: {temp}")
        return out
    if record is None:
        out.say(f"{from_domain} publishes no DMARC policy: DMARC result none",
                f"{from_domain} は DMARC ポリシーを公開していません: DMARC の結果は none")
        return out
    for problem in record.problems:
        out.say(f"record problem: {problem}", f"レコードの問題: {problem}")
    if record.p is None:
        out.result = "permerror"
        out.say(f"the DMARC record at {where} has no usable p= policy",
                f"{where} の DMARC レコードに有効な p= ポリシーがありません")
        return out

    # which policy applies to this From domain
    if where == f"_dmarc.{from_domain}":
        out.policy, out.policy_source = record.p, "p"
    elif record.np and _nonexistent(from_domain, resolver):
        out.policy, out.policy_source = record.np, "np"
    elif record.sp:
        out.policy, out.policy_source = record.sp, "sp"
    else:
        out.policy, out.policy_source = record.p, "p"

    # alignment
    mode = {"s": ("strict", "厳密"), "r": ("relaxed", "緩和")}
    if spf is not None and spf.result == "pass":
        out.spf_aligned = aligned(spf.domain, from_domain, record.aspf)
        en, ja = mode[record.aspf]
        out.say(f"SPF passed for {spf.domain}: "
                + ("aligned" if out.spf_aligned else "NOT aligned")
                + f" with {from_domain} ({en} alignment)",
                f"SPF は {spf.domain} で合格: {from_domain} と"
                + ("一致" if out.spf_aligned else "不一致") + f"({ja}アライメント)")
    elif spf is not None:
        out.say(f"SPF did not pass ({spf.result} for {spf.domain or '?'})",
                f"SPF は不合格({spf.domain or '?'} で {spf.result})")
    for sig in dkim:
        if sig.result != "pass":
            out.say(f"DKIM d={sig.domain or '?'} did not pass ({sig.result})",
                    f"DKIM d={sig.domain or '?'} は不合格({sig.result})")
            continue
        ok = aligned(sig.domain, from_domain, record.adkim)
        out.dkim_aligned = out.dkim_aligned or ok
        en, ja = mode[record.adkim]
        out.say(f"DKIM passed for d={sig.domain}: " + ("aligned" if ok else "NOT aligned")
                + f" with {from_domain} ({en} alignment)",
                f"DKIM は d={sig.domain} で合格: {from_domain} と"
                + ("一致" if ok else "不一致") + f"({ja}アライメント)")
    if not dkim:
        out.say("the message carries no DKIM signature", "メッセージに DKIM 署名がありません")

    if out.spf_aligned or out.dkim_aligned:
        out.result = "pass"
        out.disposition = "deliver"
        return out
    inputs = ([spf] if spf is not None else []) + list(dkim)
    if any(i.result == "temperror" for i in inputs):
        out.result = "temperror"
        out.say("no aligned pass, and an SPF or DKIM check failed temporarily: "
                "DMARC cannot be decided until it is retried",
                "一致した合格がなく、SPF か DKIM が一時的に失敗しました: "
                "再試行するまで DMARC は決まりません")
        return out
    out.result = "fail"
    if record.pct >= 100 or out.policy == "none":
        out.disposition = out.policy
    else:
        out.disposition = (
            f"{out.policy} for {record.pct}% of failing messages, "
            f"{_LOWER[out.policy]} for the rest (pct={record.pct})"
        )
    pct = "" if record.pct >= 100 else f", pct={record.pct}"
    out.say(f"neither SPF nor DKIM passed aligned with {from_domain}: DMARC fails and the "
            f"domain asks receivers to {out.policy} ({out.policy_source}={out.policy}{pct})",
            f"SPF も DKIM も {from_domain} と一致して合格していません: DMARC は不合格で、"
            f"ドメインは受信側に {out.policy} を求めています"
            f"({out.policy_source}={out.policy}{pct})")
    return out
