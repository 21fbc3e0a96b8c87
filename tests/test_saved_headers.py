"""The small reader of the receiver's verdicts used by the batch summary."""

from __future__ import annotations

from mailcheck.saved_headers import aligned, parse_authentication_results, read_verdicts


def test_gmail_style_results_and_alignment():
    v = read_verdicts([
        ("Received", "from mail.news.example.com (mail.news.example.com [198.51.100.7]) "
                     "by mx.google.com with ESMTPS id x; Mon, 03 Mar 2025 10:01:00 +0000"),
        ("Authentication-Results", "mx.google.com; dkim=pass header.i=@esp.example "
         "header.s=k1; dkim=fail (bad signature) header.d=example.com; "
         "spf=pass (google.com: domain of b@esp.example designates 198.51.100.7 as "
         "permitted sender) smtp.mailfrom=b@esp.example; dmarc=fail (p=NONE) "
         "header.from=news.example.com"),
        ("Received", "from x by mail.news.example.com; Mon, 03 Mar 2025 10:00:00 +0000"),
        ("From", "News <news@news.example.com>"),
    ])
    assert v.receiver == "mx.google.com"
    assert (v.spf, v.dkim, v.dmarc) == ("pass", "pass", "fail")
    assert v.from_domain == "news.example.com" and v.mailfrom_domain == "esp.example"
    assert v.dkim_domains == ["esp.example"]
    assert v.spf_aligned is False and v.dkim_aligned is False
    assert v.ip == "198.51.100.7"
    assert v.hop_delays == [60.0] and v.total_delay == 60.0


def test_exchange_online_without_authserv_id_and_subdomain_alignment():
    v = read_verdicts([
        ("Authentication-Results", "spf=pass (sender IP is 203.0.113.5) "
         "smtp.mailfrom=bounces.example.co.uk; dkim=pass (signature was verified) "
         "header.d=example.co.uk;dmarc=pass action=none header.from=www.example.co.uk;"),
    ])
    assert v.receiver is None
    assert (v.spf, v.dkim, v.dmarc) == ("pass", "pass", "pass")
    assert v.spf_aligned is True and v.dkim_aligned is True  # relaxed: same org domain
    assert aligned("a.example.co.uk", "example.co.uk") and not aligned("co.uk", "example.co.uk")


def test_received_spf_and_received_ip_fallbacks():
    v = read_verdicts([
        ("Received-SPF", "Softfail (mx.example.net: transitioning domain of a@b.example does "
                         "not designate 192.0.2.9 as permitted sender) client-ip=192.0.2.9;"),
        ("From", "a@b.example"),
    ])
    assert v.spf == "softfail" and v.ip == "192.0.2.9" and v.from_domain == "b.example"
    v = read_verdicts([("Received", "from h (h [IPv6:2001:db8::1]) by mx; "
                                    "Mon, 03 Mar 2025 10:00:00 +0000")])
    assert v.ip == "2001:db8::1" and v.spf is None and v.hop_delays == []


def test_nothing_to_read_and_clock_skew():
    assert read_verdicts([("Subject", "hi"), ("From", "a@b")]) is None
    v = read_verdicts([("Received", "by a; Mon, 03 Mar 2025 09:00:00 +0000"),
                       ("Received", "by b; Mon, 03 Mar 2025 10:00:00 +0000")])
    assert v.hop_delays == [0.0]  # a later date below an earlier one is skew, not -1 h


def test_comments_with_semicolons_do_not_split_results():
    r = parse_authentication_results("mx; spf=pass (a; b; c) smtp.mailfrom=x@y.example; "
                                     "dkim=none")
    assert r["spf"][0] == ("pass", {"smtp.mailfrom": "x@y.example"})
    assert r["dkim"][0][0] == "none"
