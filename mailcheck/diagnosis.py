"""The pipeline: ingest -> rules -> Diagnosis. Pure: no network, no clock.

``diagnose()`` is the library's front door; the CLI, the batch runner and the tests all
go through it, so every input is treated the same way.
"""

from __future__ import annotations

from functools import lru_cache

from . import identities, reasons, status, textscan
from .ingest import InputError, ingest
from .ingest.authentication import header_checks
from .model import (
    Diagnosis,
    Evidence,
    Finding,
    FixStep,
    Line,
    RecipientEvidence,
    RecipientResult,
    Reply,
)
from .rules import RuleSet, finding_from

GENERIC_CONFIDENCE = 0.3


@lru_cache(maxsize=1)
def default_rules() -> RuleSet:
    return RuleSet.load()


def diagnose(data: bytes | str, *, lang: str = "en", source: str = "-",
             rules: RuleSet | None = None) -> Diagnosis:
    """Analyse one input (a bounce, pasted NDR, dialog text, sign-in log, headers).

    Never raises on bad input: an unreadable input gives a Diagnosis with ``error`` set.
    """
    ruleset = rules or default_rules()
    try:
        ev = ingest(data, source)
    except InputError as e:
        return Diagnosis(source=source, kind="unknown", error=str(e), lang=lang)
    return diagnose_evidence(ev, lang=lang, rules=ruleset)


def diagnose_evidence(ev: Evidence, *, lang: str = "en", rules: RuleSet | None = None) -> Diagnosis:
    """Rules over already-ingested evidence (the probe and verify build their own)."""
    ruleset = rules or default_rules()
    # (positional, in Diagnosis's field order: source, kind, recipients, findings, systems,
    # error, lang, notes, evidence, checks, redacted; header_checks gives a new dict: the
    # hops, auth results and provider verdicts, issue 4)
    diag = Diagnosis(ev.source, ev.kind, [], [], list(ev.systems), None, lang, list(ev.notes),
                     ev, header_checks(ev), False)
    findings: dict[str, Finding] = {}
    present = ev.present_literals()
    for rule, alt, lines in ruleset.match_with(ev, present, ev.statuses(), ev.reply_codes()):
        findings[rule.id] = finding_from(rule, alt, lines, lang)
    # (what a recipient's text is asked about: the rules' literals, see _recipient_evidence)
    wanted = present.intersection(ruleset.literals) if ev.recipients else None

    for rec in ev.recipients:
        rule_id = None
        rule_reason = None
        if not rec.reason_hint:
            sub, present = _recipient_evidence(ev, rec, wanted)
            # (a recipient's hits decide its reason and rule; the lines are not wanted)
            hits = [h for h in ruleset.match_with(
                sub, present, {rec.status} if rec.status else set(),
                {rec.reply_code} if rec.reply_code else set(), cite=False)
                if h[0].severity != "info"]
            hits = reasons.agreeing_hits(rec, hits)
            if hits:
                rule, alt, _ = hits[0]
                rule_id, rule_reason = rule.id, rule.reason
                if rule.id not in findings:
                    findings[rule.id] = finding_from(rule, alt, rec.lines[:1], lang)
                for r, _, _ in hits:
                    if r.id in findings and rec.recipient:
                        f = findings[r.id]
                        if rec.recipient not in f.recipients:
                            f.recipients.append(rec.recipient)
        reason = reasons.classify(rec, rule_reason)
        if rule_id is None and reason in REASON_RULES and rec.action not in ("delivered",
                                                                               "delayed"):
            rule_id = _finding_for_reason(ruleset, findings, reason, rec, lang)
        diag.recipients.append(RecipientResult(  # (positional, in the field order)
            rec.recipient, rec.action, rec.status, rec.reply_code, rec.diagnostic,
            rec.remote_mta, reason, reasons.is_hard(reason, rec), rule_id, rec.feedback_type))

    ranked = list(findings.values())
    if len(ranked) > 1:
        ranked.sort(key=lambda f: (not f.recipients, -f.score[0], -f.score[1]))
    for f in ranked:
        if f.severity != "info":
            break
    else:
        ranked.extend(_generic_findings(ev, diag, lang))
    diag.findings = ranked
    identities.fill_findings(diag, ev)
    return diag


#: When no rule matched a recipient but its reason is clear (a format's own verdict, a
#: phrase), the rule that explains that reason in general. Only reasons with one usual
#: cause and fix are listed; the finding says it was inferred (lower confidence).
REASON_RULES = {
    "userunknown": "recipient-unknown",
    "mailboxfull": "mailbox-full",
    "hostunknown": "recipient-domain-not-found",
    "notaccept": "recipient-domain-not-found",
    "mesgtoobig": "message-too-large",
    "expired": "destination-unreachable",
    "spamdetected": "spam-content-rejected",
}
INFERRED_CONFIDENCE = 0.5


def _finding_for_reason(ruleset: RuleSet, findings: dict[str, Finding], reason: str,
                        rec: RecipientEvidence, lang: str) -> str | None:
    rule = ruleset.get(REASON_RULES[reason])
    if rule is None:
        return None
    f = findings.get(rule.id)
    if f is None:
        f = findings[rule.id] = finding_from(rule, None, rec.lines[:1], lang,
                                             min(rule.confidence, INFERRED_CONFIDENCE))
    if rec.recipient and rec.recipient not in f.recipients:
        f.recipients.append(rec.recipient)
    return rule.id


def _recipient_evidence(ev: Evidence, rec: RecipientEvidence,
                        wanted: frozenset[str] | None = None,
                        ) -> tuple[Evidence, frozenset[str]]:
    """The evidence one recipient's rules are matched against (its own lines, the server's
    reply), and which of the rules' literals occur in its text (see RuleSet.match_with).
    Its statuses and reply codes are the recipient's.

    ``wanted``: the rules' literals that occur in ``ev`` (``ev.present_literals()`` and
    the rule set's ``literals``); only those of ``ev``'s literals are then looked for in
    the recipient's lines (a message holds several times as many of the other literals,
    which no rule asks about), and when it holds none, its lines are not looked at."""
    lines = list(rec.lines)
    hay = "\n".join([ln.text for ln in lines])  # the sub-evidence's haystack, unless...
    diagnostic = rec.diagnostic
    # (a text without a newline is in one of the lines exactly when it is in their join)
    if diagnostic and (diagnostic not in hay if "\n" not in diagnostic
                       else not any(diagnostic in ln.text for ln in lines)):
        number = lines[0].number if lines else 0
        lines.insert(0, Line("diagnostic", number, diagnostic))
        hay = None  # ...the diagnostic is added in front
    # (the sub-evidence only lives through one match, which reads ``systems``: no copy)
    sub = _RecipientText(ev, lines, hay, Reply(rec.reply_code, rec.status,
                                               rec.diagnostic or "", lines[0] if lines else None))
    # (its lines are mostly ev's: ev's scan answers for them, see Evidence.present_literals)
    if wanted is None:
        return sub, sub.present_literals()
    scanner = textscan.shared()
    if scanner.spans_lines:  # (see Evidence._present_within)
        return sub, sub.present_literals()
    return sub, sub._present_within(ev, scanner, wanted)


class _RecipientText(Evidence):
    """``Evidence(source=ev.source, kind=ev.kind, lines=lines, systems=ev.systems,
    replies=[reply])`` with ``hay`` as its haystack when given: what one recipient's rules
    are matched against. Made with every field set directly (the dataclass's own
    __init__ costs three times as much with its twenty fields)."""

    __slots__ = ()

    def __init__(self, ev: Evidence, lines: list[Line], hay: str | None, reply: Reply) -> None:
        self.source = ev.source
        self.kind = ev.kind
        self.lines = lines
        self.replies = [reply]
        self.recipients = []
        self.headers = []
        self.systems = ev.systems
        self.facts = {}
        self.fact_lines = {}
        self.formats = []
        self.notes = []
        self._haystack = hay
        self._lower = self._starts = self._header_index = self._scan = self._body = None
        self._header_count = -1
        self._outer = ev  # its lines are mostly ev's: see Evidence.present_literals


def _generic_findings(ev: Evidence, diag: Diagnosis, lang: str) -> list[Finding]:
    """One generic finding per distinct failure code, from the RFC 3463 / 5321 tables."""
    out: dict[str, Finding] = {}
    candidates: list[tuple[str | None, str | None, Line | None, str | None, str | None]] = []
    for rec, res in zip(ev.recipients, diag.recipients, strict=False):
        if res.reason in ("delivered", "feedback", "vacation"):
            continue
        candidates.append((rec.status, rec.reply_code, _diagnostic_line(rec), rec.recipient,
                           res.reason))
    if not candidates:
        for rep in ev.replies:
            if (rep.status or rep.code or "2")[0] in "45":
                candidates.append((rep.status, rep.code, rep.line, None, None))
    for st, code, line, rcpt, reason in candidates:
        key = st or (f"reply-{code}" if code else None)
        if not key:
            continue
        if key in out:
            if rcpt and rcpt not in out[key].recipients:
                out[key].recipients.append(rcpt)
            continue
        f = _generic_finding(st, code, line, lang)
        if f:
            if reason and reason not in ("onhold", "undefined"):
                f.reason = reason
            if rcpt:
                f.recipients.append(rcpt)
            out[key] = f
    return list(out.values())


def _diagnostic_line(rec: RecipientEvidence) -> Line | None:
    """The line a person would point at: the server's reply, else the status, else any."""
    for needle in (rec.diagnostic[:40] if rec.diagnostic else None, rec.status):
        if needle:
            for ln in rec.lines:
                if needle in ln.text:
                    return ln
    return rec.lines[0] if rec.lines else None


_GENERIC_TEXT = {
    "en": {
        "title": "{code}: {meaning} (generic meaning, no specific rule matched)",
        "confirm": "Send a new test message after the change and check that no new bounce arrives.",
        "cause": "{klass}. {subject}: {meaning}.",
    },
    "ja": {
        "title": "{code}: {meaning}(一般的な意味。特定のルールには該当しません)",
        "confirm": "変更後にテストメッセージを送り、"
                   "新たなエラーが返ってこないことを確認してください。",
        "cause": "{klass}。{subject}: {meaning}。",
    },
}


def _generic_finding(st: str | None, code: str | None, line: Line | None,
                     lang: str) -> Finding | None:
    words = _GENERIC_TEXT.get(lang, _GENERIC_TEXT["en"])
    if st:
        info = status.status_info(st)
        sub = status.subject_info(st)
        klass = status.class_info(st)
        if not (info or sub):
            return None
        # (status.meaning(st, code, lang) from the entries at hand: the code's own, else its
        # subject's)
        mean = status.text_in(info or sub, lang) or ""
        fixes = (sub or {}).get("fix_ja" if lang == "ja" else "fix") or (sub or {}).get("fix", [])
        reason = (info or {}).get("reason", "undefined")
        label = st
    else:
        info = status.reply_info(code or "")
        if not info:
            return None
        klass = status.class_info(code or "")
        sub = None
        mean = status.text_in(info, lang)
        fixes = []
        reason = info["reason"]
        label = code or ""
    cause = words["cause"].format(
        klass=(klass or {}).get(lang) or (klass or {}).get("en", ""),
        subject=((sub or {}).get(lang) or (sub or {}).get("en", "")) if sub else label,
        meaning=mean)
    return Finding(
        rule=f"generic-{label}", title=words["title"].format(code=label, meaning=mean),
        reason=reason, confidence=GENERIC_CONFIDENCE, cause=cause,
        evidence=[line] if line else [], fix=[FixStep(t) for t in fixes], tradeoff=None,
        confirm=[words["confirm"]], references=["https://www.rfc-editor.org/rfc/rfc3463",
                                                "https://www.iana.org/assignments/smtp-enhanced-status-codes"],
        severity="error" if label[:1] == "5" else "warning", generic=True, pack="rfc3463",
        score=(0, GENERIC_CONFIDENCE))
