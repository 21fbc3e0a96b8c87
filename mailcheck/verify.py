"""``mailcheck verify``: re-check a received message's SPF, DKIM, DMARC and ARC against DNS.

The message's own headers say what the receiver decided (Authentication-Results from its
trusted authserv-id, Received-SPF, the Received hops). This module recomputes the same
results through the injected resolver, puts them beside the receiver's, explains every
disagreement, and runs the rules over the computed results. Every DNS answer used is
recorded into ``Diagnosis.checks["dns"]`` so the run can be replayed (``--dns-replay``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from .checks.arc import ARCResult, verify_arc
from .checks.dkim import DKIMResult, verify_dkim
from .checks.dmarc import AuthInput, DMARCResult, evaluate_dmarc
from .checks.dns import RecordingResolver, Resolver
from .checks.spf import SPFResult, check_spf
from .diagnosis import diagnose_evidence
from .ingest import InputError, ingest
from .ingest.authentication import alignment_facts, forwarded_without_srs_arc, from_domain
from .ingest.authresults import AuthHeaders, read_auth_headers
from .ingest.received import boundary, received_chain
from .messages import localize
from .model import Diagnosis, Evidence, Line
from .rules import RuleSet

_IP_IN_COMMENT = re.compile(r"(?:sender IP is|designates)\s+([0-9A-Fa-f:.]{3,45})")
#: Facts the receiver's headers set that verify replaces with computed ones.
_AUTH_FACTS = ("auth_spf", "auth_spf_domain", "auth_dkim", "auth_dkim_best", "auth_dkim_domains",
               "dkim_failure", "auth_dmarc", "dmarc_action", "auth_alignment",
               "auth_aligned_pass", "auth_forwarded")


@dataclass(slots=True)
class Envelope:
    """What the receiver saw in the SMTP session, as far as the headers tell."""

    client_ip: str | None = None
    client_ip_from: str | None = None  # which header gave it, in words
    mail_from: str = ""
    mail_from_from: str | None = None
    helo: str | None = None
    from_domain: str | None = None
    receiver: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__slots__}  # type: ignore[attr-defined]


def envelope(headers: list[tuple[str, str]], auth: AuthHeaders) -> Envelope:
    env = Envelope(from_domain=from_domain(headers), receiver=auth.receiver)
    rspf = auth.received_spf[0] if auth.received_spf else {}
    spf = auth.first("spf")
    hops = received_chain(headers)
    edge = boundary(hops)
    if rspf.get("client-ip"):
        env.client_ip, env.client_ip_from = rspf["client-ip"], "Received-SPF client-ip"
    elif spf and spf.comment and _IP_IN_COMMENT.search(spf.comment):
        m = _IP_IN_COMMENT.search(spf.comment)
        assert m is not None
        env.client_ip, env.client_ip_from = m.group(1).rstrip("."), "Authentication-Results (spf)"
    elif edge and edge.from_ip:
        env.client_ip = edge.from_ip
        env.client_ip_from = f"Received hop {edge.number} (the receiver's boundary)"
    return_path = next((v for n, v in headers if n.lower() == "return-path"), None)
    if return_path is not None:
        env.mail_from = return_path.strip().strip("<>").strip()
        env.mail_from_from = "Return-Path"
    elif spf and spf.properties.get("smtp.mailfrom"):
        env.mail_from = spf.properties["smtp.mailfrom"]
        env.mail_from_from = "Authentication-Results"
    elif rspf.get("envelope-from"):
        env.mail_from, env.mail_from_from = rspf["envelope-from"], "Received-SPF"
    env.helo = rspf.get("helo") or (edge.from_host if edge else None)
    return env


@dataclass(slots=True)
class Comparison:
    method: str
    subject: str | None  # the domain (DKIM: d=)
    computed: str | None
    recorded: str | None
    explanation: str

    @property
    def agree(self) -> bool | None:
        if self.computed is None or self.recorded is None:
            return None
        return self.computed == self.recorded

    def to_dict(self) -> dict[str, Any]:
        return {"method": self.method, "subject": self.subject, "computed": self.computed,
                "recorded": self.recorded, "agree": self.agree,
                "explanation": self.explanation}


#: The sentences of the comparison, in English and Japanese. The technical detail inside
#: them (a DKIM reason, a DMARC reason, an SPF problem) stays as the check wrote it.
_SAY: dict[str, dict[str, str]] = {
    "en": {
        "spf_none": "SPF was not recomputed: the headers name no connecting IP",
        "spf_error": "mailcheck could not evaluate SPF now: {problem}",
        "no_record": "the receiver recorded no {method} result",
        "spf_same": "same result for {domain} and {ip}",
        "spf_differs": "the receiver said {recorded}, mailcheck computes {computed} for {ip} "
                       "(IP from {source}): {domain}'s SPF record answers differently now than "
                       "when the message arrived (it changed since), or the receiver checked "
                       "another IP",
        "dkim_none": "the receiver recorded no result for d={domain}; mailcheck: {reason}",
        "same": "same result: {reason}",
        "both_fail": "both say it did not pass (the receiver wrote {recorded}, mailcheck "
                     "{computed}): {reason}",
        "differs": "the receiver said {recorded}, mailcheck computes {computed} ({reason}): {why}",
        "why_body": "the message changed after the receiver checked it (a saved or re-encoded "
                    "copy, or a gateway after the receiver's check)",
        "why_key": "the key was removed or the selector retired since delivery",
        "why_expired": "the signature's x= expiry passed after delivery; the receiver checked "
                       "it in time",
        "why_temp": "mailcheck could not fetch the key now (DNS problem), the receiver could",
        "why_we_pass": "the receiver saw a different message or key (the message was changed "
                       "before it checked, or the key was published since)",
        "why_other": "the key or the message differs from what the receiver had",
        "unsigned": "the message as saved has no signature",
        "dmarc_differs": "it follows from the SPF/DKIM differences above, or the DMARC record "
                         "changed; {reasons}",
        "arc_same": "same result",
    },
    "ja": {
        "spf_none": "SPF は再計算していません: ヘッダーに接続元 IP がありません",
        "spf_error": "mailcheck は現在 SPF を評価できませんでした: {problem}",
        "no_record": "受信側は {method} の結果を記録していません",
        "spf_same": "同じ結果です({domain}、{ip})",
        "spf_differs": "受信側は {recorded}、mailcheck は {ip} について {computed} です"
                       "(IP の出所: {source})。{domain} の SPF レコードが受信時から変わったか、"
                       "受信側が別の IP を確認しました",
        "dkim_none": "受信側は d={domain} の結果を記録していません。mailcheck: {reason}",
        "same": "同じ結果です: {reason}",
        "both_fail": "どちらも合格していません(受信側 {recorded}、mailcheck {computed}): {reason}",
        "differs": "受信側は {recorded}、mailcheck は {computed} です({reason}): {why}",
        "why_body": "受信側の確認後にメッセージが変わりました(保存や再エンコードされたコピー、"
                    "または受信側の確認後のゲートウェイ)",
        "why_key": "配信後に鍵が削除されたか、セレクターが廃止されました",
        "why_expired": "配信後に署名の有効期限(x=)が過ぎました。受信側は期限内に確認しています",
        "why_temp": "mailcheck は現在鍵を取得できません(DNS の問題)。受信側は取得できました",
        "why_we_pass": "受信側は別のメッセージか鍵を見ていました(確認前にメッセージが変わった、"
                       "または鍵がその後公開された)",
        "why_other": "鍵かメッセージが受信側の時点と異なります",
        "unsigned": "保存されたメッセージには署名がありません",
        "dmarc_differs": "上の SPF/DKIM の違いによるものか、DMARC レコードが変わりました。"
                         "{reasons}",
        "arc_same": "同じ結果です",
    },
}


def _explain_spf(spf: SPFResult | None, recorded: str | None, env: Envelope,
                 say: dict[str, str]) -> str:
    if spf is None:
        return say["spf_none"]
    if spf.result in ("temperror", "permerror"):
        problem = localize(spf.problem, "ja" if say is _SAY["ja"] else "en")
        return say["spf_error"].format(problem=problem)
    if recorded is None:
        return say["no_record"].format(method="SPF")
    if spf.result == recorded:
        return say["spf_same"].format(domain=spf.domain, ip=spf.ip)
    return say["spf_differs"].format(recorded=recorded, computed=spf.result, ip=spf.ip,
                                     source=env.client_ip_from, domain=spf.domain)


def _explain_dkim(sig: DKIMResult, recorded: str | None, say: dict[str, str]) -> str:
    reason = sig.reason_ja if say is _SAY["ja"] and sig.reason_ja else sig.reason
    if recorded is None:
        return say["dkim_none"].format(domain=sig.domain, reason=reason)
    if sig.result == recorded:
        return say["same"].format(reason=reason)
    if "pass" not in (sig.result, recorded):
        return say["both_fail"].format(recorded=recorded, computed=sig.result, reason=reason)
    low = sig.reason.lower()
    if recorded == "pass" and "body changed" in low:
        why = say["why_body"]
    elif recorded == "pass" and "no key" in low:
        why = say["why_key"]
    elif recorded == "pass" and "expired" in low:
        why = say["why_expired"]
    elif recorded == "pass" and sig.result == "temperror":
        why = say["why_temp"]
    elif sig.result == "pass":
        why = say["why_we_pass"]
    else:
        why = say["why_other"]
    return say["differs"].format(recorded=recorded, computed=sig.result, reason=reason,
                                 why=why)


def compare(
    auth: AuthHeaders, env: Envelope, spf: SPFResult | None, dkims: list[DKIMResult],
    dmarc: DMARCResult | None, arc: ARCResult, lang: str = "en",
) -> list[Comparison]:
    """Each computed result beside the receiver's, with the difference explained."""
    say = _SAY.get(lang, _SAY["en"])
    out = []
    rec_spf = auth.first("spf")
    recorded_spf = rec_spf.result if rec_spf else (
        auth.received_spf[0].get("result") if auth.received_spf else None)
    out.append(Comparison("spf", spf.domain if spf else None, spf.result if spf else None,
                          recorded_spf, _explain_spf(spf, recorded_spf, env, say)))
    recorded_dkim = {}
    for r in auth.all("dkim"):
        if r.domain:
            recorded_dkim.setdefault(r.domain, r.result)
    for sig in dkims:
        recorded = recorded_dkim.get((sig.domain or "").lower())
        if recorded is None and len(dkims) == 1 and len(recorded_dkim) == 1:
            recorded = next(iter(recorded_dkim.values()))
        out.append(
            Comparison("dkim", sig.domain, sig.result, recorded,
                       _explain_dkim(sig, recorded, say))
        )
    if not dkims and recorded_dkim:
        for dom, res in recorded_dkim.items():
            out.append(Comparison("dkim", dom, None, res, say["unsigned"]))
    rec_dmarc = auth.first("dmarc")
    if dmarc is not None:
        reasons = dmarc.reasons_ja if lang == "ja" else dmarc.reasons
        recorded = rec_dmarc.result if rec_dmarc else None
        if recorded is None:
            why = say["no_record"].format(method="DMARC")
        elif recorded == dmarc.result:
            why = say["same"].format(reason="; ".join(reasons[-2:]))
        else:
            why = say["differs"].format(
                recorded=recorded, computed=dmarc.result, reason=dmarc.policy or "-",
                why=say["dmarc_differs"].format(reasons="; ".join(reasons)))
        out.append(Comparison("dmarc", dmarc.from_domain, dmarc.result, recorded, why))
    rec_arc = auth.first("arc")
    if arc.cv != "none" or rec_arc:
        recorded = rec_arc.result if rec_arc else None
        why = (say["arc_same"] if recorded == arc.cv else
               say["differs"].format(recorded=recorded, computed=arc.cv, reason=arc.reason,
                                     why=say["why_other"]))
        out.append(Comparison("arc", None, arc.cv, recorded, why))
    return out


def _computed_facts(ev: Evidence, env: Envelope, spf: SPFResult | None,
                    dkims: list[DKIMResult], dmarc: DMARCResult | None,
                    headers: list[tuple[str, str]], has_arc: bool) -> None:
    recorded = {k: ev.facts.pop(k) for k in _AUTH_FACTS if k in ev.facts}
    for key, value in recorded.items():
        ev.facts[f"recorded_{key}"] = value
    facts = ev.facts
    if spf is not None:
        facts["auth_spf"] = spf.result
        facts["auth_spf_domain"] = spf.domain
    if dkims:
        facts["auth_dkim"] = [d.result for d in dkims]
        facts["auth_dkim_domains"] = [d.domain or "" for d in dkims]
        passed = [d for d in dkims if d.result == "pass"]
        facts["auth_dkim_best"] = "pass" if passed else dkims[0].result
        if not passed:
            low = dkims[0].reason.lower()
            facts["dkim_failure"] = ("body-hash" if "body changed" in low else
                                     "key" if "key" in low else
                                     "expired" if "expired" in low else "signature")
    if dmarc is not None:
        facts["auth_dmarc"] = dmarc.result
        if dmarc.result == "fail" and dmarc.policy:
            facts["dmarc_action"] = dmarc.policy
    frm = env.from_domain
    if frm:
        passing = [spf.domain] if spf is not None and spf.result == "pass" else []
        passing += [d.domain for d in dkims if d.result == "pass" and d.domain]
        facts.update(alignment_facts(frm, passing, dmarc is None or dmarc.result == "pass"))
    if spf is not None and forwarded_without_srs_arc(
            headers, spf.result, env.mail_from, has_arc):
        facts["auth_forwarded"] = "yes"
    if any(x == "temperror" for x in
           [spf.result if spf else None, dmarc.result if dmarc else None,
            *[d.result for d in dkims]]):
        facts["auth_temperror"] = "yes"


def _verify_lines(ev: Evidence, spf: SPFResult | None, dkims: list[DKIMResult],
                  dmarc: DMARCResult | None, arc: ARCResult) -> None:
    """The computed results as input lines, so findings can cite them like header lines."""
    texts = []
    if spf is not None:
        detail = spf.problem or (f"{spf.mechanism!r} matched" if spf.mechanism else "no match")
        texts.append(f"mailcheck verify: spf={spf.result} smtp.mailfrom={spf.domain} "
                     f"client-ip={spf.ip} ({detail}; {spf.lookups} DNS lookups)")
    for d in dkims:
        texts.append(f"mailcheck verify: dkim={d.result} header.d={d.domain} "
                     f"header.s={d.selector} ({d.reason})")
    if dmarc is not None:
        texts.append(f"mailcheck verify: dmarc={dmarc.result} header.from={dmarc.from_domain} "
                     f"(policy {dmarc.policy_source or '-'}={dmarc.policy or '-'}; "
                     f"{dmarc.reasons[-1] if dmarc.reasons else ''})")
    if arc.cv != "none":
        texts.append(f"mailcheck verify: arc={arc.cv} ({arc.reason})")
    for text in texts:
        ev.lines.append(Line("verify", len(ev.lines) + 1, text))
    ev.invalidate_haystack()  # the searchable text changed
    ev._starts = None


def verify_message(
    raw: bytes,
    resolver: Resolver,
    *,
    now: float | None = None,
    source: str = "-",
    lang: str = "en",
    rules: RuleSet | None = None,
    receiver: str | None = None,
    client_ip: str | None = None,
    mail_from: str | None = None,
    helo: str | None = None,
) -> Diagnosis:
    """Recompute authentication for ``raw`` and diagnose the result (never raises on input).

    ``client_ip``, ``mail_from`` and ``helo`` override what the headers say about the SMTP
    session, e.g. to check a copy from the Sent folder (it has no receiver's headers) as if
    it left from a given server.
    """
    if raw.startswith(b"From "):  # an mbox separator line is not part of the message
        raw = raw.split(b"\n", 1)[1] if b"\n" in raw else b""
    try:
        ev = ingest(raw, source)
    except InputError as exc:
        return Diagnosis(source=source, kind="unknown", error=str(exc), lang=lang)
    headers = [(h.name, h.value) for h in ev.headers]
    auth = read_auth_headers(headers, receiver)
    env = envelope(headers, auth)
    if client_ip:
        env.client_ip, env.client_ip_from = client_ip.strip(), "--ip"
    if mail_from is not None:
        env.mail_from, env.mail_from_from = mail_from.strip().strip("<>"), "--mail-from"
    if helo:
        env.helo = helo
    rec = RecordingResolver(resolver)
    notes = []
    spf = None
    if env.client_ip:
        spf = check_spf(env.client_ip, env.mail_from, env.helo, rec, now=now)
    else:
        notes.append("SPF not recomputed: no connecting IP in Received-SPF, "
                     "Authentication-Results or the Received hops (give one with --ip)")
    dkims = verify_dkim(raw, rec, now=now)
    arc = verify_arc(raw, rec, now=now)
    dmarc = None
    if env.from_domain:
        spf_input = AuthInput(spf.result, spf.domain) if spf is not None else None
        dmarc = evaluate_dmarc(env.from_domain, spf_input,
                               [AuthInput(d.result, d.domain) for d in dkims], rec)
    else:
        notes.append("DMARC not computed: the message has no From address")
    comparisons = compare(auth, env, spf, dkims, dmarc, arc, lang)
    _computed_facts(ev, env, spf, dkims, dmarc, headers, bool(auth.arc_instances))
    _verify_lines(ev, spf, dkims, dmarc, arc)
    diag = diagnose_evidence(ev, lang=lang, rules=rules)
    diag.notes.extend(notes)
    diag.checks.update({  # beside the header reading diagnose already put there
        "envelope": env.to_dict(),
        "spf": spf.to_dict() if spf else None,
        "dkim": [d.to_dict() for d in dkims],
        "dmarc": dmarc.to_dict() if dmarc else None,
        "arc": arc.to_dict(),
        "comparison": [c.to_dict() for c in comparisons],
        "dns": rec.to_json(),
    })
    return diag
