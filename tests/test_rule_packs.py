"""The built-in rule packs: every rule's examples and counterexamples hold, and the
cause catalogue has the rules issue 3 promised, each complete in English and Japanese."""

from __future__ import annotations

import pytest

from mailcheck.diagnosis import default_rules, diagnose
from mailcheck.rulecheck import check_rules

CATALOGUE = [
    "exo-sender-not-authenticated", "exo-tenant-attribution", "exo-ip-not-accepted",
    "exo-unregistered-sender-domain", "exo-relay-denied", "exo-group-rejects-external",
    "exo-group-sender-not-allowed", "exo-mailbox-rejects-external", "exo-sending-limit-exceeded",
    "exo-outbound-sender-restricted", "recipient-unknown", "recipient-domain-not-found",
    "mailbox-full", "message-too-large", "destination-unreachable", "ip-blocklisted",
    "rate-limited-reputation", "tls-required", "gmail-ptr-missing",
    "gmail-unauthenticated-sender", "dmarc-reject", "spf-fail",
]


def test_every_rule_example_and_counterexample() -> None:
    rules = default_rules()
    failures, count = check_rules(rules)
    assert count == sum(len(r.examples) + len(r.counterexamples) for r in rules.rules)
    assert failures == []


@pytest.mark.parametrize("rule_id", CATALOGUE)
def test_catalogue_rule_is_complete(rule_id: str) -> None:
    rule = default_rules().get(rule_id)
    assert rule is not None, rule_id
    for key in ("title", "cause", "confirm"):
        assert rule.text(key), key
        assert rule.texts.get("ja", {}).get(key), f"ja {key}"
    assert rule.fix and rule.references and rule.examples
    assert len(rule.texts["ja"].get("fix") or []) == len(rule.fix)


@pytest.mark.parametrize(("text", "rule_id", "reason"), [
    ("550 5.7.64 TenantAttribution; Relay Access Denied", "exo-tenant-attribution", "norelaying"),
    ("550 5.4.1 Relay Access Denied", "exo-relay-denied", "norelaying"),
    ("550 5.4.1 Recipient address rejected: Access denied. AS(201806281)", "recipient-unknown",
     "userunknown"),
    ("550 5.7.606 Access denied, banned sending IP [192.0.2.1].", "ip-blocklisted", "blocked"),
    ("421 4.7.28 unusual rate of unsolicited mail originating from your IP address",
     "rate-limited-reputation", "badreputation"),
    ("550 5.7.9 Message not accepted for policy reasons. DMARC policy of the sending domain is"
     " reject.", "dmarc-reject", "authfailure"),
    ("550-5.7.1 [198.51.100.3] The IP you're using to send mail is not authorized to send email"
     " directly to our servers.", "gmail-ip-not-authorized", "blocked"),
    ("451 4.7.512 Access denied, please try again later (AS42)", "exo-sending-ip-throttled",
     "badreputation"),
    ("550 Your message was classified as spam and refused", "spam-content-rejected",
     "spamdetected"),
    ("554 5.2.0 STOREDRV.Submission.Exception:OutboundSpamException; Failed to process message",
     "exo-outbound-sender-restricted", "rejected"),
    ("550 5.2.121 Recipient's per hour message receive limit from specific sender exceeded.",
     "exo-recipient-receive-limit", "speeding"),
    ("550 5.7.501 Access denied, spam abuse detected.", "exo-sender-banned-spam", "rejected"),
    ("550 5.7.705 Access denied, tenant has exceeded threshold", "exo-tenant-sending-blocked",
     "blocked"),
    ("550 5.6.11 Invalid characters", "exo-bare-linefeeds", "contenterror"),
    ("550 The message can't be submitted because the sender's submission quota was exceeded.",
     "exo-sending-limit-exceeded", "speeding"),
    ("550 5.2.2 STOREDRV.Submission.Exception:SubmissionQuotaExceededException; Submission quota"
     " exceeded", "exo-sending-limit-exceeded", "speeding"),
])
def test_rule_decides_the_reason(text: str, rule_id: str, reason: str) -> None:
    d = diagnose(text)
    assert d.top and d.top.rule == rule_id
    assert [r.reason for r in d.recipients] == [reason]


@pytest.mark.parametrize(("text", "rule_id"), [
    ("Task 'a@b.example - Sending' reported error (0x80042109) : 'Outlook cannot connect to your"
     " outgoing (SMTP) e-mail server.'", "client-smtp-connect-failed"),
    ("550 5.7.1 TRANSPORT.RULES.RejectMessage; no attachments of this type",
     "exo-transport-rule-reject"),
    ("550 5.4.5 Daily user sending limit exceeded. - gsmtp", "gmail-daily-sending-limit"),
    ("450-4.2.1 The user you are trying to contact is receiving mail too quickly. Please resend"
     " your message at a later time.", "gmail-recipient-receiving-too-fast"),
    ("550 5.7.0 Mail relay denied [198.51.100.9]. Invalid credentials for relay for one of the"
     " domains in: a.example (as obtained from HELO and MAIL FROM).",
     "gworkspace-smtp-relay-denied"),
])
def test_rule_without_recipients(text: str, rule_id: str) -> None:
    d = diagnose(text)
    assert d.top and d.top.rule == rule_id


def test_gmail_bad_credentials_is_a_security_error() -> None:
    d = diagnose("535-5.7.8 Username and Password not accepted. For more information, go to "
                 "https://support.google.com/mail/?p=BadCredentials")
    assert d.top.rule == "smtp-auth-bad-credentials"
    assert [r.reason for r in d.recipients] == ["securityerror"]


def test_status_alone_does_not_override_the_servers_words() -> None:
    d = diagnose("552 sorry, mailbox bob@example.org is over quota temporarily (#5.1.1)")
    assert [r.reason for r in d.recipients] == ["mailboxfull"]
