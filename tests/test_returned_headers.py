"""The second occurrence of a once-only field in a returned header, for format refusals."""

from mailcheck import diagnose, ingest

REFUSAL = ("550 5.7.1 Our system has detected that this message is not RFC 5322 compliant: "
           "duplicate headers.")


def _bounce(reply: str, returned: str) -> bytes:
    return (
        "From: MAILER-DAEMON@relay.example\nTo: app@sender.example\n"
        "Subject: Undelivered Mail Returned to Sender\nMIME-Version: 1.0\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="b"\n\n'
        "--b\nContent-Type: text/plain\n\n"
        f"<user@gmail.com>: host mx.example[192.0.2.1] said: {reply}\n"
        "--b\nContent-Type: message/delivery-status\n\n"
        "Reporting-MTA: dns; relay.example\n\n"
        "Final-Recipient: rfc822; user@gmail.com\nAction: failed\nStatus: 5.7.1\n"
        f"Diagnostic-Code: smtp; {reply}\n"
        "--b\nContent-Type: text/rfc822-headers\n\n"
        f"{returned}\n--b--\n").encode()


def test_the_second_subject_is_cited():
    returned = ("From: App <app@sender.example>\nTo: user@gmail.com\nSubject: one\n"
                "Received: from a\nReceived: from b\nSubject: two\n")
    ev = ingest(_bounce(REFUSAL, returned))
    assert ev.facts["returned_duplicate_field"] == "subject"
    assert ev.fact_lines["returned_duplicate_field"].text == "Subject: two"
    top = diagnose(_bounce(REFUSAL, returned)).top
    assert top.rule == "message-not-rfc5322"
    assert any(ln.text == "Subject: two" for ln in top.evidence)


def test_repeatable_fields_and_folded_lines_are_not_duplicates():
    returned = ("Received: from a\nReceived: from b\nFrom: App\n <app@sender.example>\n"
                "Comments: x\nComments: y\nTo: user@gmail.com\n")
    ev = ingest(_bounce(REFUSAL, returned))
    assert "returned_duplicate_field" not in ev.facts
    assert diagnose(_bounce(REFUSAL, returned)).top.rule == "message-not-rfc5322"


def test_nothing_is_looked_for_without_a_format_refusal():
    returned = "From: a@sender.example\nFrom: b@sender.example\n"
    ev = ingest(_bounce("550 5.1.1 <user@gmail.com>: User unknown", returned))
    assert "returned_duplicate_field" not in ev.facts
