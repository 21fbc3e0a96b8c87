"""A recipient whose reason is clear but that no rule matched still gets a cause to act
on: the rule that explains that reason in general, at a lower confidence."""

from __future__ import annotations

from pathlib import Path

from mailcheck.diagnosis import INFERRED_CONFIDENCE, diagnose

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "bounces"

NOTICE = """From: postmaster@mail.a.example
To: alice@a.example
Subject: Undeliverable: minutes

Your message did not reach some or all of the intended recipients.

      Subject: minutes
      Sent: 16/11/2026 09:12

The following recipient(s) cannot be reached:

      bob@b.example on 16/11/2026 09:12
            {why}
"""


def test_phrase_without_rule_gives_the_reasons_rule() -> None:
    d = diagnose(NOTICE.format(why="The recipient name is not recognized"))
    assert [r.reason for r in d.recipients] == ["userunknown"]
    top = d.findings[0]
    assert (top.rule, top.confidence, top.recipients) == (
        "recipient-unknown", INFERRED_CONFIDENCE, ["bob@b.example"])
    assert d.recipients[0].rule == "recipient-unknown"
    assert top.fix and "bob@b.example" in (top.fix[-1].powershell or "")


def test_a_matching_rule_keeps_its_own_confidence() -> None:
    d = diagnose("550 5.1.1 <bob@b.example>: Recipient address rejected: User unknown")
    assert d.findings[0].rule == "recipient-unknown"
    assert d.findings[0].confidence > INFERRED_CONFIDENCE


def test_a_delay_is_not_called_a_give_up() -> None:
    d = diagnose((FIXTURES / "postfix" / "deferred-two-recipients.eml").read_bytes())
    assert {r.action for r in d.recipients} == {"delayed"}
    assert all(f.rule != "destination-unreachable" for f in d.findings)


def test_google_groups_refusal_in_any_language() -> None:
    text = (FIXTURES / "google-groups" / "cannot-post.eml").read_text(encoding="utf-8")
    head, _, rest = text.partition("Hello fay@sender.example,")
    body = rest.split("If you have questions", 1)[1]
    german = (head + "Hallo fay@sender.example,\n\nSie erhalten diese E-Mail, weil die Gruppe, "
              "die Sie kontaktieren möchten (bookclub), möglicherweise nicht existiert oder Sie "
              "keine Berechtigung haben, Nachrichten zu posten.\n\nIf you have questions" + body)
    d = diagnose(german.encode("utf-8"))
    assert [r.reason for r in d.recipients] == ["rejected"]
    assert d.findings[0].rule == "list-post-refused"
