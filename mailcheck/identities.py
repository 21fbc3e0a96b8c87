"""Fill the example identities in a fix's PowerShell with the ones the input shows.

A rule writes ``Set-CASMailbox -Identity {{sender|user@contoso.com}}``: the name before
the bar says which identity belongs there, the text after it is the example shown when the
input does not tell (or tells more than one). After a diagnosis, each finding's commands
get the mailbox the bounce came back to, the recipient it names, or the From domain of a
received message, so an administrator can run the command as printed.

Bounce content is attacker-controlled and these commands get pasted into a PowerShell
session, so a value is only used when it is a plain address or domain name: letters,
digits and ``.+-_`` (no quotes, ``$``, backticks, spaces or semicolons). Anything else
keeps the example.
"""

from __future__ import annotations

import re
from email.utils import getaddresses

from .model import Diagnosis, Evidence, Finding, FixStep

#: The identities a rule may name, and what each means.
NAMES: dict[str, str] = {
    "sender": "the mailbox that sent: the address a bounce came back to, the MAIL FROM of a "
              "pasted transcript, the user of a sign-in log",
    "sender_domain": "the sender's domain; for a received message, its From domain",
    "recipient": "the one recipient the finding is about",
    "recipient_domain": "the domain of the finding's recipients, when they share one",
}

_MAIL_FROM = re.compile(r"MAIL FROM: ?<([^<>\s]{1,254})>", re.I)
PLACEHOLDER = re.compile(r"\{\{([a-z_]{1,20})\|([^{}\n]{1,200})\}\}")
_OPEN = "{{"

_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_DOMAIN = re.compile(rf"{_LABEL}(?:\.{_LABEL}){{1,10}}")
_LOCAL = re.compile(r"[A-Za-z0-9_](?:[A-Za-z0-9._+-]{0,62}[A-Za-z0-9_])?")


def check_template(text: str) -> str | None:
    """Why ``text`` is not a valid command template, or None when it is."""
    rest = PLACEHOLDER.sub("", text)
    if _OPEN in rest or "}}" in rest:
        return "a '{{' placeholder must read {{name|example}}"
    for m in PLACEHOLDER.finditer(text):
        if m.group(1) not in NAMES:
            return f"unknown placeholder {m.group(1)!r} (known: {', '.join(NAMES)})"
    return None


def fill(text: str | None, values: dict[str, str]) -> str | None:
    """``text`` with each placeholder replaced by its value, else by its example."""
    if not text or _OPEN not in text:
        return text
    return PLACEHOLDER.sub(lambda m: values.get(m.group(1)) or m.group(2), text)


#: The usual address: a local part of letters, digits and ``_``, host labels of letters and
#: digits. Every such address passes _LOCAL and _DOMAIN as it is (no white space or final
#: dot to strip; the length of the domain is checked apart), so one search without nested
#: groups answers for it (a test holds this to the general checks).
_USUAL_ADDRESS = re.compile(r"[A-Za-z0-9_]{1,64}@((?:[A-Za-z0-9]{1,63}\.){1,10}[A-Za-z0-9]{1,63})")


def safe_address(text: str | None) -> str | None:
    """``text`` as a lower-cased address when it is plain enough to paste into a shell."""
    if not text:
        return None
    m = _USUAL_ADDRESS.fullmatch(text)
    if m and m.end(1) - m.start(1) <= 253:
        return f"{text[:m.start(1)]}{m.group(1).lower()}"
    return _safe_address(text)


def _safe_address(text: str) -> str | None:
    """:func:`safe_address` without its shortcut for the usual address."""
    local, at, domain = text.strip().rpartition("@")
    if at and _LOCAL.fullmatch(local) and safe_domain(domain):
        return f"{local}@{domain.lower()}"
    return None


def safe_domain(text: str | None) -> str | None:
    if text and len(text) <= 253 and _DOMAIN.fullmatch(text.strip().rstrip(".")):
        return text.strip().rstrip(".").lower()
    return None


def _one(values: list[str]) -> str | None:
    distinct = set(values)
    return distinct.pop() if len(distinct) == 1 else None


def _sole_address(values: list[str]) -> str | None:
    """The one address ``values`` name, when every one of them is plain (else None)."""
    addresses = [safe_address(v) for v in values]
    return _one(addresses) if addresses and all(addresses) else None


#: An address header value that is one plain address, bare or after a plain (or plainly
#: quoted) name: read without the general address parser (several times slower), with the
#: same result (tests hold the two together).
_PLAIN_ADDR = r"[A-Za-z0-9_.+-]{1,64}@[A-Za-z0-9.-]{1,253}"
_PLAIN_VALUE = re.compile(
    rf'[ \t]{{0,20}}(?:(?:[A-Za-z0-9_ -]{{0,200}}|"[A-Za-z0-9_ -]{{0,200}}"[ \t]{{0,20}})'
    rf"<({_PLAIN_ADDR})>|({_PLAIN_ADDR}))[ \t]{{0,20}}")


def addresses(value: str) -> list[str]:
    """The addresses of one address header value (To:, From:), as
    ``email.utils.getaddresses`` reads them."""
    m = _PLAIN_VALUE.fullmatch(value)
    if m:
        return [m.group(1) or m.group(2)]
    return [a for _, a in getaddresses([value])]


def input_identities(ev: Evidence) -> dict[str, str]:
    """Identities the whole input shows: the bounce's addressee, or a message's From domain."""
    sender = None
    if ev.kind == "bounce":
        to = [h.value for h in ev.headers if len(h.name) == 2 and h.name.lower() == "to"]
        found = addresses(to[0]) if len(to) == 1 else []
        sender = _sole_address(found) if len(found) == 1 else None
    elif ev.kind != "headers" and "mail from" in ev.haystack_lower():
        # A pasted SMTP transcript: the envelope sender it names, when there is one.
        sender = _sole_address([m.group(1) for m in _MAIL_FROM.finditer(ev.haystack())])
    if not sender and ev.facts.get("signin_user"):
        # An Entra sign-in log: the account that tried SMTP AUTH.
        sender = _sole_address(ev.facts["signin_user"])
    out: dict[str, str] = {}
    if sender:
        out["sender"] = sender
        out["sender_domain"] = sender.rpartition("@")[2]
    else:
        from_domain = safe_domain(ev.facts.get("auth_from_domain"))
        if from_domain:
            out["sender_domain"] = from_domain
    return out


def finding_identities(finding: Finding, diag: Diagnosis, base: dict[str, str]) -> dict[str, str]:
    values = dict(base)
    recipients = finding.recipients or [r.recipient for r in diag.recipients
                                        if r.recipient and r.reason != "delivered"]
    addresses = [safe_address(r) for r in recipients]
    if addresses and all(addresses):  # (what _sole_address(recipients) asks first)
        one = _one(addresses)
        if one:
            values["recipient"] = one
        domain = _one([a.rpartition("@")[2] for a in addresses])
        if domain:
            values["recipient_domain"] = domain
    return values


#: What every placeholder of an identity input_identities gives (sender, sender_domain)
#: starts with.
_SENDER_OPEN = "{{sender"


def fill_findings(diag: Diagnosis, ev: Evidence) -> None:
    """Put the input's identities into every finding's commands (in place)."""
    base = None  # worked out when a command first needs it: most findings have none
    for f in diag.findings:
        fix = f.fix
        templates = [s.powershell for s in fix if s.powershell and _OPEN in s.powershell]
        if not templates:
            continue
        if any(_SENDER_OPEN in t for t in templates):
            if base is None:
                base = input_identities(ev)
            values = finding_identities(f, diag, base)
        else:
            # Only the finding's recipients are named: the input's identities (the sole
            # source of sender and sender_domain) would not be used.
            values = finding_identities(f, diag, {})
        # (a step without a placeholder is kept: fill would give its command unchanged)
        f.fix = [FixStep(s.text, fill(ps, values)) if (ps := s.powershell) and _OPEN in ps
                 else s for s in fix]
