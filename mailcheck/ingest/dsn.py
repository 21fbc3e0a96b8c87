"""RFC 3464 delivery status notifications (message/delivery-status).

The per-message block (Reporting-MTA, Arrival-Date...) is followed by one block per
recipient (Final-Recipient, Action, Status, Remote-MTA, Diagnostic-Code...). The same
fields are also found pasted into the text of non-standard bounces, so the parser reads
"Name: value" lines from any part, with the delivery-status part taking precedence.
"""

from __future__ import annotations

import re

from .. import textscan
from ..model import Evidence, Line, RecipientEvidence
from .replies import find_status, parse_reply_text, smtp_command

NAME = "rfc3464"

_FIELD = re.compile(r"^([A-Za-z][A-Za-z0-9-]{1,40})[ \t]{0,4}:[ \t]{0,8}(.{0,3000})$")
_ADDR = re.compile(r"<?([^\s<>;:\"']{1,200}@[^\s<>;:\"']{1,255})>?")
_STATUS_PARTS = ("message/delivery-status", "message/global-delivery-status")
_STATUS_PART_SET = frozenset(_STATUS_PARTS)
_RECIPIENT_FIELDS = ("final-recipient", "original-recipient", "x-actual-recipient")


def detect(ev: Evidence) -> bool:
    parts = ev.facts.get("mime_parts", ())
    if not _STATUS_PART_SET.isdisjoint(parts):
        return True
    # (registered with the shared scan below: the scan's answer is the search's)
    if "final-recipient" not in ev.present_literals():
        return False
    # A line whose lowered text starts with it puts it first or after a newline in the
    # lowered haystack (lowering the joined lines lowers each one alike), and there it
    # starts a line unless some line holds a newline: only then are the lines looked
    # through. (A line's first 15 characters lower-case to it exactly when the line's
    # lower-cased text starts with it: sigmas aside, whose forms it does not hold, each
    # character lower-cases alone, and İ, the one that becomes two, makes "i̇".)
    low = ev.haystack_lower()
    return (low.startswith("final-recipient") or "\nfinal-recipient" in low) and (
        ev.lines_are_single() or any(
            ln.text[:16].lower().startswith("final-recipient") for ln in ev.lines))


def address_of(value: str) -> str | None:
    """``rfc822; user@example.com`` -> ``user@example.com``."""
    if ";" in value:
        value = value.split(";", 1)[1]
    m = _ADDR.search(value)
    if m and not m.group(1).startswith("@"):
        return m.group(1).strip(".,")
    value = value.strip()
    return value if value and not value.startswith("@") else None


def _mta(value: str) -> str | None:
    """``dns; mx.example.jp. (192.0.2.5, the server for ...)`` -> ``mx.example.jp``."""
    if ";" in value:
        value = value.split(";", 1)[1]
    words = value.split()
    if not words:
        return None
    value = words[0].strip("[]()").rstrip(".")
    return value or None


_CONTINUATION = re.compile(r"[ \t]{1,8}([245]\d\d)[ -]([245]\.[0-7]\.\d{1,3}[ \t])?")


def _unwrap(diag: str) -> str:
    """``550-5.7.1 a  550-5.7.1 b`` (a multi-line reply folded into one field).

    The repeated code prefixes are dropped: ``550 5.7.1 a b``.
    """
    first = _CONTINUATION.match(" " + diag)
    if not first:
        return " ".join(diag.split())
    code = first.group(1)
    head = diag[:first.end() - 1]
    rest = _CONTINUATION.sub(lambda m: " " if m.group(1) == code else m.group(0), " " + diag[
        first.end() - 1:])
    return " ".join((head.replace("-", " ", 1) + rest).split())


def _blocks(lines: list[Line]) -> list[list[tuple[str, str, Line]]]:
    """Group ``Name: value`` fields into blank-line separated blocks, unfolding values."""
    blocks: list[list[tuple[str, str, Line]]] = []
    cur: list[tuple[str, str, Line]] = []
    for ln in lines:
        text = ln.text
        if not text or text.isspace():  # (what strips to nothing, without the copy)
            if cur:
                blocks.append(cur)
                cur = []
            continue
        if text[0] in " \t" and cur:
            name, value, first = cur[-1]
            cur[-1] = (name, f"{value} {text.strip()}", first)
            continue
        if ":" not in text:  # (no field without one: skip the regex for prose lines)
            continue
        m = _FIELD.match(text)
        if m:
            name, value = m.groups()
            cur.append((name.lower(), value.strip(), ln))
    if cur:
        blocks.append(cur)
    return blocks


_REPLY_START = re.compile(r"[245][0-9][0-9][ -]")


def _program_reply(lines: list[Line], rec: RecipientEvidence, actual: str) -> None:
    """``X-Actual-Recipient: RFC822; |/usr/bin/procmail ...``: Sendmail delivered to a local
    program (a .forward or alias pipe); its reply about that program is in the prose."""
    prog = actual.split(";", 1)[-1].strip()
    if not prog.startswith("|") or len(prog) < 4:
        return
    key = prog.rpartition("@")[0][:30] if "@" in prog else prog[:30]  # "@host" is appended
    for ln in lines:
        text = ln.text.strip()
        if key in text and _REPLY_START.match(text):
            rec.diagnostic = text
            rec.reply_code = parse_reply_text(text)[0]
            return
    rec.diagnostic = f"local delivery program failed: {prog}"


def _commands_from_transcript(lines: list[Line], recs: list[RecipientEvidence]) -> None:
    """A Sendmail-style session transcript (">>> DATA" then "<<< 550 ...") shows which
    command the reply answered; it beats a guess from the reply's wording ("Recipient
    address rejected" is also said at DATA by a server that takes RCPT TO pipelined)."""
    # ("<<<" in the text first: a fast scan that spares most lines the copy lstrip makes)
    replies = [i for i, ln in enumerate(lines)
               if "<<<" in ln.text and ln.text.lstrip().startswith("<<<")]
    if not replies:
        return
    for rec in recs:
        key = (rec.diagnostic or "")[:40].lower()
        if len(key) < 8:
            continue
        i = next((i for i in replies if key in lines[i].text.lower()), None)
        if i is None:
            continue
        for prev in reversed(lines[max(0, i - 8):i]):
            text = prev.text.lstrip()
            if text.startswith(">>>"):
                rec.smtp_command = smtp_command(text) or rec.smtp_command
                break
            if not text.startswith("<<<"):
                break


#: PowerMTA's X-PowerMTA-BounceCategory values that name a single reason.
_POWERMTA_CATEGORY = {
    "bad-mailbox": "userunknown",
    "bad-domain": "hostunknown",
    "inactive-mailbox": "suspend",
    "quota-issues": "mailboxfull",
    "message-expired": "expired",
    "relaying-issues": "norelaying",
    "virus-related": "virusdetected",
}


def parse(ev: Evidence) -> None:
    status_lines = [ln for ln in ev.lines if ln.part in _STATUS_PARTS]
    if not status_lines:
        status_lines = [ln for ln in ev.lines if ln.part not in ("headers", "returned-headers")]
    reporting = None
    found: list[RecipientEvidence] = []
    for block in _blocks(status_lines):
        # the first of each name: written from the last field back
        fields = {}
        for name, value, ln in reversed(block):  # (a loop: a block has a few fields)
            fields[name] = (value, ln)
        if "reporting-mta" in fields and reporting is None:
            reporting = _mta(fields["reporting-mta"][0])
        for rcpt_field in _RECIPIENT_FIELDS:  # the first of them the block has
            if rcpt_field in fields:
                break
        else:
            continue
        rec = RecipientEvidence(reporting_mta=reporting)
        rec.recipient = address_of(fields[rcpt_field][0])
        if "final-recipient" in fields and "original-recipient" in fields:
            # Final-Recipient can be a rewritten alias; the original is what the sender typed.
            rec.recipient = address_of(fields["final-recipient"][0]) or rec.recipient
        rec.lines = [ln for _, _, ln in block]
        if "action" in fields:
            words = fields["action"][0].split()
            rec.action = words[0].lower().strip(";") or None if words else None
        if "status" in fields:
            rec.status = find_status(fields["status"][0])
        if "remote-mta" in fields:
            rec.remote_mta = _mta(fields["remote-mta"][0])
        if "diagnostic-code" in fields:
            diag = fields["diagnostic-code"][0]
            if ";" in diag[:12] and not diag.lower().startswith("x-unix"):
                # "smtp; 550 ..." -> the reply; "X-Unix; 71" keeps its type: a local
                # program's exit status means nothing without it
                diag = diag.split(";", 1)[1]
            rec.diagnostic = _unwrap(diag.strip()) or None
            if rec.diagnostic:
                rec.smtp_command = smtp_command(rec.diagnostic)
                code, st = parse_reply_text(rec.diagnostic)
                rec.reply_code = code
                if not rec.status and st:
                    rec.status = st
                elif st and rec.status and st != rec.status and (
                        rec.status.endswith(".0.0") or code and code[0] == st[0]):
                    # "Status: 5.0.0" (or the reporting MTA's own summary such as 4.4.7)
                    # beside a precise code in the server's own reply: the reply is the cause
                    rec.status = st
        actual = fields.get("x-actual-recipient")
        if actual and not rec.diagnostic and (rec.action in ("failed", "delayed") or (
                rec.status or "")[:1] in ("4", "5")):
            _program_reply(ev.lines, rec, actual[0])
        if not rec.smtp_command and "status" in fields and (
                "rejected address" in fields["status"][0].lower()):
            # Messaging Server's comment "Status: 5.0.0 (Remote SMTP server has rejected
            # address)": the reply answered RCPT TO
            rec.smtp_command = "RCPT"
        category = fields.get("x-powermta-bouncecategory")
        if category:
            # PowerMTA's own classification of the remote reply (its documented bounce
            # categories); only those that name one reason are used
            rec.reason_hint = _POWERMTA_CATEGORY.get(category[0].strip().lower())
        if "last-attempt-date" in fields:
            rec.last_attempt = fields["last-attempt-date"][0]
        found.append(rec)
    if found and "<<<" in ev.present_literals() and any(rec.diagnostic for rec in found):
        _commands_from_transcript(ev.lines, found)
    if found:
        if reporting:
            for rec in found:
                rec.reporting_mta = rec.reporting_mta or reporting
        ev.recipients.extend(found)
        ev.kind = "bounce"


textscan.register(("final-recipient", "<<<"))  # detect() and parse() ask the shared scan
