"""Redaction: identifiers replaced by stable placeholders everywhere, nothing else changed."""

from __future__ import annotations

import json

from click.testing import CliRunner

from mailcheck.cli import main
from mailcheck.diagnosis import diagnose
from mailcheck.redact import Redactor, redact_diagnosis
from mailcheck.render import render

from .conftest import FIXTURES
from .htmltree import parse

EXO = FIXTURES / "report" / "exo-5.7.520-forwarding.eml"
GMAIL = FIXTURES / "report" / "gmail-sendas-with-signin-log.txt"

#: Everything in the fixtures that identifies a person, a mailbox, a host or a message.
SECRETS = {
    EXO: ["hanako.suzuki", "taro.yamada", "contoso.co.jp", "fabrikam.co.jp", "鈴木", "花子",
          "203.0.113.45", "10.167.242.88", "2603:1096:400:3c1::9",
          "a1b2c3d4e5f60718293a4b5c6d7e8f90", "TYWP286MB1999C0FFEE", "4F2A1C0DE",
          "MicrosoftExchange329e71ec", "Quotation for the Osaka office", "5bGx55SwIOWkqumDjg",
          "6Yi05pyoIOiKseWtkA"],
    GMAIL: ["Hanako Suzuki", "hanako.suzuki", "contoso.co.jp", "198.51.100.23",
            "5f0c9e2a-7d41-4b8e-9c1a-2e6f3d8b7a10", "0b7e4f6c-1a2d-4e3f-8a9b-c0d1e2f3a4b5"],
}


def test_redacted_outputs_hold_no_identifier():
    for path, secrets in SECRETS.items():
        raw = path.read_text("utf-8")
        for s in secrets:
            assert s in raw or s in " ".join(ln.text for ln in diagnose(
                path.read_bytes()).evidence.lines), f"fixture lost {s!r}"
        for lang in ("en", "ja"):
            diag = redact_diagnosis(diagnose(path.read_bytes(), lang=lang, source=path.name))
            for fmt in ("text", "json", "html"):
                out = render(diag, fmt)
                for s in secrets:
                    assert s.lower() not in out.lower(), (path.name, lang, fmt, s)


def test_same_identifier_same_placeholder_everywhere():
    diag = redact_diagnosis(diagnose(EXO.read_bytes(), source=EXO.name))
    rcpt = diag.recipients[0].recipient
    assert rcpt == "user3@gmail.com"  # the public provider's domain is kept
    assert diag.findings[0].recipients == [rcpt]
    html = render(diag, "html")
    doc = parse(html)
    assert rcpt in doc.find("h1").text()
    assert rcpt == doc.find("section", id="recipients").find("tbody").find("th").text()
    raw = doc.find("section", id="raw").text()
    assert raw.count(rcpt) >= 4
    # The person in To: reads the same whether the input had the name encoded or decoded.
    to_lines = [ln.text for ln in diag.evidence.lines if ln.text.startswith("To:")]
    assert to_lines == ["To: Person 1 <user2@domain1.example>"] * 2
    # Host names keep their shape, with the organisation's domain replaced.
    assert "from mail-gw.domain2.example (192.0.2.1)" in raw
    assert "Message-ID: <message-id-1@redacted.invalid>" in raw
    assert "Subject: Undeliverable: [subject 1]" in raw
    assert "Subject: [subject 1]" in raw
    # The report says that it is redacted.
    assert "Redacted copy" in doc.find("aside").text()
    assert "(2001:db8::1)" in raw


def test_redaction_keeps_what_the_diagnosis_needs():
    plain = diagnose(EXO.read_bytes(), source=EXO.name)
    red = redact_diagnosis(plain)
    assert [f.rule for f in red.findings] == [f.rule for f in plain.findings]
    assert red.findings[0].title == plain.findings[0].title
    assert [s.text for s in red.findings[0].fix] == [s.text for s in plain.findings[0].fix]
    # The commands keep their shape; the mailbox filled in from the input is replaced too.
    plain_ps = plain.findings[0].fix[0].powershell
    red_ps = red.findings[0].fix[0].powershell
    assert "-From hanako.suzuki@contoso.co.jp" in plain_ps
    assert "hanako.suzuki" not in red_ps and "contoso.co.jp" not in red_ps
    assert red_ps.split("-From ")[0] == plain_ps.split("-From ")[0]
    assert red.recipients[0].status == "5.7.520"
    assert "AS(7555)" in red.recipients[0].diagnostic
    assert "TYCP286MB2345.JPNP286.PROD.OUTLOOK.COM" in render(red, "text") or \
        "TYCP286MB2345.JPNP286.PROD.OUTLOOK.COM" in render(red, "html")
    assert red.redacted and red.to_dict()["redacted"] is True
    assert "redacted" not in plain.to_dict()
    # The input Diagnosis is left as it was (pure function).
    assert plain.recipients[0].recipient == "hanako.suzuki+outlook@gmail.com"
    assert not plain.redacted


def test_redactor_placeholders():
    r = Redactor()
    text = ("From: \"Ann Lee\" <ann@acme.co.uk>\nCc: postmaster@acme.co.uk\n"
            "host mx1.acme.co.uk [192.168.10.20] and [2001:db8:abcd::42] at 09:12:06\n"
            "tenant corp-example.mail.protection.outlook.com, admin@corp.onmicrosoft.com\n"
            "server TYWP286MB1999.mail.protection.outlook.com version 15.20.8769.31\n"
            "Name: 山田 太郎\nMessage-ID: <x1@acme.co.uk>\n")
    r.collect(text)
    out = r.sub(text)
    assert "\"Person 1\" <user1@domain1.example>" in out
    assert "Cc: postmaster@domain1.example" in out  # role mailboxes keep their local part
    assert "mx1.domain1.example [192.0.2.1] and [2001:db8::1] at 09:12:06" in out
    assert "tenant1.mail.protection.outlook.com, user2@tenant2.onmicrosoft.com" in out
    assert "TYWP286MB1999.mail.protection.outlook.com version 15.20.8769.31" in out
    assert "Name: Person 2" in out
    assert "Message-ID: <message-id-1@redacted.invalid>" in out
    assert r.sub("ANN@ACME.CO.UK") == "user1@domain1.example"  # case-insensitive


def test_redact_flag_on_every_format():
    runner = CliRunner()
    res = runner.invoke(main, ["diagnose", str(GMAIL), "--redact", "--format", "json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert data["redacted"] is True
    assert "contoso.co.jp" not in res.output and "Hanako" not in res.output
    res = runner.invoke(main, ["diagnose", str(GMAIL), "--redact"])
    assert res.exit_code == 0 and "Redacted copy" in res.output and "Hanako" not in res.output
    res = runner.invoke(main, ["diagnose", str(GMAIL), "--redact", "--lang", "ja",
                               "--format", "html"])
    assert res.exit_code == 0 and "匿名化済み" in res.output and "Hanako" not in res.output


def test_redacting_an_error_diagnosis():
    diag = redact_diagnosis(diagnose(b"", source="bob@corp.example.com.txt"))
    assert diag.error and diag.redacted
    assert "bob" not in diag.source


def test_checks_are_redacted_too():
    diag = diagnose(EXO.read_bytes())
    diag.checks = {"hops": [{"from": "mail-gw.fabrikam.co.jp", "ip": "203.0.113.45",
                             "for": "hanako.suzuki@contoso.co.jp"}],
                   "dns": [{"name": "fabrikam.co.jp", "type": "MX", "answers": ["10 mx.fabrikam.co.jp"]}]}
    red = redact_diagnosis(diag)
    dumped = json.dumps(red.to_dict())
    for s in ("fabrikam", "203.0.113.45", "hanako", "contoso.co.jp"):
        assert s not in dumped
    assert red.checks["hops"][0]["ip"] == "192.0.2.1"  # the same IP as in the raw input


def test_fix_steps_naming_the_input_domain_are_redacted_too():
    from mailcheck.auth_commands import build_resolver
    from mailcheck.verify import verify_message

    zones = tuple(str(z) for z in sorted((FIXTURES / "verify" / "zones").glob("*.zone")))
    raw = (FIXTURES / "verify" / "gmail-own-servers.eml").read_bytes()
    diag = verify_message(raw, build_resolver(zones, None, None, 3.0), now=1700000100)
    assert "kaisha.example" in json.dumps(diag.to_dict())
    red = redact_diagnosis(diag)
    dumped = json.dumps(red.to_dict(), ensure_ascii=False)
    for secret in ("kaisha", "209.85.220.41", "taro"):
        assert secret not in dumped.lower(), secret
    assert "-DomainName domain1.example" in dumped
    # Documentation links keep their hosts.
    assert red.findings[0].references == diag.findings[0].references
    assert "https://domain1.example/x" == _redactor_for("kaisha.example").sub(
        "https://kaisha.example/x")


def _redactor_for(domain: str) -> Redactor:
    r = Redactor()
    r.collect(f"From: a@{domain}")
    return r


def test_many_addresses_get_distinct_valid_placeholders():
    import ipaddress

    r = Redactor()
    text = " ".join(f"10.1.{i // 250}.{i % 250 + 1}" for i in range(1000))
    r.collect(text)
    out = r.sub(text).split()
    assert len(set(out)) == 1000
    for ip in out:
        ipaddress.ip_address(ip)
        assert not ip.startswith("10.")


def test_hosts_seen_only_in_received_lines_are_redacted():
    raw = (b"Received: from relay01.kaisha-naibu.co.jp (relay01.kaisha-naibu.co.jp [192.168.10.5])\n"
           b"\tby mx.torihikisaki.co.jp (Postfix) with ESMTP id 4AB12;\n"
           b"\tMon, 2 Nov 2026 10:00:00 +0900 (JST)\n"
           b"Received: from mail-sor-f41.google.com (mail-sor-f41.google.com [209.85.220.41])\n"
           b"\tby relay01.kaisha-naibu.co.jp; Mon, 2 Nov 2026 09:59:59 +0900\n"
           b"From: MAILER-DAEMON@torihikisaki.co.jp\n"
           b"To: sender@gmail.com\nSubject: Undelivered Mail Returned to Sender\n\n"
           b"<someone@gmail.com>: host mx said: 550 5.1.1 user unknown\n")
    diag = redact_diagnosis(diagnose(raw))
    # the HTML report shows the whole input, Received lines included
    text = render(diag, "html") + "\n".join(ln.text for ln in diag.evidence.lines)
    assert "Received: from relay01." in text
    assert "kaisha-naibu" not in text and "torihikisaki" not in text
    assert "192.168.10.5" not in text
    assert "google.com" in text  # a public provider's host names nobody
    assert "relay01.domain" in text  # the host's own label stays, its domain is replaced


def test_ipv6_after_a_prefix_is_replaced_whole():
    """"[IPv6:2001:...]" in Received and "ip6:..." in SPF records keep their prefix; the
    address after it is replaced whole (not from the "6" of the prefix)."""
    r = Redactor()
    text = ("Received: from a ([IPv6:2001:db8:1::5]) v=spf1 ip6:2a01:111:f400::/48 -all "
            "at 12:30:45 from fe80::1")
    r.collect(text)
    out = r.sub(text)
    assert "[IPv6:2001:db8::" in out and " ip6:2001:db8::" in out and "/48 -all" in out
    assert "2001:db8:1::5" not in out and "2a01:111" not in out and "fe80::1" not in out
    assert "12:30:45" in out


def test_redacted_japanese_report_keeps_its_language():
    """mailcheck's own messages (the SPF trace) stay Japanese after redaction, with the
    identifiers in them replaced."""
    zones = sorted((FIXTURES / "verify" / "zones").glob("*.zone"))
    args = ["verify", str(FIXTURES / "verify" / "spf-fail-unlisted-server.eml"), "--lang", "ja",
            "--redact"]
    for z in zones:
        args += ["--dns-zone", str(z)]
    out = CliRunner().invoke(main, args).output
    assert "は不一致" in out and "に一致: fail" in out
    assert "no match for" not in out
    assert "203.0.113.9" not in out and "kaisha.example" not in out
