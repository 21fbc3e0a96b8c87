"""The generic reason for one recipient's failure (the vocabulary of Sisimai's reasons).

Order of evidence, strongest first:

1. what a format parser already knew (an auto-reply is ``vacation``, an ARF report is
   ``feedback``, a Google Groups refusal is ``rejected``), and success (``delivered``);
2. the reason of a specific rule that matched this recipient's own diagnostic;
3. a phrase in the diagnostic text (``rules/reasons.toml``, first section that matches),
   adjusted by context: "user unknown" answered after DATA is a content filter's doing
   (``filtered``); "host not found, try again" is a temporary DNS failure
   (``networkerror``);
4. the status code (``[status]`` in reasons.toml, then the RFC 3463 table), the reply code;
5. an MTA that gave up (``Action: delayed`` or a retry time-out) is ``expired``;
6. otherwise ``onhold`` when there is some diagnostic text, ``undefined`` when there is none.
"""

from __future__ import annotations

import re
from functools import cache, lru_cache
from typing import Any

from . import tomlcache
from .ingest.replies import _COMMAND_STARTS, smtp_command
from .model import HARD_REASONS, NOT_FAILURE_REASONS, RecipientEvidence
from .status import _data_file, detail, reply_info, status_info
from .textscan import LiteralSet

#: Status details too vague to decide a reason on their own.
VAGUE_DETAILS = frozenset({"0.0", "1.0", "2.0", "3.0", "4.0", "5.0", "6.0", "7.0", "7.1"})

#: "<host name> does not exist" with no local part: the domain is what is missing.
_HOST_MISSING = re.compile(
    r"(?<![@\w.-])[a-z0-9-]{1,63}(?:\.[a-z0-9-]{1,63}){1,8}\.?[ \t]{1,3}does(?: not|n't) exist")

#: What every match of _HOST_MISSING holds: the regex tries a match at each letter of the
#: text; a text without either of these (told by the phrase scan) is not searched.
_HOST_MISSING_WORDS = ("does not exist", "doesn't exist")


#: "Delivery failed 20 attempts", "failed after 5 attempts": the MTA stopped retrying.
_GAVE_UP = re.compile(r"(?:failed|after) [0-9]{1,4} (?:delivery )?attempts")

#: Commands of the session's greeting: a refusal here cannot be about an address.
_GREETING = frozenset({"CONNECT", "HELO", "EHLO"})
#: Reasons the SMTP command a reply answered can change.
_BY_COMMAND = frozenset({"userunknown", "hostunknown", "filtered", "onhold", "undefined",
                         "securityerror"})
#: Reasons that, said in answer to MAIL FROM, mean the sender's address was refused.
_SENDER_REFUSED = frozenset({"userunknown", "hostunknown", "filtered", "onhold", "undefined"})


@cache
def _table() -> dict[str, Any]:
    return tomlcache.load(_data_file("reasons.toml"))


@cache
def phrase_table(broad: bool = True) -> list[tuple[str, tuple[str, ...]]]:
    """(reason, phrases) in the order they are tried; ``broad=False`` leaves out the
    sections named ``*-broad`` (single words such as "rejected" or "policy")."""
    data = _table()
    phrases = data["phrases"]
    # A section "blocked-lists" adds phrases for "blocked" at an earlier point of the order.
    return [(r.partition("-")[0], tuple(p.lower() for p in phrases[r]))
            for r in data["pack"]["order"] if broad or not r.endswith("-broad")]


@cache
def _status_table() -> dict[str, str]:
    return dict(_table().get("status", {}))


@cache
def _directory_phrases() -> tuple[str, ...]:
    """Answers of a recipient directory itself (``[directory]`` in reasons.toml)."""
    return tuple(p.lower() for p in _table().get("directory", {}).get("phrases", []))


#: Orange's own error code: "OFR_506", "OFR004_999", "LPN007_416" (``[orange]``).
_ORANGE_CODE = re.compile(r"(?<![a-z0-9])(?:ofr|lpn)[0-9]{0,3}_([0-9]{3})(?![0-9])")


@cache
def _orange_codes() -> dict[str, str]:
    return dict(_table().get("orange", {}))


#: What every code _ORANGE_CODE finds holds.
_VENDOR_WORDS = ("ofr", "lpn")


def reason_from_vendor_code(text: str) -> str | None:
    """The reason a provider's own error code names (Orange's, see ``[orange]``)."""
    low = text.lower()
    if "ofr" not in low and "lpn" not in low:
        return None
    m = _ORANGE_CODE.search(low)
    return _orange_codes().get(m.group(1)) if m else None


@cache
def _decisive_status() -> dict[str, str]:
    """Status details (``2.2``) precise enough to beat any phrase (``[decisive]``)."""
    return dict(_table().get("decisive", {}))


@cache
def _phrase_scanner() -> LiteralSet:
    # The reason phrases, and what _adjust and classify ask about the same text: the
    # directory's phrases, the words smtp_command looks for first, the letters of a
    # vendor's code, the words of a missing host (these are of no section of phrase_table:
    # reason_from_text does not see them).
    return LiteralSet([*(p for _, phrases in phrase_table(True) for p in phrases),
                       *_directory_phrases(), *_COMMAND_STARTS, *_VENDOR_WORDS,
                       *_HOST_MISSING_WORDS])


@cache
def _phrase_ranks(broad: bool) -> dict[str, tuple[int, str]]:
    """Each phrase's first section in :func:`phrase_table` order: (position, reason)."""
    ranks: dict[str, tuple[int, str]] = {}
    for i, (reason, phrases) in enumerate(phrase_table(broad)):
        for p in phrases:
            ranks.setdefault(p, (i, reason))
    return ranks


# These caches are for the questions asked again about one diagnostic while its message
# is decided (both sections of the table, several callers); they are kept small on purpose
# so that they hold only the last few messages' texts, and a benchmark over a repeated
# corpus measures the work of each message rather than look-ups of earlier answers.
@lru_cache(maxsize=8)  # one scan serves the narrow and the broad question about a text
def _phrases_in(text: str) -> frozenset[str]:
    return _phrase_scanner().present(text.lower())


@lru_cache(maxsize=8)  # asked again for the same diagnostic while a recipient is decided
def reason_from_text(text: str, broad: bool = True) -> str | None:
    """The first reason whose phrases occur in ``text`` (case-insensitive), or None."""
    present = _phrases_in(text)
    if not present:
        return None
    # The first section in order with a phrase present is the one of least rank among
    # the present phrases (a phrase of no section of this table has no rank).
    ranks = _phrase_ranks(broad)
    best = min((ranks[p] for p in present if p in ranks), default=None)
    return best[1] if best else None


def reason_from_status(status: str | None) -> str | None:
    """Reason implied by a status code alone (a class-specific table, then RFC 3463)."""
    if not status:
        return None
    own = _status_table().get(status)
    if own:
        return own
    d = detail(status)
    if not d:
        return None
    if d in VAGUE_DETAILS:
        return None
    info = status_info(status)
    return info["reason"] if info else None


@lru_cache(maxsize=16)  # agreeing_hits and classify both ask about a recipient's diagnostic
def _words(diagnostic: str) -> str:
    """The diagnostic with its white space runs made single spaces."""
    return " ".join(diagnostic.split())


def _temporary(rec: RecipientEvidence) -> bool:
    first = (rec.status or rec.reply_code or "")[:1]
    return first == "4" or (rec.action or "").lower() == "delayed"


def _adjust(reason: str, rec: RecipientEvidence, text: str) -> str:
    """Context a phrase alone cannot see: the SMTP command, a temporary code."""
    command = None
    if reason in _BY_COMMAND:
        command = rec.smtp_command
        if not command and not _phrases_in(text).isdisjoint(_COMMAND_STARTS):
            # (smtp_command answers None for a text without any of these words; the
            # scan of the text reason_from_text made tells whether there is one)
            command = smtp_command(text)
        if command == "MAIL" and (reason in _SENDER_REFUSED or reason == "securityerror" and
                                  not reason_from_text(text, broad=False)):
            # "does not exist", "access denied" in answer to MAIL FROM: the sender's
            # address was refused ("authentication required" there stays securityerror)
            return "rejected"
        if command in _GREETING and reason in ("filtered", "onhold", "undefined"):
            # refused before any address was given: the client itself (its IP, its name)
            return "blocked"
    if reason == "userunknown":
        if (not _phrases_in(text).isdisjoint(_HOST_MISSING_WORDS) and
                _HOST_MISSING.search(text.lower())):
            return "hostunknown"  # "553 mx.example.org does not exist": a host, not a mailbox
        if (_phrases_in(text).isdisjoint(_directory_phrases()) and
                reason_from_status(rec.status) != "userunknown" and
                command not in ("RCPT", "MAIL")):
            # "user unknown" neither coded 5.1.x nor said in answer to RCPT TO, nor a
            # directory's own words: a filter's words after the message was sent
            return "filtered"
    elif reason == "hostunknown" and (_temporary(rec) or "not found, try again" in text.lower()):
        return "networkerror"
    return reason


def classify(rec: RecipientEvidence, rule_reason: str | None = None) -> str:
    action = (rec.action or "").lower()
    if rec.reason_hint:
        return rec.reason_hint
    if action in ("delivered", "relayed", "expanded", "deliverable") or (
            rec.status or "").startswith("2.") or (not rec.status and (
            rec.reply_code or "").startswith("2") and action not in ("failed", "delayed")):
        return "delivered"
    text = _words(rec.diagnostic) if rec.diagnostic else ""
    d = detail(rec.status) if rec.status else None
    if d:
        decisive = _decisive_status().get(d)
        if decisive and not (decisive == "mailboxfull" and "submission quota" in text.lower()):
            # (Exchange Online's 5.2.2 "submission quota exceeded" is the sender's limit)
            return decisive
    # (a text without the letters of a vendor's code has none: the scan tells)
    vendor = (reason_from_vendor_code(text)
              if text and not _phrases_in(text).isdisjoint(_VENDOR_WORDS) else None)
    if vendor:
        return vendor
    if rule_reason:
        return _adjust(rule_reason, rec, text)
    if text:
        r = reason_from_text(text)
        if r:
            return _adjust(r, rec, text)
    r = reason_from_status(rec.status)
    if r and r not in ("undefined", "onhold"):
        return _adjust(r, rec, text)
    if action == "delayed" and not text.strip(" 0123456789.") or _GAVE_UP.search(text.lower()):
        # Still being retried and no words but a code: the report is about the delay.
        return "expired"
    if rec.reply_code:
        rinfo = reply_info(rec.reply_code)
        if rinfo and rec.reply_code not in ("550", "554", "450", "451", "553", "552"):
            return rinfo["reason"]
    if action == "delayed":
        return "expired"
    return _adjust("onhold" if text.strip() else "undefined", rec, text)


def agreeing_hits(rec: RecipientEvidence, hits: list) -> list:
    """Rule hits allowed to decide this recipient's reason.

    A rule that matched on a generic status code alone (``X.1.1``, ``5.2.2``: any code
    whose detail is one of RFC 3463's) does not override a specific phrase in the
    server's own words: ``552 sorry, mailbox is over quota (#5.1.1)`` is a full mailbox,
    whatever 5.1.1 says. A vendor's own code (5.7.520, 5.7.133) is always specific.
    """
    if not hits:
        return hits
    text = _words(rec.diagnostic) if rec.diagnostic else ""
    said = reason_from_text(text, broad=False) if text else None
    if not said:
        return hits
    out = []
    said_adjusted = None  # _adjust(said, ...), worked out once when first wanted
    for h in hits:
        rule, alt = h[0], h[1]
        if alt.text or alt.all_text or alt.fact or _vendor_code_matched(alt, rec, text):
            out.append(h)  # matched by the words, a fact or a vendor's own code
            continue
        if said_adjusted is None:
            said_adjusted = _adjust(said, rec, text)
        if _adjust(rule.reason, rec, text) == said_adjusted:
            out.append(h)
    return out


_STATUS_IN_TEXT = re.compile(r"(?<![\w.])[245]\.\d{1,3}\.\d{1,3}(?![\w.])")


def _vendor_code_matched(alt, rec: RecipientEvidence, text: str) -> bool:
    """Whether the alternative matched this recipient by a vendor's own code: a list such
    as ``5.1.2, 5.4.4, 5.4.310`` matching 5.4.4 matched on RFC 3463's generic code."""
    vendor = [m for spec, m in alt.status if _vendor_code(spec)]
    if not vendor:
        return False
    codes = set(_STATUS_IN_TEXT.findall(text))
    if rec.status:
        codes.add(rec.status)
    return not codes or any(m(c) for m in vendor for c in codes)


def _vendor_code(spec: str) -> bool:
    """``5.7.520`` / ``5.7.606-649``: a detail beyond RFC 3463's (< 30) names one cause."""
    last = spec.rpartition(".")[2].split("-")[0].rstrip("*")
    return last.isdigit() and int(last) >= 30


def is_hard(reason: str, rec: RecipientEvidence) -> bool | None:
    """Hard bounce: retrying will not help. None for results that are not failures."""
    if reason in NOT_FAILURE_REASONS:
        return None
    if reason in HARD_REASONS:
        return True
    if reason == "notaccept":
        first = (rec.status or rec.reply_code or "")[:1]
        if not first:  # no code: the report's own verdict (a permanent failure or not)
            first = "5" if (rec.action or "").lower() == "failed" else "4"
        return first == "5"
    return False
