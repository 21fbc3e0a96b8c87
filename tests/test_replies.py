"""SMTP replies in text: multi-line joining, embedded replies, bare status codes."""

from __future__ import annotations

import pytest

from mailcheck import diagnose, ingest
from mailcheck.ingest.replies import find_status, parse_reply_text

from .conftest import FIXTURES


def test_multiline_reply_is_joined_into_one():
    ev = ingest((FIXTURES / "seed" / "gmail-multiline-reply.txt").read_bytes())
    assert len(ev.replies) == 1
    r = ev.replies[0]
    assert (r.code, r.status) == ("550", "5.7.26")
    assert r.text.startswith("550 5.7.26 Unauthenticated email from kumo-shokai.example")
    assert "domain's DMARC policy" in r.text and r.text.endswith("- gsmtp")
    assert r.text.count("5.7.26") == 1  # continuation prefixes dropped
    d = diagnose((FIXTURES / "seed" / "gmail-multiline-reply.txt").read_bytes())
    assert d.recipients[0].status == "5.7.26" and d.recipients[0].reply_code == "550"


@pytest.mark.parametrize("text,code,status", [
    ("550 5.1.1 <a@b.example>: Recipient address rejected: User unknown", "550", "5.1.1"),
    ("host mx.example[192.0.2.1] said: 452 4.2.2 Mailbox full (in reply to RCPT TO)", "452", "4.2.2"),
    ("< #5.1.1 smtp;550 5.1.1 User unknown>", "550", "5.1.1"),
    ("SMTP error from remote mail server after RCPT TO:<a@b>: 550 5.7.1 Blocked", "550", "5.7.1"),
    ("421 Service not available", "421", None),
    ("Status: 5.0.0", None, "5.0.0"),
])
def test_parse_reply_text(text, code, status):
    assert parse_reply_text(text) == (code, status)


@pytest.mark.parametrize("text,expected", [
    ("version 15.1.1362.18", None),      # a build number is not a status code
    ("from 192.0.2.55 port 25", None),   # nor an IP address
    ("#5.1.1", "5.1.1"),
    ("code 4.4.7 after 2 days", "4.4.7"),
])
def test_find_status(text, expected):
    assert find_status(text) == expected


def test_transcript_with_client_and_server_prefixes():
    d = diagnose((FIXTURES / "seed" / "smtp-transcript-535-mailbox.txt").read_bytes())
    codes = [(r.code, r.status) for r in d.evidence.replies]
    assert ("535", "5.7.139") in codes and ("220", None) in codes
    assert d.top.rule == "exo-smtp-auth-disabled-mailbox"
    assert "line 21" not in d.top.evidence[0].text  # cites the reply itself
    assert d.top.evidence[0].text.startswith("S: 535 5.7.139")
