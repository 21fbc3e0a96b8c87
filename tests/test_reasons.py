"""The generic reason of one recipient: phrases, status codes and the SMTP command."""

from __future__ import annotations

import pytest

from mailcheck.model import RecipientEvidence
from mailcheck.reasons import classify, is_hard, reason_from_text


@pytest.mark.parametrize(("diag", "status", "command", "reason"), [
    ("550 5.1.1 <a@b.example>... User unknown", "5.1.1", None, "userunknown"),
    ("550 User unknown", None, "RCPT", "userunknown"),
    ("550 User unknown", None, "DATA", "filtered"),
    ("550 5.0.0 <a@b.example>... User unknown", "5.0.0", None, "filtered"),
    ("550 5.2.0 Unknown user a@b.example", "5.2.0", "RCPT", "userunknown"),
    ("550 5.7.1 <a@b.example>: User unknown", "5.7.1", None, "filtered"),
    ("550 5.7.1 Recipient address rejected: User unknown", "5.7.1", None, "userunknown"),
    ("User Bob (a@b.example) not listed in Domino Directory", None, None, "userunknown"),
    ("553 mx.b.example does not exist", None, None, "hostunknown"),
    ("Host or domain name not found. Name service error: Host not found, try again", None,
     None, "networkerror"),
    ("552 sorry, mailbox a@b.example is over quota temporarily (#5.1.1)", "5.1.1", None,
     "mailboxfull"),
    ("552 5.2.3 Message length exceeds administrative limit", "5.2.3", None, "exceedlimit"),
    ("553 5.1.8 Domain of sender address nobody@x.example does not exist", "5.1.8", None,
     "rejected"),
    ("554 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using zen.spamhaus.org",
     "5.7.1", None, "blocked"),
    ("550-REJECTED - Blacklisted URL in message", None, None, "spamdetected"),
    ("X-Unix; 71", "4.5.0", None, "mailererror"),
    ("", "4.4.7", None, "expired"),
    ("", None, None, "undefined"),
    ("something went sideways", None, None, "onhold"),
])
def test_classify(diag: str, status: str | None, command: str | None, reason: str) -> None:
    rec = RecipientEvidence(recipient="a@b.example", action="failed", status=status,
                            diagnostic=diag or None, smtp_command=command)
    assert classify(rec) == reason


def test_delivered_and_hints() -> None:
    assert classify(RecipientEvidence(action="relayed", status="2.0.0")) == "delivered"
    assert classify(RecipientEvidence(reason_hint="vacation")) == "vacation"


def test_broad_words_come_last() -> None:
    assert reason_from_text("rejected: mailbox full") == "mailboxfull"
    assert reason_from_text("rejected") == "filtered"
    assert reason_from_text("rejected", broad=False) is None


@pytest.mark.parametrize(("reason", "status", "action", "hard"), [
    ("userunknown", "5.1.1", "failed", True),
    ("hostunknown", "5.1.2", "failed", True),
    ("notaccept", "5.1.10", "failed", True),
    ("notaccept", "4.3.2", "delayed", False),
    ("notaccept", None, "failed", True),
    ("mailboxfull", "5.2.2", "failed", False),
    ("feedback", None, None, None),
])
def test_hard_bounce(reason: str, status: str | None, action: str | None,
                     hard: bool | None) -> None:
    assert is_hard(reason, RecipientEvidence(status=status, action=action)) is hard
