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

#: marker -> the system it names (each marker names one)
_SYSTEM_OF = {m: system for system, markers in MARKERS for m in markers}
_ALL_MARKERS = frozenset(_SYSTEM_OF)


def detect_systems(ev: Evidence) -> None:
    """Name every system whose marker occurs, in order of first appearance, citing the
    first line that shows it.

    All markers are found in one pass over the lower-cased text; only the few that occur
    are located, and only their lines are looked up.
    """
    hits = ev.present_literals() & _ALL_MARKERS
    if not hits:
        return
    hay = ev.haystack_lower()
    # Offsets in the lower-cased text are offsets in the text only when lower-casing kept
    # every length ("İ" becomes two characters); otherwise each marker's line is found by
    # looking through the lines themselves (a marker never spans a line).
    same_length = len(hay) == len(ev.haystack())
    first: dict[str, tuple[int, str]] = {}  # system -> (offset, marker) of its first marker
    for marker in hits:
        system = _SYSTEM_OF[marker]
        if system in ev.systems:
            continue
        seen = (hay.find(marker) if same_length else _line_of(ev, marker), marker)
        if system not in first or seen < first[system]:
            first[system] = seen
    for pos, system, _marker in sorted((pos, system, marker)
                                       for system, (pos, marker) in first.items()):
        ev.add_system(system, ev.line_at(pos) if same_length else
                      (ev.lines[pos] if pos >= 0 else None))


def _line_of(ev: Evidence, marker: str) -> int:
    """Index of the first line whose lower-cased text holds ``marker`` (-1 when none)."""
    for i, ln in enumerate(ev.lines):
        if marker in ln.text.lower():
            return i
    return -1
