"""Outlook .msg through the real extract-msg library, on files written by tests/msgfile.py.

A .msg must be diagnosed like the .eml it was saved from. These tests skip on a machine
without extract-msg and fail under CI=true (``pip install '.[test]'`` installs it).
"""

from __future__ import annotations

import datetime as dt
import email
import importlib.util
import json
import quopri
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from mailcheck import outlook_msg
from mailcheck.cli import main

from . import msgfile as mf
from .batch_messages import dsn, received
from .conftest import FIXTURES, need

NDR_EML = FIXTURES / "seed" / "exo-5.7.520-ndr.eml"
WHEN = dt.datetime(2023, 3, 6, 10, 14, 6, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def extract_msg():
    need(importlib.util.find_spec("extract_msg"),
         "extract-msg is not installed (pip install 'mailcheck[msg]')")
    import extract_msg

    return extract_msg


def crlf(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\n", "\r\n")


def split(raw: bytes) -> tuple[str, str]:
    head, _, body = raw.decode().partition("\n\n")
    return crlf(head + "\n\n"), body


def exchange_ndr_msg(plain: bool = True, original: bool = True) -> bytes:
    """The NDR of fixtures/seed/exo-5.7.520-ndr.eml as Outlook saves it: class
    REPORT.IPM.Note.NDR, the transport headers, the HTML body (and its plain-text
    rendering), the bounced message attached as a message. No delivery-status part:
    Outlook keeps only the human-readable report and the original."""
    eml = email.message_from_bytes(NDR_EML.read_bytes())
    head, _ = split(NDR_EML.read_bytes())
    html_part = next(p for p in eml.walk() if p.get_content_type() == "text/html")
    html = quopri.decodestring(html_part.get_payload().encode())
    text = re.sub(r"<br>|</p>|</tr>|</pre>", "\n", html.decode())
    text = crlf(re.sub(r"\n{3,}", "\n\n", re.sub(r"<[^>]+>", "", text)).strip() + "\n")
    orig_part = next(p for p in eml.walk() if p.get_content_type() == "text/rfc822-headers")
    orig_headers = crlf(orig_part.get_payload())
    attachments = []
    if original:
        attachments.append(mf.embedded_attachment(mf.message_tree({
            mf.PR_MESSAGE_CLASS: "IPM.Note", mf.PR_SUBJECT: "Next week's meeting",
            mf.PR_TRANSPORT_MESSAGE_HEADERS: orig_headers,
            mf.PR_BODY: "Shall we meet on Tuesday?\r\n",
        }, embedded=True), name="Next week's meeting"))
    return mf.outlook_message(
        message_class="REPORT.IPM.Note.NDR", subject="Undeliverable: Next week's meeting",
        body=text if plain else None, html=html, headers=head,
        sender=("Microsoft Outlook", "MicrosoftExchange329e71ec88ae4615bbc36ab6ce41109e"
                                     "@kumo-shokai.example"),
        to=["taro@kumo-shokai.example"], date=WHEN, attachments=attachments)


def batch(paths: list[Path]) -> tuple[int, list[dict]]:
    result = CliRunner().invoke(main, ["batch", "--format", "jsonl", "--jobs", "1",
                                       *map(str, paths)])
    return result.exit_code, [json.loads(x) for x in result.stdout.splitlines() if x.strip()]


def verdict(d: dict) -> dict:
    """What must not change between a message and its .msg."""
    return {"kind": d["kind"], "error": d["error"],
            "recipients": [{k: r[k] for k in ("recipient", "action", "status", "reply_code",
                                              "reason", "hard_bounce", "rule")}
                           for r in d["recipients"]],
            "findings": [(f["rule"], f["reason"], f["recipients"]) for f in d["findings"]],
            "auth": [(r["method"], r["result"], r["authserv_id"], r["domain"])
                     for r in d["checks"].get("authentication", {}).get("results", [])]}


# -- the generator is honest: the real library reads back what was written ------------------


def test_generated_file_reads_back_through_extract_msg(extract_msg):
    big = "long line of body text\r\n" * 300  # > 4,096 bytes: a regular-sector stream
    orig = mf.message_tree({mf.PR_MESSAGE_CLASS: "IPM.Note", mf.PR_SUBJECT: "the original",
                            mf.PR_BODY: "original body"}, embedded=True)
    data = mf.outlook_message(
        subject="Größe und 日本語", body=big, headers="Received: from a by b\r\nFrom: x@y.example\r\n\r\n",
        sender=("Alice", "alice@example.com"), to=["bob@example.net"], date=WHEN,
        attachments=[mf.embedded_attachment(orig),
                     mf.file_attachment("notes.txt", b"hello", "text/plain", num=1)])
    assert data[:8] == outlook_msg.OLE_MAGIC and len(data) % 512 == 0
    msg = extract_msg.openMsg(data)
    try:
        assert type(msg).__name__ == "Message"
        assert msg.subject == "Größe und 日本語"
        assert msg.body == big
        assert msg.headerText.startswith("Received: from a by b\r\nFrom: x@y.example")
        assert msg.date == WHEN
        assert [(r.email, r.type) for r in msg.recipients] == [("bob@example.net", 1)]
        first, second = msg.attachments
        assert first.data.subject == "the original" and first.data.body == "original body"
        assert second.data == b"hello" and second.longFilename == "notes.txt"
    finally:
        msg.close()


def test_generated_file_is_a_sound_compound_file():
    """olefile (extract-msg's reader) finds every stream with its exact size."""
    import olefile

    data = mf.cfb({"b": b"x" * 5000, "a": b"y" * 10, "dir": {"c": b"", "dd": b"z" * 64}})
    ole = olefile.OleFileIO(data)
    assert sorted("/".join(p) for p in ole.listdir()) == ["a", "b", "dir/c", "dir/dd"]
    assert ole.openstream("b").read() == b"x" * 5000
    assert ole.openstream("a").read() == b"y" * 10
    assert ole.get_size("dir/dd") == 64 and ole.openstream("dir/c").read() == b""


# -- diagnosed like the .eml ----------------------------------------------------------------


@pytest.mark.parametrize("plain", [True, False], ids=["plain-and-html", "html-only"])
def test_exchange_ndr_msg_is_diagnosed_like_the_eml(tmp_path: Path, plain: bool):
    (tmp_path / "ndr.msg").write_bytes(exchange_ndr_msg(plain=plain))
    _, [eml] = batch([NDR_EML])
    code, [msg] = batch([tmp_path / "ndr.msg"])
    assert code == 0 and msg["error"] is None
    assert msg["recipients"][0]["recipient"] == "taro.yamada+outlook@gmail.com"
    assert msg["recipients"][0]["rule"] == "exo-external-forwarding-blocked"
    assert verdict(msg) == verdict(eml)


def test_exchange_ndr_msg_names_the_original_sender(tmp_path: Path):
    """The bounced message is an attachment of the .msg; the CSV's sender comes from it."""
    (tmp_path / "ndr.msg").write_bytes(exchange_ndr_msg())
    result = CliRunner().invoke(main, ["batch", "--format", "csv", str(tmp_path / "ndr.msg"),
                                       str(NDR_EML)])
    rows = result.stdout.splitlines()
    assert len(rows) == 3
    assert all(",hanako@kumo-shokai.example," in row for row in rows[1:]), rows
    text = outlook_msg.msg_to_rfc822(exchange_ndr_msg()).decode()
    assert "Content-Type: message/rfc822" in text and "From: Sato Hanako" in text


def test_diagnose_reads_a_msg_file(tmp_path: Path):
    (tmp_path / "ndr.msg").write_bytes(exchange_ndr_msg())
    result = CliRunner().invoke(main, ["diagnose", "--format", "json",
                                       str(tmp_path / "ndr.msg")])
    assert result.exit_code == 0, result.output
    d = json.loads(result.stdout)
    assert d["findings"][0]["rule"] == "exo-external-forwarding-blocked"


def test_received_msg_has_the_receivers_results_like_the_eml(tmp_path: Path):
    raw = received(from_domain="example.com", spf="pass", dkim="fail", dmarc="fail")
    head, body = split(raw)
    (tmp_path / "r.eml").write_bytes(raw)
    (tmp_path / "r.msg").write_bytes(mf.outlook_message(
        subject="quarterly figures", body=crlf(body), headers=head,
        sender=("Alice", "alice@example.com"), to=["bob@example.net"], date=WHEN))
    _, [eml, msg] = batch([tmp_path / "r.eml", tmp_path / "r.msg"])
    assert msg["kind"] == "headers" and msg["error"] is None
    assert ("dmarc", "fail", "mx.example.net", "example.com") in verdict(msg)["auth"]
    assert verdict(msg) == verdict(eml)
    assert msg["checks"]["received"] == eml["checks"]["received"]


def test_msg_without_transport_headers_gets_only_the_fields_it_has():
    """An NDR made by the user's own Exchange never crossed SMTP: no transport headers.
    extract-msg's stand-in header has empty Cc, Bcc, Message-Id and Authentication-Results
    fields; none of them may reach the analysis."""
    data = mf.outlook_message(
        message_class="REPORT.IPM.Note.NDR", subject="Undeliverable: hi",
        body="Delivery has failed to these recipients or groups:\r\n\r\nbob@example.org\r\n"
             "Remote Server returned '550 5.1.1 RESOLVER.ADR.RecipNotFound; not found'\r\n",
        sender=("Microsoft Outlook", "postmaster@example.com"), to=["alice@example.com"],
        date=WHEN)
    head = outlook_msg.msg_to_rfc822(data).decode().split("\n\n")[0].splitlines()
    assert head[:4] == ["From: Microsoft Outlook <postmaster@example.com>",
                        "To: alice@example.com", "Subject: Undeliverable: hi",
                        "Date: Mon, 06 Mar 2023 10:14:06 +0000"]
    assert not [h for h in head if h.endswith(":") or h.endswith(": ")]


def test_html_body_is_decoded_in_the_messages_code_page():
    html = "<html><body><p>Zustellung fehlgeschlagen für bob@example.org</p></body></html>"
    data = mf.outlook_message(subject="x", html=html.encode("cp1252"), cpid=1252,
                              headers="From: a@example.com\r\n\r\n")
    text = outlook_msg.msg_to_rfc822(data).decode()
    assert "Content-Type: text/html; charset=utf-8" in text
    assert "für bob@example.org" in text


def test_delivery_status_attachment_is_kept_as_a_report_part(tmp_path: Path):
    """A DSN whose machine-readable part Outlook kept as an attachment."""
    status = dsn("carol@example.org").decode().split("Content-Type: message/delivery-status\n\n")[1]
    status = crlf(status.split("\n--BOUNDARY")[0])
    data = mf.outlook_message(
        message_class="REPORT.IPM.Note.NDR", subject="Undelivered Mail Returned to Sender",
        body="Your message could not be delivered.\r\n",
        headers="From: MAILER-DAEMON@mail.example.com\r\nTo: alice@example.com\r\n\r\n",
        attachments=[mf.file_attachment("details.txt", status.encode(),
                                        "message/delivery-status")])
    (tmp_path / "dsn.msg").write_bytes(data)
    _, [d] = batch([tmp_path / "dsn.msg"])
    assert [(r["recipient"], r["status"]) for r in d["recipients"]] == [
        ("carol@example.org", "5.1.1")]


# -- nothing lost ---------------------------------------------------------------------------


def test_batch_folder_with_eml_msg_and_corrupt_msg_loses_nothing(tmp_path: Path):
    good = exchange_ndr_msg()
    (tmp_path / "a.eml").write_bytes(dsn("one@example.org"))
    (tmp_path / "b.msg").write_bytes(good)
    (tmp_path / "c.msg").write_bytes(good[:1536] + b"\0" * 2000)  # header kept, rest gone
    (tmp_path / "d.msg").write_bytes(good[:700])  # cut short
    raw = received()
    head, body = split(raw)
    (tmp_path / "e.msg").write_bytes(mf.outlook_message(subject="s", body=body, headers=head))
    (tmp_path / "f.eml").write_bytes(raw)
    code, lines = batch([tmp_path])
    assert code == 1
    names = [Path(d["source"]).name for d in lines]
    assert names == ["a.eml", "b.msg", "c.msg", "d.msg", "e.msg", "f.eml"]
    errors = {Path(d["source"]).name: d["error"] for d in lines if d["error"]}
    assert set(errors) == {"c.msg", "d.msg"}
    assert all(e.startswith("cannot read:") and "\n" not in e for e in errors.values())
    assert [d["kind"] for d in lines if not d["error"]] == ["bounce", "bounce", "headers",
                                                            "headers"]


def test_diagnose_damaged_msg_is_one_line_exit_2(tmp_path: Path):
    (tmp_path / "bad.msg").write_bytes(outlook_msg.OLE_MAGIC + b"\0" * 3000)
    result = CliRunner().invoke(main, ["diagnose", str(tmp_path / "bad.msg")])
    assert result.exit_code == 2
    assert "damaged Outlook .msg file" in result.output and result.output.count("\n") == 1
