"""The note's two failures, in every input form a user brings (the product's first cases)."""

from __future__ import annotations

import pytest

from mailcheck import diagnose

from .conftest import FIXTURES

SEED = FIXTURES / "seed"

# fixture -> (top rule, expected recipient or None, status)
CASES = {
    "exo-5.7.520-ndr.eml": ("exo-external-forwarding-blocked", "taro.yamada+outlook@gmail.com", "5.7.520"),
    "exo-5.7.520-ndr-ja.eml": ("exo-external-forwarding-blocked", "taro.yamada+outlook@gmail.com", "5.7.520"),
    "exo-5.7.520-pasted.txt": ("exo-external-forwarding-blocked", "taro.yamada+outlook@gmail.com", "5.7.520"),
    "exo-5.7.520-pasted-ja.txt": ("exo-external-forwarding-blocked", "taro.yamada+outlook@gmail.com", "5.7.520"),
    "gmail-sendas-sent-second-ehlo.txt": ("gmail-sendas-smtp-timeout", None, None),
    "gmail-sendas-sent-second-ehlo-ja.txt": ("gmail-sendas-smtp-timeout", None, None),
    "gmail-sendas-page-paste.txt": ("gmail-sendas-smtp-timeout", None, None),
    "gmail-sendas-ticket.eml": ("gmail-sendas-smtp-timeout", None, None),
    "gmail-sendas-535-tenant.txt": ("exo-smtp-auth-disabled-tenant", None, None),
    "gmail-sendas-tls-mismatch.txt": ("smtp-tls-cert-mismatch", None, None),
    "gmail-sendas-unreachable.txt": ("gmail-sendas-unreachable", None, None),
    "smtp-transcript-535-mailbox.txt": ("exo-smtp-auth-disabled-mailbox", None, None),
    "smtp-5.7.30.txt": ("exo-basic-auth-smtp-retired", None, "5.7.30"),
    "m365-signin-ca-blocked.txt": ("entra-conditional-access-block", None, None),
    "entra-signin-diagnostic-ja.txt": ("entra-security-defaults-block-legacy-auth", None, None),
    "entra-signin-log-530035.txt": ("entra-security-defaults-block-legacy-auth", None, None),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_seed_fixture(name):
    rule, rcpt, status = CASES[name]
    d = diagnose((SEED / name).read_bytes(), source=name)
    assert d.error is None
    assert d.top.rule == rule, [f.rule for f in d.findings]
    if rcpt:
        assert [r.recipient for r in d.recipients] == [rcpt]
        r = d.recipients[0]
        assert (r.status, r.reply_code, r.action) == (status, "550", "failed")
        assert r.reason == "policyviolation" and r.hard_bounce is False
    elif status:
        assert status in {r.status for r in d.recipients}


def test_forwarding_finding_has_everything_a_fix_needs():
    f = diagnose((SEED / "exo-5.7.520-ndr.eml").read_bytes()).top
    assert "Remote Server returned '550 5.7.520" in f.evidence[0].text
    assert any(s.powershell and "Set-HostedOutboundSpamFilterPolicy" in s.powershell for s in f.fix)
    assert any("-AutoForwardingMode On" in (s.powershell or "") for s in f.fix)
    assert "Remote domains" in " ".join(s.text for s in f.fix)  # the other forwarding blocks
    assert f.tradeoff and f.confirm and f.references and f.actor == "sender-admin"


def test_sendas_timeout_walks_both_layers_and_how_to_tell_them_apart():
    f = diagnose((SEED / "gmail-sendas-sent-second-ehlo.txt").read_bytes()).top
    steps = " ".join(s.text for s in f.fix)
    ps = " ".join(s.powershell or "" for s in f.fix)
    assert "Sign-in logs" in steps and "mailcheck probe" in steps  # how to tell them apart
    assert "Set-CASMailbox" in ps and "Set-TransportConfig -SmtpClientAuthenticationDisabled" in ps
    assert "Security Defaults" in steps and "Conditional Access" in steps
    assert "MFA" in f.tradeoff
    assert "SENT_SECOND_EHLO" in f.evidence[0].text


def test_security_defaults_tradeoff_names_the_replacement():
    f = diagnose((SEED / "entra-signin-log-530035.txt").read_bytes()).top
    assert "Conditional Access" in f.tradeoff and "per-user MFA" in f.tradeoff


@pytest.mark.parametrize("name", ["exo-5.7.520-ndr.eml", "gmail-sendas-sent-second-ehlo.txt",
                                  "entra-signin-diagnostic-ja.txt"])
def test_japanese_output(name):
    d = diagnose((SEED / name).read_bytes(), lang="ja")
    f = d.top
    assert any("\u3040" <= ch <= "\u30ff" for ch in f.title + f.cause)
    assert all(any("\u3040" <= ch <= "\u9fff" for ch in s.text) for s in f.fix)
    assert f.to_dict()["rule"] == diagnose((SEED / name).read_bytes()).top.rule


@pytest.mark.parametrize("codec", ["cp932", "euc_jp", "iso2022_jp", "utf-16"])
def test_japanese_paste_in_legacy_encodings(codec):
    text = (SEED / "exo-5.7.520-pasted-ja.txt").read_text(encoding="utf-8")
    d = diagnose(text.encode(codec))
    assert d.top.rule == "exo-external-forwarding-blocked"
    assert d.recipients[0].recipient == "taro.yamada+outlook@gmail.com"


@pytest.mark.parametrize("eol", ["\r\n", "\r"])
def test_line_endings(eol):
    text = (SEED / "exo-5.7.520-pasted.txt").read_text()
    d = diagnose(text.replace("\n", eol))
    assert d.top.rule == "exo-external-forwarding-blocked"
