"""Which finding comes first."""

from mailcheck.diagnosis import diagnose

# A report whose recipient failed for a full mailbox, and whose prose also quotes an
# unrelated "User unknown" line: that line matches recipient-unknown on the whole text.
REPORT = b"""From: MAILER-DAEMON@mx.example.net
To: sender@example.org
Subject: Undelivered Mail Returned to Sender
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="b"

--b
Content-Type: text/plain

Your message could not be delivered to one or more recipients.
Transcript of session follows:
>>> RCPT TO:<old@example.net>
<<< 550 5.1.1 <old@example.net>... User unknown (kept for reference)

--b
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.net

Final-Recipient: rfc822; hanako@example.net
Action: failed
Status: 5.2.2
Diagnostic-Code: smtp; 552 5.2.2 <hanako@example.net>: Mailbox full

--b--
"""


def test_the_finding_that_explains_a_recipient_comes_first():
    d = diagnose(REPORT)
    rules = [f.rule for f in d.findings]
    assert "recipient-unknown" in rules  # it matched the quoted line...
    assert rules[0] == "mailbox-full"  # ...but the recipient failed for a full mailbox
    assert d.findings[0].recipients == ["hanako@example.net"]
    assert [r.reason for r in d.recipients] == ["mailboxfull"]


def test_without_recipients_the_stronger_match_comes_first():
    d = diagnose(b"550 5.7.520 Access denied, Your organization does not allow external "
                 b"forwarding. AS(7555)\n")
    assert d.findings[0].rule == "exo-external-forwarding-blocked"
