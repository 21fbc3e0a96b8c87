"""Provider anti-spam headers decoded into plain words (Microsoft 365, Google, Yahoo).

The meanings are Microsoft's published descriptions of the anti-spam message headers,
written here in our own words; a value we do not know is shown as it is, never guessed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

SFV = {
    "BLK": "blocked: the sender is on the recipient's Blocked Senders list",
    "NSPM": "not spam: spam filtering found nothing",
    "SFE": "allowed: the sender is on the recipient's Safe Senders list",
    "SKA": "allowed: the sender is on an allowed-sender list of the anti-spam policy",
    "SKB": "blocked: the sender is on a blocked-sender list of the anti-spam policy",
    "SKI": "skipped: the message stayed inside the organisation",
    "SKN": "skipped: marked as not spam before filtering (for example by a mail flow rule)",
    "SKQ": "released from quarantine",
    "SKS": "spam: marked as spam before filtering (for example by a mail flow rule)",
    "SPM": "spam: spam filtering judged it spam",
}
CAT = {
    "AMP": "anti-malware",
    "BULK": "bulk mail",
    "DIMP": "domain impersonation",
    "FTBP": "blocked file type (anti-malware file filter)",
    "GIMP": "mailbox-intelligence impersonation",
    "HPHSH": "high-confidence phishing",
    "HPHISH": "high-confidence phishing",
    "HSPM": "high-confidence spam",
    "INTOS": "intra-organisation phishing",
    "MALW": "malware",
    "OSPM": "outbound spam",
    "PHSH": "phishing",
    "SAP": "Safe Attachments",
    "SPM": "spam",
    "SPOOF": "spoofing: the sender failed composite authentication (SPF/DKIM/DMARC)",
    "UIMP": "user impersonation",
    "NONE": "no category",
}
IPV = {
    "CAL": "the connecting IP is on the connection filter's IP Allow List",
    "NLI": "the connecting IP is on no IP reputation list",
}
DIR = {"INB": "inbound", "OUT": "outbound", "INT": "internal"}
SFTY = {
    "9.19": "domain impersonation safety tip",
    "9.20": "user impersonation safety tip",
}
AUTH_AS = {
    "anonymous": "an anonymous sender from the internet (not authenticated)",
    "internal": "a sender inside the organisation (authenticated)",
    "partner": "a partner organisation (authenticated connector)",
}
MAILBOX_DEST = {"I": "Inbox", "J": "Junk Email folder", "D": "Deleted Items"}


def compauth_words(reason: str) -> str:
    """Microsoft's composite authentication reason codes, by their first digit."""
    if reason == "000":
        return "explicit failure: the From domain's DMARC policy (quarantine or reject) failed"
    if reason == "001":
        return "implicit failure: the From domain publishes no enforcing DMARC policy"
    first = reason[:1]
    return {
        "1": "pass", "7": "pass (via the tenant's trusted ARC sealers or allow lists)",
        "2": "soft pass", "3": "not checked", "4": "bypassed (trusted sender or rule)",
        "5": "bypassed (allowed by a transport rule or the tenant)",
        "6": "implicit failure: the sending domain does not authenticate the message",
        "9": "overridden by the tenant's settings",
    }.get(first, "a reason code not documented here")


def scl_words(scl: str) -> str:
    try:
        n = int(scl)
    except ValueError:
        return f"SCL {scl}: unknown"
    if n == -1:
        return "SCL -1: filtering skipped (trusted sender or rule)"
    if n in (0, 1):
        return f"SCL {n}: not spam"
    if n in (5, 6):
        return f"SCL {n}: spam (goes to Junk or quarantine by policy)"
    if n >= 7:
        return f"SCL {n}: high-confidence spam"
    return f"SCL {n}: not a value Microsoft documents"


def bcl_words(bcl: str) -> str:
    try:
        n = int(bcl)
    except ValueError:
        return f"BCL {bcl}: unknown"
    if n == 0:
        return "BCL 0: not from a bulk sender"
    if n <= 3:
        return f"BCL {n}: a bulk sender with few complaints"
    if n <= 7:
        return f"BCL {n}: a bulk sender with a mixed number of complaints"
    return f"BCL {n}: a bulk sender with many complaints"


def _pairs(value: str) -> dict[str, str]:
    """'A:1;B:2;SFS:(x);...' -> {'A': '1', ...} (values may hold ':' themselves)."""
    out: dict[str, str] = {}
    for part in value.split(";"):
        key, sep, val = part.strip().partition(":")
        if sep and key:
            out.setdefault(key.strip().upper(), val.strip())
    return out


@dataclass(slots=True)
class AntispamVerdicts:
    provider: str | None = None  # microsoft | google | yahoo
    fields: dict[str, str] = field(default_factory=dict)  # raw codes, e.g. {"SFV": "SPM"}
    words: list[str] = field(default_factory=list)  # each code in plain words
    facts: dict[str, Any] = field(default_factory=dict)  # for rules: {"scl": 5, ...}

    def to_dict(self) -> dict[str, Any]:
        return {
            "provider": self.provider,
            "fields": dict(self.fields),
            "words": list(self.words),
            "facts": dict(self.facts),
        }


def _decode_forefront(value: str, out: AntispamVerdicts) -> None:
    f = _pairs(value)
    out.fields.update({k: v for k, v in f.items() if k != "SFS"})
    if "CIP" in f:
        out.words.append(f"connecting IP seen by Microsoft: {f['CIP']}")
        out.facts["connecting_ip"] = f["CIP"]
    if "CTRY" in f:
        out.words.append(f"country of the connecting IP: {f['CTRY']}")
    if "H" in f:
        out.words.append(f"HELO/EHLO name of the connecting server: {f['H']}")
    if "PTR" in f:
        out.words.append(f"reverse DNS (PTR) of the connecting IP: {f['PTR'] or '(none)'}")
    for key, table in (("SFV", SFV), ("CAT", CAT), ("IPV", IPV), ("DIR", DIR), ("SFTY", SFTY)):
        if key in f and f[key]:
            code = f[key].upper() if key != "SFTY" else f[key]
            out.words.append(f"{key}:{f[key]}: {table.get(code, 'a code not documented here')}")
            out.facts[key.lower()] = code
    if "SCL" in f:
        out.words.append(scl_words(f["SCL"]))
        try:
            out.facts["scl"] = int(f["SCL"])
        except ValueError:
            pass
    if "LANG" in f:
        out.words.append(f"language of the message: {f['LANG']}")


def decode_antispam(headers: Iterable[tuple[str, str]]) -> AntispamVerdicts:
    """Decode the provider headers present (the topmost copy of each is the receiver's)."""
    out = AntispamVerdicts()
    seen: set[str] = set()
    for name, value in headers:
        lname = name.lower()
        if lname in seen:
            continue
        seen.add(lname)
        flat = " ".join(value.split())
        if lname == "x-forefront-antispam-report":
            out.provider = "microsoft"
            _decode_forefront(flat, out)
        elif lname == "x-microsoft-antispam":
            out.provider = "microsoft"
            bcl = _pairs(flat).get("BCL")
            if bcl is not None:
                out.fields["BCL"] = bcl
                out.words.append(bcl_words(bcl))
                if bcl.isdigit():
                    out.facts["bcl"] = int(bcl)
        elif lname == "x-microsoft-antispam-mailbox-delivery":
            out.provider = "microsoft"
            pairs = {k.lower(): v for k, v in _pairs(flat).items()}
            dest = pairs.get("dest")
            if dest:
                out.words.append(
                    f"delivered to the {MAILBOX_DEST.get(dest.upper(), 'folder ' + dest)}"
                )
                out.facts["mailbox_dest"] = dest.upper()
            if pairs.get("rf"):
                out.words.append(f"routed to folder {pairs['rf']} by the mailbox's rules")
        elif lname in ("x-ms-exchange-organization-authas", "x-ms-exchange-crosstenant-authas"):
            out.provider = "microsoft"
            key = "crosstenant_authas" if "crosstenant" in lname else "authas"
            out.fields[name] = flat
            out.words.append(f"{name}: {AUTH_AS.get(flat.lower(), flat)}")
            out.facts[key] = flat.lower()
        elif lname in ("x-ms-exchange-organization-authsource",
                       "x-ms-exchange-crosstenant-authsource"):
            out.fields[name] = flat
            out.words.append(f"{name}: authenticated by server {flat}")
        elif lname == "x-ms-exchange-crosstenant-fromentityheader":
            out.fields[name] = flat
            out.words.append(f"the message entered Microsoft 365 from: {flat}")
            out.facts["from_entity"] = flat.lower()
        elif lname == "x-ms-exchange-crosstenant-id":
            out.fields[name] = flat
            out.words.append(f"tenant that handled the message: {flat}")
        elif lname in ("x-google-smtp-source", "x-gm-message-state"):
            out.provider = out.provider or "google"
            out.facts["google_sent"] = True
        elif lname in ("x-ymail-osg", "x-yahoo-newman-property", "x-sonic-mf"):
            out.provider = out.provider or "yahoo"
            out.facts["yahoo_sent"] = True
    if out.facts.get("google_sent"):
        out.words.append(
            "sent through Google's servers (X-Google-Smtp-Source / X-Gm-Message-State)"
        )
    if out.facts.get("yahoo_sent"):
        out.words.append("sent through Yahoo's servers")
    return out
