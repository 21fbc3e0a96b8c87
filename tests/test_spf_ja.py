"""`mailcheck spf --lang ja`: the evaluation trace in Japanese, from offline zone files.

The English output is pinned line for line, so adding the language changed nothing for
existing users; the Japanese run must show every trace line in Japanese and none of the
English template text.
"""

from __future__ import annotations

import json
import string

import pytest
from click.testing import CliRunner

from mailcheck.checks.dns import TableResolver
from mailcheck.checks.spf import check_spf
from mailcheck.cli import main
from mailcheck.messages import TEMPLATES, localize

EXAMPLE_ZONE = """\
$ORIGIN example.com.
$TTL 300
@     IN TXT "v=spf1 include:spf.provider.net a:mail.example.com mx ptr exists:%{i}.x.example.com -all"
mail  IN A 192.0.2.25
"""
PROVIDER_ZONE = """\
$ORIGIN spf.provider.net.
$TTL 300
@ IN TXT "v=spf1 ip4:198.51.100.0/24 ~all"
"""

ENGLISH = """\
SPF fail for 203.0.113.9 sending as alice@example.com (domain example.com)
Record: v=spf1 include:spf.provider.net a:mail.example.com mx ptr exists:%{i}.x.example.com -all
Decided by: -all
Explanation: The domain's SPF policy does not authorise 203.0.113.9 to send mail for example.com.
DNS lookups: 5/10, void lookups: 2/2
Trace:
  example.com: 'v=spf1 include:spf.provider.net a:mail.example.com mx ptr exists:%{i}.x.example.com -all'
  'include:spf.provider.net' (DNS term 1/10): include spf.provider.net
    spf.provider.net: 'v=spf1 ip4:198.51.100.0/24 ~all'
    'ip4:198.51.100.0/24': no match for 203.0.113.9
    '~all' matched: softfail
  'include:spf.provider.net' (DNS term 1/10): the included policy says softfail
  'a:mail.example.com' (DNS term 2/10): A mail.example.com does not hold 203.0.113.9
  MX example.com: nodata (void lookup 1)
  'mx' (DNS term 3/10): no MX host of example.com has 203.0.113.9
  'ptr' (DNS term 4/10): validated names of 203.0.113.9 under example.com?
  PTR 9.113.0.203.in-addr.arpa: nxdomain, so no validated name
  validated names for 203.0.113.9: none
  'ptr' (DNS term 4/10): no match for example.com
  A 203.0.113.9.x.example.com: nxdomain (void lookup 2)
  'exists:%{i}.x.example.com' (DNS term 5/10): A 203.0.113.9.x.example.com does not exist
  '-all' matched: fail
"""


@pytest.fixture
def zones(tmp_path):
    paths = []
    for name, text in (("example.com.zone", EXAMPLE_ZONE), ("provider.zone", PROVIDER_ZONE)):
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        paths += ["--dns-zone", str(path)]
    return paths


def spf(zones, *args: str) -> str:
    argv = ["spf", "--ip", "203.0.113.9", "--sender", "alice@example.com", *zones, *args]
    r = CliRunner().invoke(main, argv)
    assert r.exit_code == 0, r.output
    return r.output


def test_english_is_unchanged(zones):
    assert spf(zones) == ENGLISH
    assert spf(zones, "--lang", "en") == ENGLISH


def test_japanese_trace(zones):
    out = spf(zones, "--lang", "ja")
    for line in (
        "SPF fail: 203.0.113.9 から alice@example.com として送信(ドメイン example.com)",
        "決め手: -all",
        "DNS 参照: 5/10、空の参照: 2/2",
        "評価経過:",
        "  'include:spf.provider.net'(DNS 参照 1/10): spf.provider.net を include",
        "    'ip4:198.51.100.0/24': 203.0.113.9 は不一致",  # indented: inside the include
        "    '~all' に一致: softfail",
        "  'include:spf.provider.net'(DNS 参照 1/10): include 先のポリシーの結果は softfail",
        "  'a:mail.example.com'(DNS 参照 2/10): A mail.example.com に 203.0.113.9 は含まれません",
        "  MX example.com: nodata(空の参照 1 回目)",
        "  'mx'(DNS 参照 3/10): example.com の MX ホストに 203.0.113.9 を持つものはありません",
        "  203.0.113.9 の検証済みの名前: なし",
        "  'exists:%{i}.x.example.com'(DNS 参照 5/10): A 203.0.113.9.x.example.com は存在しません",
        "  '-all' に一致: fail",
    ):
        assert line + "\n" in out, line
    # the published record is data, shown as published
    assert "v=spf1 include:spf.provider.net a:mail.example.com mx ptr" in out
    for english in ("Trace:", "Decided by", "no match for", "matched:", "the included policy",
                    "does not hold", "void lookup", "validated names", "does not exist"):
        assert english not in out, english


def test_json_stays_english_whatever_the_language(zones):
    en = json.loads(spf(zones, "--format", "json"))
    ja = json.loads(spf(zones, "--format", "json", "--lang", "ja"))
    assert en == ja
    assert "'-all' matched: fail" in en["trace"]


def test_every_spf_trace_message_has_japanese_without_english_leftovers():
    t = TableResolver()
    t.add("example.com", "TXT", ("v=spf1 a redirect=other.example",))
    t.add("other.example", "TXT", ("v=spf1 ip6:2001:db8::/32 -all exp=why.other.example",))
    t.add("why.other.example", "TXT", ("%{i} is not allowed",))
    trace = []
    for ip in ("2001:db8::1", "2001:db9::1"):
        trace += check_spf(ip, "bob@example.com", "helo.example", t).trace
    keys = {line.key for line in trace}
    assert {"spf.redirect", "spf.ip_match", "spf.ip_no_match", "spf.matched",
            "spf.exp_text"} - keys == set()
    for line in trace:
        ja = localize(line, "ja")
        en_literals = [
            lit.strip(" :'()")
            for lit, *_ in string.Formatter().parse(TEMPLATES[line.key]["en"])
        ]
        for lit in en_literals:
            if len(lit) >= 6 and lit not in TEMPLATES[line.key]["ja"]:
                assert lit not in ja, (line, ja)


def test_permerror_reason_in_japanese_and_english_unchanged(tmp_path):
    zone = tmp_path / "bad.zone"
    zone.write_text('$ORIGIN example.com.\n$TTL 300\n@ IN TXT "v=spf1 ip4:300.1.1.1 -all"\n',
                    encoding="utf-8")
    argv = ["spf", "--ip", "192.0.2.1", "--sender", "a@example.com", "--dns-zone", str(zone)]
    en = CliRunner().invoke(main, argv).output
    ja = CliRunner().invoke(main, [*argv, "--lang", "ja"]).output
    assert "Problem: '300.1.1.1' is not an IPv4 address: 'ip4:300.1.1.1'\n" in en
    assert "  permerror: '300.1.1.1' is not an IPv4 address: 'ip4:300.1.1.1'\n" in en
    assert "問題: '300.1.1.1' は IPv4 アドレスではありません: 'ip4:300.1.1.1'\n" in ja
    assert "  permerror: '300.1.1.1' は IPv4 アドレスではありません: 'ip4:300.1.1.1'\n" in ja
    assert "is not an" not in ja
    data = json.loads(CliRunner().invoke(main, [*argv, "--format", "json", "--lang", "ja"]).output)
    assert data["problem"] == "'300.1.1.1' is not an IPv4 address: 'ip4:300.1.1.1'"


def test_verify_table_explains_a_permerror_in_japanese(tmp_path):
    zone = tmp_path / "bad.zone"
    zone.write_text('$ORIGIN example.com.\n$TTL 300\n@ IN TXT "v=spf1 ip4:300.1.1.1 -all"\n',
                    encoding="utf-8")
    message = tmp_path / "m.eml"
    message.write_text(
        "Authentication-Results: mx.example.net; spf=permerror smtp.mailfrom=a@example.com\n"
        "Received: from mail.example.com (mail.example.com [192.0.2.1]) by mx.example.net"
        " with ESMTPS; Mon, 16 Nov 2026 09:00:00 +0000\n"
        "Return-Path: <a@example.com>\nFrom: a@example.com\nTo: b@example.net\n"
        "Subject: s\n\nbody\n", encoding="utf-8")
    argv = ["verify", str(message), "--dns-zone", str(zone)]
    ja = CliRunner().invoke(main, [*argv, "--lang", "ja"]).output
    en = CliRunner().invoke(main, argv).output
    assert "'300.1.1.1' は IPv4 アドレスではありません" in ja and "is not an IPv4" not in ja
    assert "'300.1.1.1' is not an IPv4 address" in en
