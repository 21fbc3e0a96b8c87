"""Fix commands name the input's own mailbox, recipient or domain, and never anything that
could change what a pasted PowerShell line does."""

from __future__ import annotations

import re
from email.utils import getaddresses
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mailcheck import identities
from mailcheck.diagnosis import default_rules, diagnose
from mailcheck.rules import RuleError, load_pack

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"

NDR = """\
From: Microsoft Outlook <postmaster@kaisha.example>
To: {to}
Subject: Undeliverable: minutes
Content-Type: text/plain; charset=utf-8

Delivery has failed to these recipients or groups:

{rcpt}
Your message wasn't delivered. Your organization does not allow external forwarding.

Remote Server returned '550 5.7.520 Access denied, Your organization does not allow external forwarding. Please contact your administrator for further assistance. AS(7555)'
"""


POSTFIX = """\
This is the mail system at host mail.kaisha.example.

I'm sorry to have to inform you that your message could not
be delivered to one or more recipients.

<{rcpt}>: host mx.au.example[192.0.2.7] said: 552 5.2.2 Mailbox full (in reply
    to RCPT TO command)
"""


def commands(diag) -> str:
    return "\n".join(s.powershell or "" for f in diag.findings for s in f.fix)


def test_the_mailbox_the_bounce_came_back_to_is_the_forwarder() -> None:
    d = diagnose(NDR.format(to="Taro <taro@kaisha.example>", rcpt="taro@gmail.example"))
    assert d.top.rule == "exo-external-forwarding-blocked"
    assert "-From taro@kaisha.example" in commands(d)
    assert "{{" not in commands(d) and "user@contoso.com" not in commands(d)


@pytest.mark.parametrize("to", [
    '"x" <a$(Remove-Mailbox -Confirm:$false)@kaisha.example>',
    "<a;Remove-Mailbox@kaisha.example>",
    "<`whoami`@kaisha.example>",
    "<taro@kaisha.example>, <hanako@kaisha.example>",
    "undisclosed-recipients:;",
    "<taro@localhost>",
    "<'quoted'@kaisha.example>",
])
def test_anything_but_one_plain_address_keeps_the_example(to: str) -> None:
    d = diagnose(NDR.format(to=to, rcpt="taro@gmail.example"))
    assert d.top.rule == "exo-external-forwarding-blocked"
    ps = commands(d)
    assert "-From user@contoso.com" in ps
    assert "Remove-Mailbox" not in ps and "whoami" not in ps and "quoted" not in ps


def test_recipient_commands_name_the_one_recipient() -> None:
    d = diagnose(POSTFIX.format(rcpt="vera@au.example"))
    ps = commands(d)
    assert "Get-MailboxStatistics vera@au.example" in ps
    assert "Get-Mailbox vera@au.example" in ps


def test_two_recipients_keep_the_example() -> None:
    d = diagnose(POSTFIX.format(rcpt="vera@au.example") + "\n"
                 + POSTFIX.format(rcpt="kai@au.example").split("\n\n", 1)[1])
    assert {r.recipient for r in d.recipients} == {"vera@au.example", "kai@au.example"}
    assert "Get-MailboxStatistics bob@example.org" in commands(d)


def test_transcript_mail_from_and_signin_user() -> None:
    transcript = ("C: MAIL FROM:<scanner@kaisha.example>\n"
                  "S: 530 5.7.57 Client not authenticated to send mail. [TYAPR01CA0001]\n")
    d = diagnose(transcript)
    assert d.top.rule == "exo-sender-not-authenticated"
    assert "Set-CASMailbox -Identity scanner@kaisha.example" in commands(d)

    log = (FIXTURES / "seed" / "entra-signin-log-530035.txt").read_bytes()
    d = diagnose(log)
    assert "Set-CASMailbox -Identity taro@kumo-shokai.example" in commands(d)


def test_received_message_from_domain_goes_into_dkim_commands() -> None:
    headers = ("Authentication-Results: mx.google.com;\n"
               "       dkim=fail (body hash did not verify) header.i=@shop.example;\n"
               "       spf=fail smtp.mailfrom=news@mailer.example;\n"
               "       dmarc=fail (p=REJECT) header.from=shop.example\n"
               "From: Shop <news@shop.example>\nTo: a@gmail.example\nSubject: s\n")
    d = diagnose(headers)
    ps = commands(d)
    assert "shop.example" in ps and "kaisha.example" not in ps


def test_redaction_covers_filled_identities() -> None:
    d = diagnose(NDR.format(to="<taro@kaisha.example>", rcpt="taro@gmail.example"))
    from mailcheck.redact import redact_diagnosis

    red = commands(redact_diagnosis(d))
    assert "taro@kaisha.example" not in red and "kaisha.example" not in red
    assert "-From " in red


def test_no_placeholder_reaches_any_output() -> None:
    files = [p for p in FIXTURES.rglob("*") if p.is_file() and p.suffix in (".eml", ".txt")]
    assert len(files) > 20
    for path in files:
        for lang in ("en", "ja"):
            d = diagnose(path.read_bytes(), lang=lang, source=str(path))
            assert "{{" not in commands(d), path


def test_every_builtin_command_template_is_valid_and_its_example_is_plain() -> None:
    seen = 0
    for rule in default_rules().rules:
        for step in rule.fix:
            if step.powershell and "{{" in step.powershell:
                assert identities.check_template(step.powershell) is None
                for m in identities.PLACEHOLDER.finditer(step.powershell):
                    seen += 1
                    example = m.group(2)
                    assert identities.safe_address(example) or identities.safe_domain(example)
    assert seen >= 20


@pytest.mark.parametrize(("template", "problem"), [
    ("Get-Mailbox {{mailbox|a@b.example}}", "unknown placeholder"),
    ("Get-Mailbox {{sender}}", "{{name|example}}"),
    ("Get-Mailbox {{sender|a@b.example}", "{{name|example}}"),
])
def test_bad_templates_fail_when_the_pack_loads(template: str, problem: str) -> None:
    pack = f'''
[[rule]]
id = "x-test"
title = "t"
cause = "c"
reason = "undefined"
[[rule.match]]
text = ["zzz"]
[[rule.fix]]
step = "s"
powershell = "{template}"
'''
    with pytest.raises(RuleError, match=re.escape(problem)):
        load_pack("x.toml", pack)


ADDRESS_CHARS = re.compile(r"[A-Za-z0-9._+@-]+")


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=80))
def test_only_plain_addresses_pass(text: str) -> None:
    got = identities.safe_address(text)
    if got is not None:
        assert ADDRESS_CHARS.fullmatch(got)
        assert got.count("@") == 1 and not got.startswith(("-", "."))
    dom = identities.safe_domain(text)
    if dom is not None:
        assert re.fullmatch(r"[a-z0-9.-]+", dom) and "." in dom


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=60), st.text(max_size=60))
def test_fill_never_leaves_placeholders(value: str, other: str) -> None:
    template = "Set-X -Identity {{sender|user@contoso.com}} -Other {{recipient|bob@example.org}}"
    values = {k: v for k, v in (("sender", identities.safe_address(value)),
                                ("recipient", identities.safe_address(other))) if v}
    out = identities.fill(template, values)
    assert "{{" not in out and "}}" not in out


@settings(max_examples=3000, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("aZ09_.+- @<>\t\",;()")), max_size=30))
def test_plain_to_shortcut_reads_addresses_as_the_address_parser_does(value):
    expected = [identities.safe_address(a) for _, a in getaddresses([value])]
    assert [identities.safe_address(a) for a in identities.addresses(value)] == expected
