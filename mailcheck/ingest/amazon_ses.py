"""Amazon SES notifications delivered by e-mail (SNS): JSON, one object per notification.

``notificationType`` is ``Bounce`` (``bounce.bouncedRecipients[]`` with ``status``,
``action`` and ``diagnosticCode``), ``Complaint`` (``complaint.complainedRecipients[]``,
``complaintFeedbackType``) or ``Delivery`` (``delivery.recipients[]``, ``smtpResponse``).
SES's e-mail feedback (a normal DSN from ``amazonses.com``) is read by the DSN parser.
"""

from __future__ import annotations

import json

from .. import textscan
from ..model import Evidence, RecipientEvidence
from .replies import parse_reply_text

NAME = "amazon-ses"


def detect(ev: Evidence) -> bool:
    # the lower-cased needle is in the lower-cased text whenever the needle is in the text
    return not ev.recipients and '"notificationtype"' in ev.present_literals() and (
        '"notificationType"' in ev.haystack())


def _json_object(ev: Evidence) -> tuple[dict, list] | None:
    text_lines = [ln for ln in ev.lines if ln.part not in ("headers", "returned-headers")]
    for i, ln in enumerate(text_lines):
        start = ln.text.find("{")
        if start < 0 or '"notificationType"' not in "".join(
                t.text for t in text_lines[i:i + 3]):
            continue
        # SNS wraps the JSON at a fixed width; the wrapped lines are joined as they are.
        chunk = ln.text[start:]
        for nxt in text_lines[i + 1:i + 400]:
            try:
                return json.loads(chunk), [ln]
            except ValueError:
                chunk += nxt.text.lstrip() if chunk.endswith(("\\", " ")) else nxt.text
        try:
            return json.loads(chunk), [ln]
        except ValueError:
            decoder = json.JSONDecoder()
            try:
                obj, _ = decoder.raw_decode(chunk)
                return obj, [ln]
            except ValueError:
                return None
    return None


def parse(ev: Evidence) -> None:
    found = _json_object(ev)
    if not found:
        return
    obj, lines = found
    if isinstance(obj.get("Message"), str):  # the raw SNS envelope
        try:
            obj = json.loads(obj["Message"])
        except ValueError:
            return
    kind = str(obj.get("notificationType") or obj.get("eventType") or "").lower()
    ev.add_system("amazon-ses", lines[0])
    if kind == "bounce":
        b = obj.get("bounce") or {}
        for r in b.get("bouncedRecipients") or []:
            diag = str(r.get("diagnosticCode") or "") or None
            code, st = parse_reply_text(diag or "")
            ev.recipients.append(RecipientEvidence(
                recipient=r.get("emailAddress"), action=(r.get("action") or "failed").lower(),
                status=r.get("status") or st, reply_code=code, diagnostic=diag,
                reporting_mta=b.get("reportingMTA"), lines=lines))
    elif kind == "complaint":
        c = obj.get("complaint") or {}
        ftype = str(c.get("complaintFeedbackType") or "abuse").lower()
        for r in c.get("complainedRecipients") or []:
            ev.recipients.append(RecipientEvidence(
                recipient=r.get("emailAddress"), feedback_type=ftype, reason_hint="feedback",
                diagnostic=f"complaint: {ftype}", lines=lines))
        ev.kind = "feedback"
        return
    elif kind == "delivery":
        d = obj.get("delivery") or {}
        resp = str(d.get("smtpResponse") or "") or None
        code, st = parse_reply_text(resp or "")
        for r in d.get("recipients") or []:
            ev.recipients.append(RecipientEvidence(
                recipient=r, action="delivered", status=st, reply_code=code, diagnostic=resp,
                remote_mta=d.get("remoteMtaIp"), reporting_mta=d.get("reportingMTA"),
                lines=lines))
    if ev.recipients:
        ev.kind = "bounce"


#: detect() is false unless the shared scan found one of these (the driver tests it first)
TRIGGERS = textscan.register(('"notificationtype"',))
