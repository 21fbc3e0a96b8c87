"""The remote MTA of each recipient: from Remote-MTA, or from the notice's own words."""

from __future__ import annotations

import pytest

from mailcheck.diagnosis import diagnose

from .conftest import dsn_report

_dsn = dsn_report


@pytest.mark.parametrize(("field", "host"), [
    ("Remote-MTA: dns; mx.b.example.", "mx.b.example"),
    ("Remote-MTA: dns; mx.b.example. (198.51.100.5, the server for the domain b.example.)",
     "mx.b.example"),
    ("Remote-MTA: dns; mx.b.example [198.51.100.5]", "mx.b.example"),
    ("Remote-MTA: dns; [198.51.100.5]", "198.51.100.5"),
    ("Remote-MTA: dns; ", None),
])
def test_remote_mta_field_gives_the_host_alone(field: str, host: str | None) -> None:
    fields = ("Final-Recipient: rfc822; bob@b.example\nAction: failed\nStatus: 5.1.1\n"
              f"{field}\nDiagnostic-Code: smtp; 550 5.1.1 User unknown\n")
    (rec,) = diagnose(_dsn(fields, "The message could not be delivered.")).recipients
    assert rec.remote_mta == host


def test_sendmail_transcript_names_the_server() -> None:
    fields = ("Final-Recipient: rfc822; bob@b.example\nAction: failed\nStatus: 5.2.3\n"
              "Diagnostic-Code: smtp; 552 5.2.3 Message size exceeds fixed maximum\n")
    prose = ("   ----- Transcript of session follows -----\n"
             "... while talking to mx.b.example.:\n>>> MAIL From:<alice@a.example> SIZE=2000\n"
             "<<< 552 5.2.3 Message size exceeds fixed maximum\n554 5.0.0 Service unavailable\n")
    (rec,) = diagnose(_dsn(fields, prose)).recipients
    assert rec.remote_mta == "mx.b.example"


QMAIL = """From: MAILER-DAEMON@a.example
To: alice@a.example
Subject: failure notice

Hi. This is the qmail-send program at a.example.
I'm afraid I wasn't able to deliver your message to the following addresses.
This is a permanent error; I've given up. Sorry it didn't work out.

<bob@b.example>:
{line}
Remote host said: 552 Error: disk quota exceeded
Giving up on 198.51.100.20.
"""


@pytest.mark.parametrize("line", ["198.51.100.20 does not like recipient.",
                                  "Connected to 198.51.100.20 but sender was rejected."])
def test_qmail_names_the_server_by_ip(line: str) -> None:
    (rec,) = diagnose(QMAIL.format(line=line)).recipients
    assert rec.remote_mta == "198.51.100.20"


def test_one_server_is_not_given_to_recipients_at_other_domains() -> None:
    fields = ("Final-Recipient: rfc822; bob@b.example\nAction: failed\nStatus: 5.1.1\n"
              "Diagnostic-Code: smtp; 550 5.1.1 User unknown\n\n"
              "Final-Recipient: rfc822; carol@c.example\nAction: failed\nStatus: 5.1.1\n"
              "Diagnostic-Code: smtp; 550 5.1.1 User unknown\n")
    prose = "... while talking to mx.b.example.:\n<<< 550 5.1.1 User unknown\n"
    assert [r.remote_mta for r in diagnose(_dsn(fields, prose)).recipients] == [None, None]


def test_a_system_cites_its_own_line_when_lower_casing_changes_lengths():
    """'İ' lower-cases to two characters: offsets in the lower-cased text drift from the
    text's, so the line that names the system is found line by line instead."""
    from mailcheck.ingest import ingest

    text = ("From: postmaster@x.example\nTo: a@b.example\nSubject: x\n"
            "Content-Type: text/plain; charset=utf-8\n\n" + "İ" * 60 +
            "\nline one\nfiltered by mimecast\nshort\nanother line that is here\n"
            "550 5.1.1 user unknown\n")
    ev = ingest(text.encode())
    assert len(ev.haystack_lower()) != len(ev.haystack())
    assert ev.systems["mimecast"].text == "filtered by mimecast"
