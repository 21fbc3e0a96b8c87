"""Gmail's "Send mail as" dialog (Settings > Accounts and Import > Add another address).

When Gmail cannot log in to the other address's SMTP server it shows one dialog line,
in the user's language, with the server's answer (or Gmail's own time-out) quoted:

    Authentication failed. Please check your username/password.
    Server returned error: "Missed upload deadline (state SENT_SECOND_EHLO), code: 421"

The ``state`` names the last step Gmail completed before it gave up, which is the most
useful fact in the dialog: SENT_SECOND_EHLO means TLS was up and Gmail was about to
authenticate. A quoted 535 reply is the server's own refusal and is recorded as such.
"""

from __future__ import annotations

import re

from .. import textscan
from ..model import Evidence, Reply

NAME = "gmail-sendas"

_MARKERS = (
    "missed upload deadline",
    "(state sent_",
    "tls negotiation failed",
    "couldn't reach server",
    "please check your username/password",
    "server returned error",
    "認証が失敗しました",
    "サーバーからエラーが返されました",
    "サーバーにアクセスできませんでした",
)
_STATE = re.compile(r"\(state[ \t]{1,3}([A-Z][A-Z0-9_]{1,40})\)")
_CODE = re.compile(r"code:[ \t]{0,3}(\d{1,3})\b", re.I)
_QUOTED = re.compile(r"[\"“「]([^\"”」]{3,1500})[\"”」]")


def detect(ev: Evidence) -> bool:
    # (every marker is registered with the shared scan below: the scan's answer is the
    # search's)
    if ev.present_literals().isdisjoint(TRIGGERS):
        return False
    hay = ev.haystack_lower()
    return (
        bool(_STATE.search(ev.haystack())) or "code:" in hay or "tls negotiation" in hay
        or "couldn't reach" in hay
        or "サーバーにアクセスできませんでした" in hay
    )


def parse(ev: Evidence) -> None:
    for ln in ev.lines:
        text = ln.text
        m = _STATE.search(text)
        low = text.lower()
        if m:
            ev.set_fact("gmail_state", m.group(1), ln)
            ev.add_system("gmail", ln)
            if "missed upload deadline" in low or "timeout" in low or "timed out" in low:
                ev.set_fact("gmail_timeout", True, ln)
        if "tls negotiation failed" in low:
            ev.set_fact("gmail_tls_failed", True, ln)
            ev.add_system("gmail", ln)
        if "couldn't reach server" in low or "サーバーにアクセスできませんでした" in text:
            ev.set_fact("gmail_unreachable", True, ln)
            ev.add_system("gmail", ln)
        c = _CODE.search(text)
        if c and ("state" in low or "server returned" in low or "返されました" in text
                  or "tls" in low):
            q = _QUOTED.search(text)
            quoted = q.group(1) if q else text.strip()
            code = c.group(1)
            # Gmail's own time-outs carry "code: 421" without the server ever saying 421.
            ev.replies.append(Reply(code if len(code) == 3 else None, None, quoted, ln))
    ev.kind = "text"
    ev.facts["no_recipients"] = True


#: detect() is false unless the shared scan found one of these (the driver tests it first)
TRIGGERS = textscan.register(_MARKERS)
