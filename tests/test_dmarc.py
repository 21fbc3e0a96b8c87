"""DMARC tables written from RFC 7489 (3.1 alignment, 6.6.3 discovery, p/sp/pct) and RFC 9091."""

from __future__ import annotations

import pytest

from mailcheck.checks.dmarc import (
    AuthInput,
    aligned,
    evaluate_dmarc,
    organizational_domain,
    parse_record,
)
from mailcheck.checks.dns import Fault, FaultResolver, TableResolver


@pytest.mark.parametrize(
    "domain,org",
    [
        ("example.com", "example.com"),
        ("mail.sub.example.com", "example.com"),
        ("a.b.example.co.uk", "example.co.uk"),
        ("foo.bar.gmail.com", "gmail.com"),
        ("EXAMPLE.COM.", "example.com"),
        ("co.uk", "co.uk"),  # a public suffix is its own answer
    ],
)
def test_organizational_domain(domain, org):
    assert organizational_domain(domain) == org


@pytest.mark.parametrize(
    "ident,from_domain,mode,expected",
    [
        ("example.com", "example.com", "s", True),
        ("mail.example.com", "example.com", "s", False),
        ("mail.example.com", "example.com", "r", True),
        ("example.com", "news.example.com", "r", True),
        ("gmail.com", "example.com", "r", False),
        ("example.co.uk", "other.co.uk", "r", False),
        (None, "example.com", "r", False),
    ],
)
def test_alignment(ident, from_domain, mode, expected):
    assert aligned(ident, from_domain, mode) is expected


def test_parse_record():
    rec = parse_record("v=DMARC1; p=reject; sp=quarantine; pct=50; adkim=s; rua=mailto:a@x.test")
    assert (rec.p, rec.sp, rec.pct, rec.adkim, rec.aspf) == ("reject", "quarantine", 50, "s", "r")
    assert rec.rua == ["mailto:a@x.test"] and not rec.problems
    assert parse_record("v=spf1 -all") is None
    bad = parse_record("v=DMARC1; p=bogus; rua=mailto:a@x.test")
    assert bad.p == "none" and bad.problems  # 6.6.3: invalid p with rua -> none
    assert parse_record("v=DMARC1; pct=200").p is None




def table(entries: dict[str, str]) -> TableResolver:
    t = TableResolver()
    for name, value in entries.items():
        t.add(name, "TXT", (value,))
    t.add("example.com", "A", "192.0.2.1")
    t.add("sub.example.com", "A", "192.0.2.2")
    return t


DMARC = {"_dmarc.example.com": "v=DMARC1; p=reject; sp=quarantine; np=reject"}


@pytest.mark.parametrize(
    "from_domain,spf,dkim,result,policy,source",
    [
        # aligned DKIM pass is enough
        ("example.com", AuthInput("fail", "example.com"), [AuthInput("pass", "example.com")],
         "pass", "reject", "p"),
        # aligned SPF pass is enough (relaxed: a subdomain bounce address aligns)
        ("example.com", AuthInput("pass", "bounce.example.com"), [], "pass", "reject", "p"),
        # Gmail "Send mail as" through Gmail: both pass, for gmail.com: not aligned
        ("example.com", AuthInput("pass", "gmail.com"), [AuthInput("pass", "gmail.com")],
         "fail", "reject", "p"),
        # subdomain without its own record: sp= applies
        ("sub.example.com", AuthInput("softfail", "sub.example.com"), [],
         "fail", "quarantine", "sp"),
        # non-existent subdomain: np= applies (RFC 9091)
        ("ghost.example.com", AuthInput("none", "ghost.example.com"), [],
         "fail", "reject", "np"),
    ],
)
def test_evaluate(from_domain, spf, dkim, result, policy, source):
    out = evaluate_dmarc(from_domain, spf, dkim, table(DMARC))
    assert (out.result, out.policy, out.policy_source) == (result, policy, source), out.reasons
    assert out.record_at == "_dmarc.example.com"


def test_strict_alignment_and_pct():
    t = table({"_dmarc.example.com": "v=DMARC1; p=quarantine; adkim=s; aspf=s; pct=25"})
    out = evaluate_dmarc("example.com", AuthInput("pass", "mail.example.com"),
                         [AuthInput("pass", "mail.example.com")], t)
    assert out.result == "fail"
    assert "NOT aligned" in " ".join(out.reasons)
    assert out.disposition.startswith("quarantine for 25%")


def test_none_temperror_and_multiple():
    assert evaluate_dmarc("example.org", None, [], TableResolver()).result == "none"
    slow = FaultResolver(TableResolver(), [Fault("_dmarc.example.org")])
    out = evaluate_dmarc("example.org", None, [], slow)
    assert out.result == "temperror" and "time-out" in out.reasons[-1]
    two = TableResolver()
    two.add("_dmarc.example.org", "TXT", ("v=DMARC1; p=none",))
    two.add("_dmarc.example.org", "TXT", ("v=DMARC1; p=reject",))
    out = evaluate_dmarc("example.org", None, [], two)
    assert out.result == "none" and "2 DMARC records" in out.reasons[0]


def test_record_without_policy_is_permerror():
    t = table({"_dmarc.example.com": "v=DMARC1; adkim=s"})
    assert evaluate_dmarc("example.com", None, [], t).result == "permerror"


def test_organizational_domain_plain_list_agrees_with_the_full_one():
    """Names without an ``xn--`` label are looked up in the list without punycode forms:
    the answer must be the one the full list gives, for every suffix it holds."""
    from mailcheck.checks import orgdomain

    full, plain = orgdomain._psl(), orgdomain._psl_plain()
    suffixes = sorted(s.lstrip("!*.") for s in full._publicsuffix if "xn--" not in s)
    assert len(suffixes) > 5000
    for s in suffixes:
        for name in (s, f"example.{s}", f"a.b.example.{s}"):
            assert plain.privatesuffix(name) == full.privatesuffix(name), name
    for name in ("mx.example.com", "mail.example.co.uk", "a.b.c", "localhost", "", ".",
                 "xn--80ak6aa92e.com", "mail.xn--p1ai", "почта.рф", "a.b.github.io"):
        orgdomain.organizational_domain.cache_clear()
        want = full.privatesuffix(name.strip().rstrip(".").lower()) or \
            name.strip().rstrip(".").lower()
        assert orgdomain.organizational_domain(name) == want, name


@pytest.mark.parametrize("encoded_idn", [False, True])
def test_psl_loaded_from_its_rule_lines_is_the_shipped_list(encoded_idn):
    from publicsuffixlist import PublicSuffixList

    from mailcheck.checks import orgdomain

    ours = orgdomain._load(accept_encoded_idn=encoded_idn)
    shipped = PublicSuffixList(accept_encoded_idn=encoded_idn)
    assert ours._publicsuffix == shipped._publicsuffix
    assert ours._maxlabel == shipped._maxlabel
    assert ours.accept_unknown == shipped.accept_unknown


@pytest.mark.parametrize("encoded_idn", [False, True])
def test_psl_from_the_cache_is_the_shipped_list(encoded_idn, tmp_path, monkeypatch):
    from publicsuffixlist import PublicSuffixList

    from mailcheck.checks import orgdomain

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.delenv("MAILCHECK_NO_CACHE", raising=False)
    shipped = vars(PublicSuffixList(accept_encoded_idn=encoded_idn))
    assert vars(orgdomain._load(encoded_idn)) == shipped  # parsed, then kept

    def refuse(*_args):
        raise AssertionError("parsed again although the cache holds it")

    monkeypatch.setattr(orgdomain, "_parse", refuse)
    again = orgdomain._load(encoded_idn)
    assert vars(again) == shipped
    assert again.privatesuffix("www.example.co.uk") == "example.co.uk"
