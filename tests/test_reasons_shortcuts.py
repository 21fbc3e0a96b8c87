"""Shortcuts of the reasons held to the general code they replace."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from mailcheck import reasons
from mailcheck.ingest.replies import _COMMAND_STARTS, smtp_command
from mailcheck.model import RecipientEvidence


def _adjust_general(reason: str, rec: RecipientEvidence, text: str) -> str:
    """_adjust as it read before it took its answers from the phrase scan."""
    low = text.lower()
    command = None
    if reason in reasons._BY_COMMAND:
        command = rec.smtp_command or smtp_command(text)
        if command == "MAIL" and (reason in reasons._SENDER_REFUSED or
                                  reason == "securityerror" and
                                  not reasons.reason_from_text(text, broad=False)):
            return "rejected"
        if command in reasons._GREETING and reason in ("filtered", "onhold", "undefined"):
            return "blocked"
    if reason == "userunknown" and reasons._HOST_MISSING.search(low):
        return "hostunknown"
    if reason == "userunknown" and not any(p in low for p in reasons._directory_phrases()):
        if (reasons.reason_from_status(rec.status) != "userunknown" and
                command not in ("RCPT", "MAIL")):
            return "filtered"
    if reason == "hostunknown" and (reasons._temporary(rec) or "not found, try again" in low):
        return "networkerror"
    return reason


_PIECES = [*reasons._directory_phrases(), *_COMMAND_STARTS, "rcpt", "mail", "data", "helo",
           " to:", "user unknown", "host.example", " does", "\t", "DOESN'T EXIST", " not exist",
           "authentication required", "mx.example.org does not exist",
           "host not found, try again", "NOT FOUND, TRY AGAIN", "İ", "\u212a", " ", "x"]
_texts = st.lists(st.sampled_from(_PIECES), max_size=6).map("".join)
_REASONS = sorted(reasons._BY_COMMAND | {"rejected", "blocked", "mailboxfull", "networkerror"})


@settings(max_examples=3000, deadline=None)
@given(st.sampled_from(_REASONS), st.one_of(_texts, st.text(max_size=30)),
       st.sampled_from([None, "RCPT", "MAIL", "DATA", "EHLO"]),
       st.sampled_from([None, "5.1.1", "4.4.7", "5.7.1", "5.0.0"]),
       st.sampled_from([None, "failed", "delayed"]))
def test_adjust_is_the_general_adjust(reason, text, command, status, action) -> None:
    rec = RecipientEvidence(recipient="a@b.example", status=status, action=action,
                            smtp_command=command, diagnostic=text)
    assert reasons._adjust(reason, rec, text) == _adjust_general(reason, rec, text)


@settings(max_examples=2000, deadline=None)
@given(st.one_of(st.lists(st.sampled_from(["OFR_506", "ofr004_999", "LPN007_416", "lpn", "OF",
                                           "R", "_", "416", "İ", "\u212a", " "]),
                          max_size=5).map("".join), st.text(max_size=30)))
def test_a_text_the_scan_finds_no_vendor_letters_in_has_no_vendor_code(text) -> None:
    if reasons._phrases_in(text).isdisjoint(reasons._VENDOR_WORDS):
        assert reasons.reason_from_vendor_code(text) is None
