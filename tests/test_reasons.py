"""The generic reason of one recipient: phrases, status codes and the SMTP command."""

from __future__ import annotations

import pytest

from mailcheck.model import RecipientEvidence
from mailcheck.reasons import classify, is_hard, reason_from_text

from .conftest import dsn_report


@pytest.mark.parametrize(("diag", "status", "command", "reason"), [
    # Gmail's documented 5.2.1 text: the account exists but is disabled
    ("550 5.2.1 The email account that you tried to reach is disabled.", "5.2.1", "RCPT",
     "suspend"),
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
    # X.2.1 is a recipient-side filter's code; "user unknown" under it is the
    # directory's answer only when it answers RCPT TO
    ("550 5.2.1 <a@b.example>... User Unknown", "5.2.1", None, "filtered"),
    ("550 5.2.1 <a@b.example>... User Unknown", "5.2.1", "RCPT", "userunknown"),
    ("550 5.2.1 <a@b.example>... Mailbox disabled", "5.2.1", "RCPT", "suspend"),
    # "does not exist" in answer to MAIL FROM is about the sender
    ("553 5.1.0 bob mail.sender.example does not exist", "5.1.0", "MAIL", "rejected"),
    ("550 Unknown user", None, "MAIL", "rejected"),
    ("550 5.7.1 <alice@a.example>... Access denied", "5.7.1", "MAIL", "rejected"),
    ("530 5.7.0 Authentication required", "5.7.0", "MAIL", "securityerror"),
    ("550 5.7.1 <alice@a.example>... Access denied", "5.7.1", None, "securityerror"),
    # refused at the greeting: the client is blocked, whatever the words
    ("550 Rejected", "5.0.0", "EHLO", "blocked"),
    ("554 Go away", None, "CONNECT", "blocked"),
    ("554 Go away", None, "DATA", "onhold"),
    # null MX (RFC 7505) as notqmail and Postfix report it
    ("Sorry, I couldn't find a mail exchanger or IP address. (#5.4.4)", "5.4.4", None,
     "notaccept"),
    ("Host or domain name not found. Name service error for name=b.example type=MX: "
     "Malformed or unexpected name server reply", "5.4.4", None, "notaccept"),
    ("Sorry, I couldn't find any host named b.example. (#5.1.2)", "5.1.2", None,
     "hostunknown"),
    # Orange's own error codes name the cause, whatever the words or status
    ("550 5.2.0 Mail rejete. Mail rejected. OFR_506 [506]", "5.2.0", None, "spamdetected"),
    ("421 mx1 Service refuse. Service refused, please try later. OFR004_999 [999]", "4.0.0",
     None, "blocked"),
    ("421 4.2.0 Service refuse. Service refused, please try later. OFR005_505 [505]",
     "4.2.0", None, "systemerror"),
    ("550 5.5.0 Adresse destinataire invalide. Invalid recipient. LPN007_416", "5.5.0",
     None, "userunknown"),
    ("554 5.7.1 <mx.a.example[192.0.2.7]:4000>: Client host rejected: lpn LPN000_630",
     "5.7.1", None, "policyviolation"),
    ("550 5.7.1 Mail rejected. OFR_123 [123]", "5.7.1", None, "filtered"),
    # a local MTA that gave up after its retries
    ("Delivery failed 12 attempts: bob@b.example", None, None, "expired"),
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


_dsn = dsn_report


def test_transcript_command_beats_the_wording() -> None:
    """A server that takes RCPT TO pipelined may refuse the address only at DATA: the
    transcript's ">>> DATA" shows it was the message, not the directory, that was refused."""
    from mailcheck.diagnosis import diagnose
    reply = "550 5.7.1 <bob@b.example>: Recipient address rejected: User unknown"
    fields = ("Final-Recipient: RFC822; bob@b.example\nAction: failed\nStatus: 5.7.1\n"
              f"Diagnostic-Code: SMTP; {reply}\n")
    prose = ("... while talking to mx.b.example.:\n>>> MAIL From:<alice@a.example>\n"
             "<<< 250 2.1.0 Ok\n>>> RCPT To:<bob@b.example>\n<<< 250 2.1.5 Ok\n"
             f">>> DATA\n<<< {reply}\n554 5.0.0 Service unavailable\n")
    (rec,) = diagnose(_dsn(fields, prose)).recipients
    assert rec.reason == "filtered"
    (rec,) = diagnose(_dsn(fields, prose.replace(">>> DATA\n", ">>> RCPT To:<x@b.example>\n"))
                      ).recipients
    assert rec.reason == "userunknown"


def test_messaging_server_status_comment_names_rcpt() -> None:
    from mailcheck.diagnosis import diagnose
    fields = ("Final-recipient: rfc822;bob@b.example\nAction: failed\n"
              "Status: 5.0.0 (Remote SMTP server has rejected address)\n"
              "Diagnostic-code: smtp;550 <bob@b.example>: User unknown\n")
    (rec,) = diagnose(_dsn(fields)).recipients
    assert rec.reason == "userunknown"
    (rec,) = diagnose(_dsn(fields.replace(" (Remote SMTP server has rejected address)", ""))
                      ).recipients
    assert rec.reason == "filtered"


@pytest.mark.parametrize(("category", "reason"), [
    ("bad-mailbox", "userunknown"), ("quota-issues", "mailboxfull"), ("other", "filtered")])
def test_powermta_bounce_category(category: str, reason: str) -> None:
    from mailcheck.diagnosis import diagnose
    fields = ("Final-Recipient: rfc822;bob@b.example\nAction: failed\nStatus: 5.2.1\n"
              "Diagnostic-Code: smtp;550 5.2.1 <bob@b.example>... User Unknown\n"
              f"X-PowerMTA-BounceCategory: {category}\n")
    (rec,) = diagnose(_dsn(fields)).recipients
    assert rec.reason == reason


def test_generic_code_in_a_list_with_a_vendor_code_does_not_beat_the_words() -> None:
    """recipient-domain-not-found lists 5.1.2, 5.4.4 and Exchange's 5.4.310; matching on
    5.4.4 is a match on RFC 3463's generic code, so the null MX wording decides."""
    from mailcheck.diagnosis import diagnose
    fields = ("Final-Recipient: rfc822;bob@b.example\nAction: failed\nStatus: 5.4.4\n"
              "Diagnostic-Code: X-Outbound; Host or domain name not found. Name service error "
              "for name=b.example type=MX: Malformed or unexpected name server reply\n")
    (rec,) = diagnose(_dsn(fields)).recipients
    assert rec.reason == "notaccept"
    assert rec.hard_bounce is True


@pytest.mark.parametrize("prose", [
    '554 "|/usr/bin/procmail -f- #bob"... Service unavailable\n', ""])
def test_failed_delivery_to_a_program(prose: str) -> None:
    """Sendmail's X-Actual-Recipient names the .forward/alias pipe it delivered to; the
    reply about the program is in the prose, or there is none."""
    from mailcheck.diagnosis import diagnose
    fields = ("Final-Recipient: RFC822; bob@b.example\n"
              "X-Actual-Recipient: RFC822; |/usr/bin/procmail -f- #bob@b.example\n"
              "Action: failed\nStatus: 5.5.0\n")
    (rec,) = diagnose(_dsn(fields, prose)).recipients
    assert rec.reason == "mailererror"
    assert rec.reply_code == ("554" if prose else None)


@pytest.mark.parametrize(("text", "command"), [
    ("Connected to 192.0.2.9 but sender was rejected.", "MAIL"),
    ("Connected to 192.0.2.9 but my name was rejected.", "HELO"),
    ("Connected to 192.0.2.9 but greeting failed.", "CONNECT"),
    ("Recipient address rejected: User unknown", "RCPT"),
])
def test_qmail_remote_names_the_command(text: str, command: str) -> None:
    from mailcheck.ingest.replies import smtp_command
    assert smtp_command(text) == command


def test_delivery_to_a_program_that_succeeded_has_no_failure_text() -> None:
    from mailcheck.diagnosis import diagnose
    fields = ("Final-Recipient: RFC822; bob@b.example\n"
              "X-Actual-Recipient: RFC822; |/usr/bin/procmail -f- #bob@b.example\n"
              "Action: delivered\nStatus: 2.0.0\n")
    (rec,) = diagnose(_dsn(fields)).recipients
    assert rec.reason == "delivered"
    assert rec.diagnostic is None


def test_sendmail_deferred_reply_code_and_delay() -> None:
    """Sendmail's warning: "<a@b>... Deferred: 421" after "<<< 421" names the reply code;
    with no words beside it, a delayed report is about the delay (expired)."""
    from mailcheck.diagnosis import diagnose
    fields = ("Final-Recipient: RFC822; kai@slow.example\nAction: delayed\nStatus: 4.5.0\n"
              "Diagnostic-Code: SMTP; \n")
    prose = ("    **      THIS IS A WARNING MESSAGE ONLY      **\n\n"
             "   ----- Transcript of session follows -----\n"
             "... while talking to mx.slow.example.:\n<<< 421\n"
             "<kai@slow.example>... Deferred: 421\n"
             "Warning: message still undelivered after 4 hours\n")
    (rec,) = diagnose(_dsn(fields, prose)).recipients
    assert (rec.reply_code, rec.reason, rec.action) == ("421", "expired", "delayed")


def test_one_recipient_takes_the_transcripts_reply() -> None:
    """A delivery to a program: the transcript's reply does not name the recipient, but
    with one recipient there is nobody else it could belong to."""
    from mailcheck.diagnosis import diagnose
    fields = ("Final-Recipient: RFC822; list@a.example\n"
              "X-Actual-Recipient: X-Unix; |/usr/local/bin/archive\nAction: delayed\n"
              "Status: 4.5.0\nDiagnostic-Code: X-Unix; 71\n")
    prose = ("   ----- Transcript of session follows -----\n"
             "451 4.0.0 Operating system error\n"
             "Warning: message still undelivered after 4 hours\n")
    (rec,) = diagnose(_dsn(fields, prose)).recipients
    assert rec.reply_code == "451"
    two = fields + "\nFinal-Recipient: RFC822; other@a.example\nAction: delayed\nStatus: 4.5.0\n"
    assert all(r.reply_code is None for r in diagnose(_dsn(two, prose)).recipients)
