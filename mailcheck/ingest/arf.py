"""Abuse Reporting Format (RFC 5965) feedback reports: complaints, not bounces.

Outlook.com's Junk Mail Reporting Program (JMRP) sends the reported message as a plain
message/rfc822 attachment instead, marked with ``X-HmXmrOriginalRecipient``.

A mailbox provider's feedback loop sends ``multipart/report; report-type=feedback-report``
with a ``message/feedback-report`` part (``Feedback-Type: abuse``, ``Original-Rcpt-To``,
``Original-Mail-From``, ``Source-IP``...) and the reported message. Each reported
recipient becomes a row with reason ``feedback`` and the feedback type; nothing failed.
"""

from __future__ import annotations

import re

from .. import textscan
from ..model import Evidence, Line, RecipientEvidence

NAME = "arf"

_FIELD = re.compile(r"^([A-Za-z][A-Za-z0-9-]{1,40})[ \t]{0,4}:[ \t]{0,8}(.{0,1000})$")
_ADDR = re.compile(r"[^\s<>;:\"'(),]{1,64}@[A-Za-z0-9.-]{1,253}\.[A-Za-z]{2,63}")


def detect(ev: Evidence) -> bool:
    ctype = (ev.header("Content-Type") or "").lower()
    if "feedback-report" in ctype:
        return True
    if "message/feedback-report" in ev.facts.get("mime_parts", ()):
        return True
    # (registered with the shared scan below: the scan's answer is the search's)
    return not ev.recipients and "x-hmxmroriginalrecipient:" in ev.present_literals()


def parse(ev: Evidence) -> None:
    fields: dict[str, list[tuple[str, Line]]] = {}
    report = [ln for ln in ev.lines if ln.part == "message/feedback-report"]
    if not report:  # a report pasted as text, or the part mislabelled
        report = [ln for ln in ev.lines if ln.part not in ("headers", "returned-headers")]
    for ln in report:
        m = _FIELD.match(ln.text)
        if m:
            fields.setdefault(m.group(1).lower(), []).append((m.group(2).strip(), ln))
    words = (fields.get("feedback-type") or [("abuse", None)])[0][0].split()
    ftype = words[0].lower() if words else "abuse"
    addrs: list[tuple[str, Line | None]] = []
    for key in ("original-rcpt-to", "removal-recipient"):
        for value, ln in fields.get(key, []):
            addrs.extend((a, ln) for a in _ADDR.findall(value))
        if addrs:
            break
    if not addrs:
        for ln in ev.lines:
            if ln.part == "returned-headers" and ln.text.lower().startswith(
                    "x-hmxmroriginalrecipient:"):
                addrs.extend((a, ln) for a in _ADDR.findall(ln.text))
    if not addrs:
        # The reported message's To: is the complaining recipient.
        for ln in ev.lines:
            if ln.part == "returned-headers" and ln.text.lower().startswith("to:"):
                addrs.extend((a, ln) for a in _ADDR.findall(ln.text))
                break
    if not addrs:
        addrs = [(None, None)]  # type: ignore[list-item]
    seen = set()
    for addr, ln in addrs:
        key = (addr or "").lower()
        if key in seen:
            continue
        seen.add(key)
        ev.recipients.append(RecipientEvidence(
            recipient=addr, action=None, feedback_type=ftype, reason_hint="feedback",
            diagnostic=f"Feedback-Type: {ftype}", lines=[ln] if ln else []))
    ev.facts["feedback_type"] = ftype
    ev.kind = "feedback"


textscan.register(("x-hmxmroriginalrecipient:",))  # detect() asks the shared scan
