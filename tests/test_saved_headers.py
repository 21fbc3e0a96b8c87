"""The batch summary's condensed view of a saved message's authentication facts."""

from __future__ import annotations

from mailcheck.ingest import ingest
from mailcheck.saved_headers import read_verdicts

from .batch_messages import received


def facts_of(headers: list[tuple[str, str]]) -> dict:
    raw = "".join(f"{k}: {v}\n" for k, v in headers) + "\nbody\n"
    return ingest(raw.encode(), "x.eml").facts


def test_gmail_style_results_and_alignment():
    v = read_verdicts(facts_of([
        ("Received", "from mail.news.example.com (mail.news.example.com [198.51.100.7]) "
                     "by mx.google.com with ESMTPS id x; Mon, 03 Mar 2025 10:01:00 +0000"),
        ("Authentication-Results", "mx.google.com; dkim=pass header.i=@esp.example "
         "header.s=k1; spf=pass (google.com: domain of b@esp.example designates "
         "198.51.100.7 as permitted sender) smtp.mailfrom=b@esp.example; dmarc=fail "
         "(p=NONE) header.from=news.example.com"),
        ("Received", "from laptop ([10.0.0.5]) by mail.news.example.com; "
                     "Mon, 03 Mar 2025 10:00:00 +0000"),
        ("From", "News <news@news.example.com>"),
        ("Subject", "hi"),
    ]))
    assert v.receiver == "mx.google.com"
    assert (v.spf, v.dkim, v.dmarc) == ("pass", "pass", "fail")
    assert v.from_domain == "news.example.com" and v.spf_domain == "esp.example"
    assert v.dkim_domains == ["esp.example"]
    assert v.spf_aligned is False and v.dkim_aligned is False
    assert v.ip == "198.51.100.7"
    assert v.hop_delays == [60.0] and v.total_delay == 60.0


def test_subdomains_align_relaxed():
    v = read_verdicts(facts_of([("Authentication-Results", "mx.example.net; "
                                 "spf=pass smtp.mailfrom=b@bounces.example.co.uk; "
                                 "dkim=pass header.d=example.co.uk; "
                                 "dmarc=pass header.from=www.example.co.uk"),
                                ("From", "a@www.example.co.uk"), ("Subject", "x")]))
    assert v.spf_aligned is True and v.dkim_aligned is True


def test_nothing_to_read():
    assert read_verdicts(facts_of([("Subject", "hi"), ("From", "a@b.example")])) is None


def test_recorded_and_rechecked_after_verify():
    facts = {"recorded_auth_dmarc": "pass", "recorded_auth_spf": "pass",
             "recorded_auth_spf_domain": "example.com", "auth_from_domain": "example.com",
             "auth_dmarc": "fail", "auth_spf": "fail", "auth_spf_domain": "example.com",
             "received_hops": [{"delay_seconds": None}, {"delay_seconds": -5}]}
    recorded = read_verdicts(facts, recorded=True)
    own = read_verdicts(facts)
    assert (recorded.dmarc, recorded.spf, recorded.spf_aligned) == ("pass", "pass", True)
    assert (own.dmarc, own.spf, own.spf_aligned) == ("fail", "fail", None)
    assert recorded.hop_delays == [0.0]  # negative: clock skew, counted as no delay


def test_fixture_message():
    v = read_verdicts(ingest(received("example.com", "192.0.2.10"), "x").facts)
    assert (v.spf, v.dkim, v.dmarc, v.ip) == ("pass", "pass", "pass", "192.0.2.10")
