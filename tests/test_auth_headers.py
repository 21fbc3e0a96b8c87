"""Reading the authentication headers without any network: hops, results, provider verdicts."""

from __future__ import annotations

import email
from email.policy import compat32

from hypothesis import given, settings
from hypothesis import strategies as st

from mailcheck import diagnose
from mailcheck.ingest.antispam import decode_antispam
from mailcheck.ingest.authresults import parse_received_spf, read_auth_headers
from mailcheck.ingest.received import boundary, parse_received, received_chain, total_delay

from .conftest import FIXTURES

VERIFY = FIXTURES / "verify"


def headers_of(name: str) -> list[tuple[str, str]]:
    msg = email.message_from_bytes((VERIFY / name).read_bytes(), policy=compat32)
    return [(k, str(v)) for k, v in msg.items()]


def test_received_hops_of_the_after_fix_message():
    hops = received_chain(headers_of("after-fix-office365.eml"))
    assert [h.by_host for h in hops][:2] == ["mail-sor-f41.google.com",
                                              "TYCPR01MB8000.jpnprd01.prod.outlook.com"]
    google = hops[3]
    assert (google.from_ip, google.by_host, google.with_protocol) == (
        "40.107.22.51", "mx.google.com", "ESMTPS")
    assert (google.tls_version, google.tls_cipher) == ("TLS1.2", "ECDHE-ECDSA-AES128-GCM-SHA256")
    assert google.for_address == "hanako@gmail.com" and google.encrypted
    assert hops[1].with_protocol == "Microsoft SMTP Server" and hops[1].from_ip == "209.85.220.41"
    assert all(h.delay_seconds == 1.0 for h in hops[1:])
    assert total_delay(hops) == 4.0
    edge = boundary(hops)
    assert edge is google  # the receiving organisation (google.com) took it from Microsoft


def test_received_variants():
    postfix = parse_received(
        "from mail.example.net (mail.example.net [IPv6:2001:db8::5]) (using TLSv1.3 with cipher "
        "TLS_AES_256_GCM_SHA384 (256/256 bits)) by mx.example.org (Postfix) with ESMTPS id "
        "4ABC; Mon, 13 Nov 2023 10:00:00 +0900")
    assert postfix.from_ip == "2001:db8::5" and postfix.tls_version == "TLSv1.3"
    assert postfix.timestamp is not None and postfix.timestamp.utcoffset().total_seconds() == 32400
    broken = parse_received("garbage ((( without structure; not a date")
    assert broken.timestamp is None and broken.by_host is None


def test_trusted_authserv_id_only():
    hdrs = [
        ("Authentication-Results", "mx.google.com; spf=pass smtp.mailfrom=a@kaisha.example"),
        ("Authentication-Results", "evil.example; dkim=pass header.d=kaisha.example"),
    ]
    auth = read_auth_headers(hdrs)
    assert auth.receiver == "mx.google.com"
    assert [r.method for r in auth.results] == ["spf"]
    assert [r.authserv_id for r in auth.untrusted] == ["evil.example"]
    other = read_auth_headers(hdrs, receiver="evil.example")
    assert [r.method for r in other.results] == ["dkim"]


def test_exchange_online_results_without_authserv_id():
    auth = read_auth_headers(headers_of("gmail-own-servers.eml"))
    spf, dkim, dmarc = auth.first("spf"), auth.first("dkim"), auth.first("dmarc")
    assert (spf.result, spf.domain, spf.comment) == ("pass", "gmail.com",
                                                      "sender IP is 209.85.220.41")
    assert (dkim.result, dkim.domain) == ("pass", "gmail.com")
    assert (dmarc.result, dmarc.action, dmarc.domain) == ("fail", "quarantine", "kaisha.example")
    assert auth.received_spf[0]["client-ip"] == "209.85.220.41"
    assert auth.dkim_signatures[0]["d"] == "gmail.com"


def test_received_spf():
    parsed = parse_received_spf(
        'Pass (mx: domain of a@b.test designates 192.0.2.1 as permitted sender) '
        'client-ip=192.0.2.1; envelope-from="a@b.test"; helo=h.test;'
    )
    assert parsed["result"] == "pass" and parsed["client-ip"] == "192.0.2.1"
    assert parsed["envelope-from"] == "a@b.test" and parsed["helo"] == "h.test"


def test_forefront_report_in_words():
    spam = decode_antispam(headers_of("gmail-own-servers.eml"))
    assert spam.provider == "microsoft"
    words = "\n".join(spam.words)
    assert "SFV:SPM: spam" in words and "CAT:SPOOF: spoofing" in words
    assert "SCL 5: spam" in words and "IPV:NLI" in words and "Junk Email" in words
    assert spam.facts["scl"] == 5 and spam.facts["cat"] == "SPOOF"
    assert "an anonymous sender" in words


def test_diagnose_reads_headers_into_facts():
    diag = diagnose((VERIFY / "gmail-own-servers.eml").read_bytes())
    ev = diag.evidence
    assert ev.facts["auth_alignment"] == "not-aligned"
    assert ev.facts["connecting_ip"] == "209.85.220.41"
    assert ev.facts["antispam_cat"] == "SPOOF"
    assert diag.top.rule == "dmarc-alignment-fail"


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=300))
def test_header_readers_never_raise(value):
    parse_received(value)
    parse_received_spf(value)
    read_auth_headers([("Authentication-Results", value), ("ARC-Authentication-Results", value),
                       ("Received-SPF", value), ("DKIM-Signature", value)])
    decode_antispam([("X-Forefront-Antispam-Report", value), ("X-Microsoft-Antispam", value)])


def test_diagnose_report_shows_route_results_and_verdicts():
    from mailcheck.render import render

    diag = diagnose((VERIFY / "gmail-own-servers.eml").read_bytes())
    data = diag.to_dict()["checks"]
    assert data["boundary"] == {"hop": 2, "ip": "209.85.220.41"}
    assert [r["method"] for r in data["authentication"]["results"]][:3] == ["spf", "dkim", "dmarc"]
    text = render(diag, "text")
    assert "Route (3 hops" in text and "connecting IP 209.85.220.41" in text
    assert "compauth=fail reason=000: explicit failure" in text
    assert "CAT:SPOOF" in text


def test_bounces_keep_their_own_report():
    # a bounce's own authentication headers are not read as the failed message's
    bounce = (b"From: postmaster@example.org\nTo: a@b.test\nSubject: Undeliverable\n"
              b"Authentication-Results: mx.b.test; spf=fail smtp.mailfrom=example.org\n"
              b"Content-Type: text/plain\n\n"
              b"Remote Server returned '550 5.1.1 User unknown'\nx@example.org\n")
    diag = diagnose(bounce)
    assert diag.recipients and diag.recipients[0].reason == "userunknown"
    assert not any(f.pack == "authentication" for f in diag.findings)


def test_provider_verdicts_in_japanese():
    from mailcheck.render import render

    diag = diagnose((VERIFY / "gmail-own-servers.eml").read_bytes(), lang="ja")
    text = render(diag, "text")
    assert "CAT:SPOOF: スプーフィング" in text and "迷惑メール フォルダーに配信されました" in text
    assert "受信組織の境界: ホップ 2" in text


def test_a_bounce_from_mailer_daemon_is_not_read_for_authentication():
    dsn = (b"Authentication-Results: mx.google.com;\n"
           b"       dkim=pass header.i=@googlemail.com; spf=pass smtp.helo=mail.example;\n"
           b"       dmarc=pass header.from=googlemail.com\n"
           b"From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>\n"
           b"To: a@example.com\nSubject: Delivery Status Notification (Failure)\n\n"
           b"Your message wasn't delivered because the mailbox is full.\n")
    diag = diagnose(dsn)
    assert not any(f.pack == "authentication" for f in diag.findings)


def test_received_as_exim_postfix_microsoft_and_google_write_it():
    exim = parse_received(
        "from [192.0.2.1] (helo=client.example) by mx.example.org with esmtps (TLS1.3) tls "
        "TLS_AES_256_GCM_SHA384 (Exim 4.96) (envelope-from <a@b.test>) id 1r2s3t-000AbC-1x "
        "for x@example.org; Tue, 14 Nov 2023 22:13:20 +0000")
    assert (exim.from_host, exim.from_ip, exim.from_rdns) == ("client.example", "192.0.2.1", None)
    assert (exim.tls_version, exim.tls_cipher, exim.with_protocol) == (
        "TLS1.3", "TLS_AES_256_GCM_SHA384", "esmtps")
    assert exim.id == "1r2s3t-000AbC-1x" and exim.for_address == "x@example.org"
    postfix = parse_received(
        "from mail.example.net (mail.example.net [198.51.100.7]) (using TLSv1.2 with cipher "
        "ECDHE-RSA-AES256-GCM-SHA384 (256/256 bits)) (No client certificate requested) by "
        "mx.example.org (Postfix) with ESMTPS id 4SVx1Y2z3Q for <x@example.org>; "
        "Tue, 14 Nov 2023 22:13:20 +0000 (UTC)")
    assert (postfix.tls_version, postfix.tls_cipher) == ("TLSv1.2", "ECDHE-RSA-AES256-GCM-SHA384")
    assert postfix.from_rdns == "mail.example.net" and postfix.encrypted
    microsoft = parse_received(
        "from OS3PR01MB6000.jpnprd01.prod.outlook.com (2603:1096:604:2::9) by "
        "TYCPR01MB8000.jpnprd01.prod.outlook.com (2603:1096:400:1::5) with Microsoft SMTP Server "
        "(version=TLS1_2, cipher=TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384) id 15.20.7002.20 via "
        "Frontend Transport; Tue, 14 Nov 2023 13:00:02 +0000")
    assert (microsoft.from_ip, microsoft.with_protocol, microsoft.tls_version) == (
        "2603:1096:604:2::9", "Microsoft SMTP Server", "TLS1.2")
    google = parse_received(
        "from mail-sor-f41.google.com (mail-sor-f41.google.com. [209.85.220.41]) by mx.google.com "
        "with SMTPS id a1sor123.2023.11.14.05.00.00 for <x@example.org> (Google Transport "
        "Security); Tue, 14 Nov 2023 05:00:00 -0800 (PST)")
    assert (google.from_ip, google.from_rdns, google.with_protocol, google.encrypted) == (
        "209.85.220.41", "mail-sor-f41.google.com", "SMTPS", True)


def test_hops_with_unknown_time_zone_still_compare():
    # found on the sisimai corpus: "-0000" parses to a naive time, the others to aware ones
    hops = received_chain([
        ("Received", "from b.test by c.test with ESMTP; Tue, 14 Nov 2023 22:13:30 +0000"),
        ("Received", "from a.test by b.test with ESMTP; Tue, 14 Nov 2023 22:13:20 -0000"),
    ])
    assert hops[1].delay_seconds == 10.0 and total_delay(hops) == 10.0


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["+0000", "-0000", "+0900", "-0800", "PST", "", "GMT"]),
                          st.integers(min_value=0, max_value=10**9)), max_size=5),
       st.text(max_size=40))
def test_received_chain_never_raises(stamps, junk):
    from email.utils import formatdate

    values = [("Received", f"from a by b {junk}; {formatdate(t)[:-6]} {tz}")
              for tz, t in stamps]
    hops = received_chain(values)
    total_delay(hops)
    boundary(hops)


def _from_bounce_sender_reference(value: str | None) -> bool:
    """authentication._from_bounce_sender before its plain-From shortcut: every value
    through the general address parser."""
    from email.utils import getaddresses

    from mailcheck.ingest.authentication import _BOUNCE_SENDERS

    if value is None:
        return False
    addrs = [a for _, a in getaddresses([value])]
    if not addrs or not addrs[0].strip("<> "):
        return "mailer-daemon" in value.lower() or not addrs
    return addrs[0].split("@")[0].lower() in _BOUNCE_SENDERS


def _evidence_from(value: str | None):
    from mailcheck.model import Evidence, Header

    ev = Evidence()
    ev.headers.append(Header("Subject", "x"))
    if value is not None:
        ev.headers.append(Header("From", value))
        ev.headers.append(Header("from", "second@example.org"))  # the first From: counts
    return ev


@settings(max_examples=3000, deadline=None)
@given(st.one_of(
    st.text(alphabet=st.sampled_from(list('aZ09_.+- @<>\t",;()')), max_size=40),
    st.builds("".join, st.lists(st.sampled_from(
        ["MAILER-DAEMON", "Postmaster", "mail-daemon", "x", "@", "<", ">", '"', " ", ".",
         "example.org", "Mail Delivery System", "\t", ",", "(", ")", "-", "_"]), max_size=8)),
    st.none()))
def test_plain_from_shortcut_reads_the_sender_as_the_address_parser_does(value):
    from mailcheck.ingest.authentication import _from_bounce_sender

    assert _from_bounce_sender(_evidence_from(value)) == _from_bounce_sender_reference(value)


@settings(max_examples=2000, deadline=None)
@given(st.text(alphabet=st.sampled_from(list('aZ09_.+- @<>\t"')), max_size=40))
def test_plain_from_pattern_matches_only_what_getaddresses_reads_as_one_address(value):
    from email.utils import getaddresses

    from mailcheck.identities import _PLAIN_VALUE

    m = _PLAIN_VALUE.fullmatch(value)
    if m:
        assert [a for _, a in getaddresses([value])][:1] == [m.group(1) or m.group(2)]
