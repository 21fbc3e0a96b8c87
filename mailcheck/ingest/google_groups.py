"""Google Groups refusals: the group does not exist or the sender may not post to it.

Google sends these as a plain "Delivery Status Notification (Failure)" from
mailer-daemon@googlemail.com, in the sender's language, with the group's address only in
``X-Failed-Recipients`` and a link to groups.google.com/support. The text never quotes an
SMTP reply: the group refused the sender, so the reason is ``rejected``.
"""

from __future__ import annotations

from .. import textscan
from ..model import Evidence, RecipientEvidence

NAME = "google-groups"

_MARKERS = ("groups.google.com/support", "google groups", "google-gruppe", "google グループ",
            "grupos de google", "groupes google")


def detect(ev: Evidence) -> bool:
    failed = (ev.header("X-Failed-Recipients") or "").lower()
    if "googlegroups.com" not in failed and "google" not in (ev.header("From") or "").lower():
        return False
    # (every marker is registered with the shared scan below: the scan's answer is the
    # search's)
    return not ev.present_literals().isdisjoint(TRIGGERS)


def parse(ev: Evidence) -> None:
    if ev.recipients:
        return
    failed = ev.header("X-Failed-Recipients") or ""
    lines = [ln for ln in ev.lines if ln.part.startswith("text/")]
    para = next((ln for ln in lines if len(ln.text) > 80), lines[0] if lines else None)
    for addr in (a.strip() for a in failed.split(",")):
        if "@" not in addr:
            continue
        ev.recipients.append(RecipientEvidence(
            recipient=addr, action="failed", reason_hint="rejected",
            diagnostic=para.text.strip() if para else "Google Groups refused the message",
            lines=[para] if para else []))
    ev.add_system("google-groups", para)
    ev.set_fact("list_refusal", "google-groups", para)  # in any language: rule list-post-refused
    ev.kind = "bounce"


#: detect() is false unless the shared scan found one of these (the driver tests it first)
TRIGGERS = textscan.register(_MARKERS)
