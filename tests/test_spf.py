"""SPF evaluator behaviour beyond the conformance suite: trace, counts, bad input."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from mailcheck.checks.dns import TableResolver
from mailcheck.checks.spf import check_spf


def dns(**txt: str) -> TableResolver:
    t = TableResolver()
    for name, value in txt.items():
        t.add(name.replace("_", "."), "TXT", (value,))
    t.add("mail.example.com", "A", "192.0.2.25")
    return t


RESOLVER = dns(
    example_com="v=spf1 include:spf.provider.net a:mail.example.com -all",
    spf_provider_net="v=spf1 ip4:198.51.100.0/24 ~all",
)


def test_pass_through_include_and_trace():
    r = check_spf("198.51.100.7", "alice@example.com", "mx.example.com", RESOLVER)
    assert r.result == "pass" and r.mechanism == "include:spf.provider.net"
    assert r.lookups == 1
    text = "\n".join(r.trace)
    assert "include spf.provider.net" in text
    assert "  'ip4:198.51.100.0/24' matched: pass" in r.trace  # indented: inside the include
    assert "the included policy says pass" in text


def test_fail_with_default_explanation_and_counts():
    r = check_spf("203.0.113.9", "alice@example.com", "mx.example.com", RESOLVER)
    assert r.result == "fail" and r.mechanism == "-all"
    assert r.lookups == 2
    assert "203.0.113.9" in r.explanation and "example.com" in r.explanation
    assert r.to_dict()["record"].startswith("v=spf1 include")


def test_permerror_says_where():
    t = dns(example_com="v=spf1 a:mail.example.com ip4:300.1.1.1 -all")
    r = check_spf("192.0.2.25", "x@example.com", None, t)
    assert r.result == "permerror" and "300.1.1.1" in r.problem


def test_void_lookups_are_counted():
    t = dns(example_com="v=spf1 a:n1.example.com a:n2.example.com a:n3.example.com -all")
    r = check_spf("192.0.2.1", "x@example.com", None, t)
    assert r.result == "permerror" and r.void_lookups == 3 and "void" in r.problem


def test_bad_ip_is_a_permerror_in_words():
    r = check_spf("not-an-ip", "x@example.com", None, RESOLVER)
    assert r.result == "permerror" and "not an IP address" in r.problem


@settings(max_examples=200, deadline=None)
@given(record=st.text(max_size=80), sender=st.text(max_size=40))
def test_any_record_any_sender_gives_a_result_word(record, sender):
    t = TableResolver()
    t.add("example.com", "TXT", ("v=spf1 " + record,))
    r = check_spf("192.0.2.1", sender or "x@example.com", "helo.example.com", t)
    assert r.result in ("pass", "fail", "softfail", "neutral", "none", "permerror", "temperror")
