"""What the SMTP probe records, and how that becomes Evidence and a Diagnosis.

:mod:`mailcheck.checks.probe` holds the conversation; this module holds its record: the
steps with their transcript lines and timings, the conditions observed, and the
translation into :class:`~mailcheck.model.Evidence` so the rule packs name the cause
exactly as they would for a pasted reply or Gmail's dialog.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from mailcheck.diagnosis import diagnose_evidence
from mailcheck.ingest.systems import detect_systems
from mailcheck.messages import msg
from mailcheck.model import Diagnosis, Evidence, Line, Reply
from mailcheck.rules import RuleSet

#: How the probe protects the session, and the SASL mechanisms it can try (here rather than
#: in probe.py so that the command line can offer them without loading smtplib and ssl).
TLS_MODES = ("starttls", "implicit", "none")
MECHANISMS = ("PLAIN", "LOGIN", "XOAUTH2")

_STATUS_RE = re.compile(r"^([245])\.(\d{1,3})\.(\d{1,3})(?=\s|$)")


@dataclass(slots=True)
class ProbeStep:
    """One step of the conversation: what was sent, what came back, how long it took."""

    name: str
    status: str = "ok"  # ok | failed | warning | skipped
    elapsed_ms: float = 0.0
    transcript: list[str] = field(default_factory=list)  # "C: ..." / "S: ..." lines
    detail: dict[str, Any] = field(default_factory=dict)
    message: str | None = None
    #: (index of the reply's last line in ``transcript``, the reply joined onto one line)
    replies: list[tuple[int, str]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "status": self.status,
            "elapsed_ms": round(self.elapsed_ms, 1),
            "transcript": list(self.transcript),
            "detail": self.detail,
            "message": self.message,
        }


@dataclass(slots=True)
class ProbeCondition:
    """Something the probe observed that a rule can name (no server reply needed)."""

    name: str  # e.g. "stall-after-second-ehlo", "tls-certificate-name-mismatch"
    step: str
    message: str

    def to_dict(self) -> dict[str, str]:
        return {"name": self.name, "step": self.step, "message": self.message}


@dataclass(slots=True)
class ProbeResult:
    """The whole probe: steps in order, the conditions seen, and the server's replies."""

    host: str
    port: int
    tls_mode: str
    local_hostname: str = ""
    started_at: str | None = None
    steps: list[ProbeStep] = field(default_factory=list)
    conditions: list[ProbeCondition] = field(default_factory=list)
    auth_mechanisms: list[str] | None = None  # advertised after TLS; None = never saw EHLO
    mechanism: str | None = None  # the one the probe used
    credentials_sent: bool = False
    tls: dict[str, Any] | None = None
    certificate: dict[str, Any] | None = None

    @property
    def outcome(self) -> str:
        """The first condition that explains a failure; else the first one (such as
        ``auth-succeeded``); ``completed`` when there is none."""
        for cond in self.conditions:
            if cond.name not in _INFORMATIONAL:
                return cond.name
        return self.conditions[0].name if self.conditions else "completed"

    def condition_names(self) -> list[str]:
        return [c.name for c in self.conditions]

    def transcript(self) -> list[str]:
        """Every step's lines, each prefixed by the step name and its timing."""
        out = []
        for step in self.steps:
            out.append(f"[{step.name}] {step.status} ({step.elapsed_ms:.0f} ms)")
            out.extend(f"  {line}" for line in step.transcript)
            if step.message:
                out.append(f"  -- {step.message}")
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "host": self.host,
            "port": self.port,
            "tls_mode": self.tls_mode,
            "local_hostname": self.local_hostname,
            "started_at": self.started_at,
            "outcome": self.outcome,
            "conditions": [c.to_dict() for c in self.conditions],
            "auth_mechanisms": self.auth_mechanisms,
            "mechanism": self.mechanism,
            "credentials_sent": self.credentials_sent,
            "tls": self.tls,
            "certificate": self.certificate,
            "steps": [s.to_dict() for s in self.steps],
        }

    def to_evidence(self) -> Evidence:
        """The probe as Evidence: the transcript as lines, failed replies, conditions as facts."""
        ev = Evidence(source=f"probe {self.host}:{self.port}", kind="probe")
        number = 0

        def add(text: str) -> Line:
            nonlocal number
            number += 1
            line = Line(part="probe", number=number, text=text)
            ev.lines.append(line)
            return line

        for step in self.steps:
            lines = [add(text) for text in step.transcript]
            for index, joined in step.replies:
                reply = parse_reply(joined, lines[index])
                if reply.code and reply.code[0] in "45":
                    ev.replies.append(reply)
        for cond in self.conditions:
            # Rules match the English text; a report in another language shows the message
            # localized (the line is a Message, see mailcheck.messages).
            add(msg("probe.evidence", name=cond.name, message=cond.message))
        names = self.condition_names()
        ev.facts["probe_conditions"] = names
        ev.facts["probe_outcome"] = self.outcome
        ev.facts["no_recipients"] = True
        if self.auth_mechanisms is not None:
            ev.facts["smtp_auth_mechanisms"] = list(self.auth_mechanisms)
        if "stall-after-second-ehlo" in names:
            # The state Gmail's dialog names for the same silence; the Gmail rule keys on it.
            ev.facts["gmail_state"] = "SENT_SECOND_EHLO"
        ev.formats.append("smtp-probe")
        detect_systems(ev)
        return ev


# Conditions that do not explain a failure on their own.
_INFORMATIONAL = frozenset({"auth-succeeded", "auth-not-attempted", "credentials-withheld"})


def parse_reply(text: str, line: Line | None = None) -> Reply:
    """Split ``"535 5.7.139 Authentication unsuccessful"`` into code, status and text."""
    code = text[:3] if len(text) >= 3 and text[:3].isdigit() else None
    rest = text[4:] if code else text
    m = _STATUS_RE.match(rest)
    return Reply(code=code, status=m.group(0) if m else None, text=text, line=line)


def diagnose_probe(
    result: ProbeResult, *, lang: str = "en", rules: RuleSet | None = None
) -> Diagnosis:
    """Run the rules over what the probe saw; the Diagnosis carries the probe itself.

    ``checks["probe"]`` holds :meth:`ProbeResult.to_dict` (steps, transcript, timings).
    A rule that matched on a fact alone (the Gmail state for a stall) cites no line of
    its own, so it cites the probe's condition lines instead: the report always shows
    what the probe observed.
    """
    ev = result.to_evidence()
    diag = diagnose_evidence(ev, lang=lang, rules=rules)
    diag.checks["probe"] = result.to_dict()
    conditions = [ln for ln in ev.lines if ln.text.startswith("probe: ")]
    for finding in diag.findings:
        if not finding.evidence:
            finding.evidence = list(conditions)
    return diag
