"""Which mail systems an input shows, from tell-tale strings (data, not code).

A system is named when a marker appears in the input; the line is kept as evidence so
a finding can say "this came from Exchange Online, see line 12". Format parsers add
systems too, from stronger evidence (a Generating server, a Gmail dialog state).
"""

from __future__ import annotations

from .. import textscan
from ..model import Evidence

#: (system, lower-case markers). Order does not matter; all matching systems are listed.
MARKERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("exchange-online", (".prod.outlook.com", "protection.outlook.com", "exchange online",
                         "outbound.protection.outlook", "smtp.office365.com")),
    ("outlook.com", ("@hotmail.com", "@outlook.com", "@live.com", "s3150", "hotmail.com (")),
    ("gmail", ("gsmtp", "mx.google.com", "smtp.gmail.com", "googlemail.com",
               "support.google.com/mail")),
    ("postfix", ("(postfix)", "postfix program", "mailer-daemon (mail delivery system)")),
    ("sendmail", ("sendmail", "----- transcript of session follows -----")),
    ("exim", ("exim", "this message was created automatically by mail delivery software")),
    ("qmail", ("qmail-send", "hi. this is the qmail")),
    ("amazon-ses", ("amazonses.com", "amazon ses")),
    ("amazon-workmail", ("awsapps.com", "amazon workmail")),
    ("yahoo", ("yahoo.com", "yahoodns.net", "yahooinc.com")),
    ("aol", ("aol.com", "aol mail")),
    ("google-groups", ("groups.google.com",)),
    ("courier", ("running the courier mail server", "courier mail server at")),
    ("opensmtpd", ("this is the mailer-daemon, please do not reply",)),
    ("domino", ("domino directory", "lotus domino", "domino ディレクトリ")),
    ("sendgrid", ("sendgrid.net", "sendgrid")),
    ("zoho", ("zoho.com", "zohomail")),
    ("yandex", ("yandex.ru", "yandex.net")),
    ("mail.ru", ("mail.ru",)),
    ("gmx", ("gmx.net", "gmx.com", "gmx.de", "1and1", "kundenserver", "ionos")),
    ("oracle-messaging-server", ("messaging server", "sun java system messaging")),
    ("mcafee", ("mcafee", "mxlogic")),
    ("barracuda", ("barracuda",)),
    ("mimecast", ("mimecast",)),
    ("messagelabs", ("messagelabs", "symantec.cloud")),
    ("kddi", ("ezweb.ne.jp", "au.com", "dion.ne.jp", "kddi")),
    ("docomo", ("docomo.ne.jp",)),
    ("softbank", ("softbank.ne.jp", "i.softbank.jp")),
    ("apple-icloud", ("icloud.com", "me.com")),
    ("mailmarshal", ("mailmarshal",)),
)


textscan.register(m for _, markers in MARKERS for m in markers)


def detect_systems(ev: Evidence) -> None:
    """Name every system whose marker occurs, in order of first appearance, citing the
    first line that shows it.

    All markers are found in one pass over the lower-cased text; lines are only walked
    for the few markers that occur.
    """
    present = ev.present_literals()
    if not present:
        return
    hay = ev.haystack_lower()
    found = []
    for system, markers in MARKERS:
        if system in ev.systems:
            continue
        hits = [(hay.find(m), m) for m in markers if m in present]
        if not hits:
            continue
        pos, marker = min(hits)
        found.append((pos, system, marker))
    for pos, system, _marker in sorted(found):
        ev.add_system(system, ev.line_at(pos))
