"""Microsoft Entra ID (Azure AD) sign-in logs, sign-in diagnostics and AADSTS errors.

A failed SMTP AUTH against Exchange Online shows up in the Entra sign-in log, and the
admin usually pastes one of: an ``AADSTS53003`` style error, the Conditional Access
sentence ("Access has been blocked by Conditional Access policies..."), or the sign-in
diagnostic's paragraph about Security Defaults (English or Japanese).
"""

from __future__ import annotations

import re

from .. import textscan
from ..model import Evidence

NAME = "entra-id"

_AADSTS = re.compile(r"\bAADSTS(\d{5,6})\b")
# The sign-in log's user: "Username  taro@x" (portal, English), "ユーザー名 ..." (Japanese),
# "userPrincipalName": "taro@x" (Graph / log JSON export).
_USER = re.compile(
    r"^\s{0,8}(?:Username|User principal name|ユーザー名|ユーザー プリンシパル名|"
    r"\"userPrincipalName\")"
    r"[\s:\"]{1,40}([^\s\",]{3,254})", re.I)
_MARKERS = (
    "aadsts",
    "conditional access",
    "security defaults",
    "token issuance",
    "sign-in",
    "条件付きアクセス",
    "セキュリティの既定値",
    "サインイン",
    "legacy authentication",
    "レガシ認証",
    "基本認証",
)
_FACTS = (
    ("conditional_access", ("conditional access", "条件付きアクセス")),
    ("security_defaults", ("security defaults", "securitydefaults", "セキュリティの既定値",
                           "セキュリティ既定値")),
    ("legacy_auth", ("legacy authentication", "basic authentication", "legacy auth",
                     "レガシ認証", "基本認証")),
)


def detect(ev: Evidence) -> bool:
    # (every marker is registered with the shared scan below: the scan's answer is the
    # search's)
    return not ev.present_literals().isdisjoint(TRIGGERS)


def parse(ev: Evidence) -> None:
    for ln in ev.lines:
        low = ln.text.lower()
        for m in _AADSTS.finditer(ln.text):
            ev.add_fact_value("aadsts", m.group(1), ln)
            ev.add_system("entra-id", ln)
        m = _USER.match(ln.text) if "@" in ln.text else None
        if m:
            ev.add_fact_value("signin_user", m.group(1), ln)
        for fact, needles in _FACTS:
            if any(n in low for n in needles):
                ev.set_fact(fact, True, ln)
                if fact != "legacy_auth":
                    ev.add_system("entra-id", ln)
    if "entra-id" in ev.systems and ev.kind == "unknown":
        ev.kind = "text"
        ev.facts["no_recipients"] = True


#: detect() is false unless the shared scan found one of these (the driver tests it first)
TRIGGERS = textscan.register(_MARKERS)
