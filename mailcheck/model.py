"""The objects that flow through the pipeline: Evidence in, Findings out, one Diagnosis.

Everything here is plain data. Ingest builds an :class:`Evidence`, the rule engine turns
it into :class:`Finding` objects, and :class:`Diagnosis` is what every renderer reads.
``Diagnosis.to_dict()`` is the versioned JSON form (``"schema": 1``, see docs/json-schema.md).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from . import textscan

SCHEMA_VERSION = 1

#: Reasons that describe a permanent failure of the address itself (retrying will not help).
HARD_REASONS = frozenset({"userunknown", "hostunknown", "hasmoved"})
#: Reasons that are not delivery failures at all.
NOT_FAILURE_REASONS = frozenset({"delivered", "feedback", "vacation"})


@dataclass(slots=True, unsafe_hash=True)
class Line:
    """One line of the input, with where it came from. Treat as immutable: it is hashed.
    (Not ``frozen``: a frozen dataclass takes three times as long to build, and an input
    has thousands of lines.)"""

    part: str  # e.g. "body", "text/plain", "message/delivery-status", "headers"
    number: int  # 1-based line number within the whole decoded input
    text: str

    def cite(self) -> str:
        return self.text.strip()


@dataclass(slots=True)
class Reply:
    """An SMTP reply seen in the input (multi-line replies already joined)."""

    code: str | None  # "550"
    status: str | None  # enhanced status code "5.7.520"
    text: str  # the whole reply as the server sent it, joined onto one line
    line: Line | None = None


@dataclass(slots=True)
class RecipientEvidence:
    """What the input says about one recipient (RFC 3464 fields or the vendor equivalent)."""

    recipient: str | None = None
    action: str | None = None  # failed | delayed | delivered | relayed | expanded
    status: str | None = None
    reply_code: str | None = None
    diagnostic: str | None = None
    remote_mta: str | None = None
    reporting_mta: str | None = None
    last_attempt: str | None = None
    feedback_type: str | None = None  # ARF reports
    smtp_command: str | None = None  # the command the failing reply answered (RCPT, DATA...)
    reason_hint: str | None = None  # a format parser's own verdict (e.g. "vacation")
    lines: list[Line] = field(default_factory=list)


@dataclass(slots=True)
class Header:
    """One header field of the input, with the line it came from."""

    name: str
    value: str
    line: Line | None = None


@dataclass(slots=True)
class Evidence:
    """Facts extracted from one input, each traceable to the line it came from.

    ``lines`` is the decoded input the rules search; ``systems`` names the mail systems the
    input shows (``exchange-online``, ``gmail``, ``postfix``...), each with the line that
    revealed it; ``facts`` holds small typed observations a format parser made (for example
    ``gmail_state`` for Gmail's "Send mail as" dialog, or ``aadsts`` codes).
    """

    source: str = "-"
    kind: str = "unknown"  # bounce | headers | text | unknown
    lines: list[Line] = field(default_factory=list)
    replies: list[Reply] = field(default_factory=list)
    recipients: list[RecipientEvidence] = field(default_factory=list)
    headers: list[Header] = field(default_factory=list)
    systems: dict[str, Line | None] = field(default_factory=dict)
    facts: dict[str, Any] = field(default_factory=dict)
    fact_lines: dict[str, Line] = field(default_factory=dict)  # where each fact was seen
    formats: list[str] = field(default_factory=list)  # which parsers recognised something
    notes: list[str] = field(default_factory=list)  # e.g. "input truncated at 10 MiB"
    _haystack: str | None = field(default=None, repr=False)
    _lower: str | None = field(default=None, repr=False)
    _starts: list[int] | None = field(default=None, repr=False)  # line_at: each line's offset
    _header_index: dict[str, str] | None = field(default=None, repr=False)
    _scan: tuple[Any, frozenset[str]] | None = field(default=None, repr=False)
    _header_count: int = field(default=-1, repr=False)
    # plaintext.body_lines: (len(lines) then, the body's lines, their lower-cased form)
    _body: tuple[int, list[Line], Any] | None = field(default=None, repr=False)
    #: an input whose lines this one mostly shares (a recipient's view of it): see
    #: present_literals
    _outer: Evidence | None = field(default=None, repr=False)

    # -- the searchable text --------------------------------------------------------------
    def haystack(self) -> str:
        """All lines joined by newlines, built once; rules run their patterns over it."""
        if self._haystack is None:
            self._haystack = "\n".join([ln.text for ln in self.lines])
            self._lower = self._starts = self._scan = None
        return self._haystack

    def haystack_lower(self) -> str:
        """:meth:`haystack` lower-cased (built once; format detectors and rules share it)."""
        hay = self.haystack()
        if self._lower is None:
            if hay.isascii():  # (a flag of the string: no pass over it)
                self._lower = hay.lower()
            else:
                # str.lower takes a fast path only for text that is all ASCII; otherwise
                # it maps every character through the Unicode tables. Lowering line by
                # line keeps that slow path to the lines with other characters, and
                # gives the same text: lower-casing is per character but for a capital
                # sigma, whose form looks only as far as the nearest character neither
                # cased nor case-ignorable, which a newline is.
                self._lower = "\n".join([ln.text.lower() for ln in self.lines])
        return self._lower

    def invalidate_haystack(self) -> None:
        """Call after changing ``lines`` once the haystack was built."""
        self._haystack = self._lower = self._starts = self._scan = self._body = None

    def present_literals(self) -> frozenset[str]:
        """Which literals registered with :mod:`mailcheck.textscan` occur in
        :meth:`haystack_lower` (one pass, cached until new literals are registered)."""
        scan = self._scan
        if scan is not None and scan[0] is textscan._shared:  # (None once literals were added)
            return scan[1]
        scanner = textscan.shared()
        if self._scan is None or self._scan[0] is not scanner:
            outer = self._outer
            if outer is not None and not scanner.spans_lines:
                found = self._present_within(outer, scanner)
            else:
                found = scanner.present(self.haystack_lower())
            self._scan = (scanner, found)
        return self._scan[1]

    def _present_within(self, outer: Evidence, scanner: textscan.LiteralSet,
                        among: frozenset[str] | None = None) -> frozenset[str]:
        """present_literals() of lines that are mostly ``outer``'s own, from its scan.

        No literal holds a newline, so each occurrence lies within one line, and a line
        lower-cases alike alone and among others (see haystack_lower). A line that is one
        of ``outer``'s lines holds only literals ``outer``'s scan found: those few are
        looked for directly; the other lines are scanned. With ``among`` (a part of
        ``outer.present_literals()``), only those of ``outer``'s literals are looked for:
        the answer is then right for every literal but the others ``outer`` holds.
        """
        theirs = outer.lines
        n = len(theirs)
        rest = [ln.text for ln in self.lines
                if not (0 < ln.number <= n and theirs[ln.number - 1] is ln)]
        if among is None:
            among = outer.present_literals()
        if among:
            low = self.haystack_lower()
            found = [x for x in among if x in low]
        else:  # (nothing to look for in the shared lines: their text is not lower-cased)
            found = []
        if rest:
            found.extend(scanner.present("\n".join(rest).lower()))
        return frozenset(found)

    def contains_any(self, literals: Iterable[str]) -> bool:
        """Whether any of these lower-case literals occurs in :meth:`haystack_lower`.
        Literals registered with :mod:`mailcheck.textscan` are answered from the shared
        scan; any other is searched for directly."""
        if not isinstance(literals, (tuple, list, frozenset, set)):
            literals = tuple(literals)
        if not self.present_literals().isdisjoint(literals):
            return True
        known = textscan.shared().known
        if known.issuperset(literals):  # all registered: the scan has answered
            return False
        low = self.haystack_lower()
        return any(x not in known and x in low for x in literals)

    def lines_are_single(self) -> bool:
        """Whether no line's text holds a newline: then the newlines of :meth:`haystack`
        (and of :meth:`haystack_lower`) are exactly the joins between lines."""
        return self.haystack().count("\n") == len(self.lines) - 1

    def line_starts(self) -> list[int]:
        """Where each line starts in :meth:`haystack` (built when first asked for: line_at
        bisects it, and the reply collector and the prose reader index it directly)."""
        self.haystack()
        starts = self._starts
        if starts is None:
            # line i starts after the lines before it and their newlines (a plain loop
            # costs less here than accumulate and map over a list of lengths)
            starts = []
            at = 0
            for ln in self.lines:
                starts.append(at)
                at += len(ln.text) + 1
            self._starts = starts
        return starts

    def line_at(self, offset: int) -> Line | None:
        """The line that holds character ``offset`` of :meth:`haystack`."""
        starts = self.line_starts()
        if not starts:
            return None
        i = bisect_right(starts, offset) - 1
        return self.lines[max(i, 0)]

    def add_system(self, name: str, line: Line | None = None) -> None:
        self.systems.setdefault(name, line)

    def set_fact(self, key: str, value: Any, line: Line | None = None) -> None:
        """Record a fact (first sighting wins) and the line that showed it."""
        self.facts.setdefault(key, value)
        if line is not None:
            self.fact_lines.setdefault(key, line)

    def add_fact_value(self, key: str, value: Any, line: Line | None = None) -> None:
        """Append ``value`` to the list fact ``key`` (no duplicates)."""
        values = self.facts.setdefault(key, [])
        if value not in values:
            values.append(value)
        if line is not None:
            self.fact_lines.setdefault(key, line)

    def header(self, name: str) -> str | None:
        """The first value of header ``name`` (case-insensitive), or None."""
        index = self._header_index
        if index is None or self._header_count != len(self.headers):
            index = self.header_index()
        return index.get(name.lower())

    def header_index(self) -> dict[str, str]:
        """Lower-cased header name -> its first value (rebuilt when headers were added)."""
        if self._header_count != len(self.headers) or self._header_index is None:
            # built from the last header back, so that the first of a name is kept
            self._header_index = {h.name.lower(): h.value for h in reversed(self.headers)}
            self._header_count = len(self.headers)
        return self._header_index

    # (plain loops: an input has a reply or two, and a comprehension and a generator cost
    # more to set up than such a loop takes; each match of the rules asks for both)
    def statuses(self) -> set[str]:
        out = set()
        for r in self.replies:
            if r.status:
                out.add(r.status)
        for rec in self.recipients:
            if rec.status:
                out.add(rec.status)
        return out

    def reply_codes(self) -> set[str]:
        out = set()
        for r in self.replies:
            if r.code:
                out.add(r.code)
        for rec in self.recipients:
            if rec.reply_code:
                out.add(rec.reply_code)
        return out


@dataclass(slots=True)
class FixStep:
    """One step of a finding's fix, with the PowerShell that does it when there is one."""

    text: str
    powershell: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "powershell": self.powershell}


@dataclass(slots=True)
class Finding:
    """One cause the rules found, with the evidence lines that triggered it."""

    rule: str
    title: str
    reason: str
    confidence: float
    cause: str
    evidence: list[Line]
    fix: list[FixStep]
    tradeoff: str | None
    confirm: list[str]
    references: list[str]
    severity: str = "error"  # error | warning | info
    actor: str | None = None  # sender-admin | recipient-admin | end-user | sender
    generic: bool = False
    pack: str | None = None
    recipients: list[str] = field(default_factory=list)
    score: tuple = field(default=(), repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "title": self.title,
            "reason": self.reason,
            "confidence": round(self.confidence, 3),
            "severity": self.severity,
            "actor": self.actor,
            "generic": self.generic,
            "cause": self.cause,
            "evidence": [ln.cite() for ln in self.evidence],
            "evidence_lines": [ln.number for ln in self.evidence],
            "fix": [s.text for s in self.fix],
            "fix_steps": [s.to_dict() for s in self.fix],
            "tradeoff": self.tradeoff,
            "confirm": list(self.confirm),
            "references": list(self.references),
            "recipients": list(self.recipients),
            "pack": self.pack,
        }


@dataclass(slots=True)
class RecipientResult:
    """The verdict for one recipient: what the input says and the findings about it."""

    recipient: str | None
    action: str | None
    status: str | None
    reply_code: str | None
    diagnostic: str | None
    remote_mta: str | None
    reason: str
    hard_bounce: bool | None
    rule: str | None = None  # the rule that decided the reason, when one did
    feedback_type: str | None = None

    def to_dict(self) -> dict[str, Any]:
        d = {
            "recipient": self.recipient,
            "action": self.action,
            "status": self.status,
            "reply_code": self.reply_code,
            "diagnostic": self.diagnostic,
            "remote_mta": self.remote_mta,
            "reason": self.reason,
            "hard_bounce": self.hard_bounce,
            "rule": self.rule,
        }
        if self.feedback_type:
            d["feedback_type"] = self.feedback_type
        return d


@dataclass(slots=True)
class Diagnosis:
    """Everything mailcheck concluded about one input; every renderer reads it."""

    source: str
    kind: str
    recipients: list[RecipientResult] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    systems: list[str] = field(default_factory=list)
    error: str | None = None
    lang: str = "en"
    notes: list[str] = field(default_factory=list)
    evidence: Evidence | None = field(default=None, repr=False)
    checks: dict[str, Any] = field(default_factory=dict)  # filled by verify (DNS, SPF...)
    redacted: bool = False  # identifiers replaced by placeholders (mailcheck.redact)

    @property
    def top(self) -> Finding | None:
        return self.findings[0] if self.findings else None

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "schema": SCHEMA_VERSION,
            "source": self.source,
            "kind": self.kind,
            "lang": self.lang,
            "systems": list(self.systems),
            "recipients": [r.to_dict() for r in self.recipients],
            "findings": [f.to_dict() for f in self.findings],
            "checks": self.checks,
            "notes": list(self.notes),
            "error": self.error,
        }
        if self.redacted:
            d["redacted"] = True
        return d
