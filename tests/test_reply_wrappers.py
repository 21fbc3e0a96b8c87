"""A reply quoted inside a line keeps its own closing characters and loses the wrapper's."""

from __future__ import annotations

import pytest

from mailcheck.ingest import ingest


def _texts(pasted: str) -> list[str]:
    return [r.text for r in ingest(pasted.encode()).replies]


@pytest.mark.parametrize("line, reply", [
    # the reply's own parentheses stay (they used to be cut: "AS(7555")
    ("Remote Server returned: 550 5.7.520 Access denied, Your organization does not allow "
     "external forwarding. AS(7555)",
     "550 5.7.520 Access denied, Your organization does not allow external forwarding. "
     "AS(7555)"),
    ("host mx.example.net said: 552 5.3.4 Message size exceeds fixed maximum message size "
     "(10485760)", "552 5.3.4 Message size exceeds fixed maximum message size (10485760)"),
    # the wrapper's closing quote or parenthesis goes
    ("Remote Server returned '550 5.1.1 RESOLVER.ADR.RecipNotFound; not found'",
     "550 5.1.1 RESOLVER.ADR.RecipNotFound; not found"),
    ("Delivery failed (550 5.1.1 user unknown)", "550 5.1.1 user unknown"),
    # an apostrophe inside the reply is the reply's, not the end of Exchange's quote
    ("Remote Server returned '550 5.1.1 The user's mailbox is unavailable'",
     "550 5.1.1 The user's mailbox is unavailable"),
])
def test_reply_text_without_the_wrapper(line, reply):
    assert reply in _texts(line + "\n")


def test_japanese_exchange_paste_names_its_recipient():
    """Outlook's Japanese NDR opens "次の受信者またはグループへの配信に失敗しました:" and
    lists the address below it, as the English "Delivery has failed to these recipients
    or groups:" does."""
    pasted = ("次の受信者またはグループへの配信に失敗しました:\n"
              "taro@example.jp\n"
              "リモート サーバーから次のエラーが返されました: 550 5.7.520 Access denied, Your "
              "organization does not allow external forwarding. AS(7555)\n")
    ev = ingest(pasted.encode())
    assert [r.recipient for r in ev.recipients] == ["taro@example.jp"]
    assert ev.recipients[0].status == "5.7.520"
