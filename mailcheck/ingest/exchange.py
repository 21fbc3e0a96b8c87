"""Exchange Server / Exchange Online (Microsoft 365) non-delivery reports.

Outlook and Outlook on the web localise every sentence of the NDR except the remote
server's reply, so recognition leans on the reply line (``Remote Server returned '550
5.7.520 ...'``) and on the section markers in English and Japanese:

    Diagnostic information for administrators:   / 管理者向けの診断情報:
    Generating server: NAME                      / 生成元サーバー: NAME
    recipient@example.com
    remote.server.name
    Remote Server returned '550 5.7.520 ...'      / リモート サーバーから '...' が返されました

Older Exchange (2003/2007) writes ``#550 5.1.1 RESOLVER.ADR.RecipNotFound; not found ##``
or ``Remote Server returned '< #5.1.1 smtp;550 5.1.1 User unknown>'``.
"""

from __future__ import annotations

import re

from .. import textscan
from ..model import Evidence, Line, RecipientEvidence, Reply
from .replies import find_status, parse_reply_text

NAME = "exchange"

_MARKERS = (
    "diagnostic information for administrators",
    "管理者向けの診断情報",
    "remote server returned",
    "リモート サーバーから",
    "リモートサーバーから",
    "generating server:",
    "生成元サーバー",
    "delivery has failed to these recipients",
    "your message wasn't delivered",
    "your message couldn't be delivered",
    "配信に失敗しました",
    "メッセージは配信されませんでした",
    "メッセージを配信できませんでした",
    "resolver.adr.",
    "resolver.rst.",
)
_GENERATING = re.compile(
    r"(?:generating server|生成元サーバー)[ \t]{0,4}[:：][ \t]{0,4}(\S{1,255})", re.I)
#: Exchange Online's attempt lines: "8/6/2018 10:45:22 PM - Server at mx.example.org
#: (192.0.2.1) returned '450 4.4.316 Connection refused ...'": the server, then its address.
_AT_SERVER = r"[^\s'\"]{1,255}"
_AT_ADDRESS = r"(?: \([^()'\"]{0,64}\))?"
_RETURNED = re.compile(
    r"(?:remote server returned|server at " + _AT_SERVER + _AT_ADDRESS + " returned"
    r"|リモート ?サーバーから(?:次の応答が返されました)?)[ \t]{0,4}[:：]?"
    # (an apostrophe before a letter, "user's", is the reply's own, not its closing quote;
    # each character is taken by one branch only, so the repeat stays linear)
    r"[ \t]{0,4}['‘’\"「]((?:[^'’\"」]|['’](?=[^\W\d_])){3,2000})", re.I)
#: An attempt line's server (group 1).
_SERVER_AT = re.compile("server at (" + _AT_SERVER + ")" + _AT_ADDRESS + " returned", re.I)


def _may_hold_returned(text: str, low: str) -> bool:
    """Whether ``text`` (``low`` lower-cased) has the words _RETURNED needs."""
    return ("remote server returned" in low or "リモート" in text
            or "server at " in low and " returned" in low)


_HASH_STYLE = re.compile(r"#([245]\d\d[ -][245]\.\d{1,3}\.\d{1,3}[^#]{0,1000})##")
_ADDR_LINE = re.compile(
    r"^[ \t]{0,8}<?([^\s<>@\"'()]{1,200}@[A-Za-z0-9.-]{1,253}\.[A-Za-z]{2,63})>?"
    r"(?:<mailto:[^>]{1,300}>)?[ \t]{0,8}$")
_HOST_LINE = re.compile(r"^[ \t]{0,8}([A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){1,10})[ \t]{0,8}$")
_AS_CODE = re.compile(r"\bAS\((\d{3,5})\)")


def detect(ev: Evidence) -> bool:
    if ev.header("X-MS-Exchange-Message-Is-Ndr") is not None:
        return True
    # (every marker is registered with the shared scan below: the scan's answer is the
    # search's)
    return not ev.present_literals().isdisjoint(_MARKER_SET)


def _online(server: str | None) -> bool:
    s = (server or "").lower()
    online = (".outlook.com", ".office365.com", ".outlook.cn")
    return s.endswith(online) or "protection.outlook" in s


def _reply_from(text: str, ln: Line) -> Reply | None:
    body = text.strip()
    if body.startswith("<"):
        body = body.lstrip("< ").rstrip("> ")
    if body.startswith("#"):
        body = body[1:]
    if ";" in body[:16] and body.split(";", 1)[0].strip().lower().endswith("smtp"):
        body = body.split(";", 1)[1]
    # "< #5.1.1 smtp;550 5.1.1 User unknown>" → take the SMTP reply after "smtp;"
    m = re.search(r"smtp;[ \t]{0,3}", body, re.I)
    if m:
        body = body[m.end():]
    code, status = parse_reply_text(body)
    status = status or find_status(text)
    if not code and not status:
        return None
    return Reply(code, status, body.strip(), ln)


def parse(ev: Evidence) -> None:
    lines = [ln for ln in ev.lines if ln.part not in ("headers", "returned-headers")]
    server = None
    hay, low = ev.haystack(), ev.haystack_lower()
    # One search of the whole text finds the first line's match (the pattern cannot cross
    # a line end). On ASCII text re.I matches where lower() finds the words, so the search
    # starts there (the pattern looks at nothing before its match); elsewhere it also
    # takes letters such as a dotless i, and the whole text is searched.
    if hay.isascii():
        at = low.find("generating server")
        m = _GENERATING.search(hay, at) if at >= 0 else None
    else:
        m = _GENERATING.search(hay)
    if m:
        ln = ev.line_at(m.start())
        server = m.group(1).rstrip(".")
        ev.facts["generating_server"] = server
        ev.add_system("exchange-online" if _online(server) else "exchange", ln)
    if ev.header("X-MS-Exchange-Message-Is-Ndr") is not None:
        hdr = next(h for h in ev.headers if h.name.lower() == "x-ms-exchange-message-is-ndr")
        ev.add_system("exchange", hdr.line)
        mid = (ev.header("Message-ID") or "").lower()
        if "outlook.com" in mid:
            ev.add_system("exchange-online", hdr.line)

    # The reply lines, joined when Outlook wrapped them. What each line is searched for
    # must occur in the whole text first: most NDRs have one or two of the three.
    returned = _may_hold_returned(hay, low)
    hash_style = "##" in hay
    as_code = "AS(" in hay
    replies: list[Reply] = []
    for i, ln in enumerate(lines if returned or hash_style or as_code else ()):
        if returned and _may_hold_returned(ln.text, ln.text.lower()):
            joined = ln.text
            j = i + 1
            while joined.count("'") < 2 and j < len(lines) and j < i + 6 and lines[j].text.strip():
                joined += " " + lines[j].text.strip()
                j += 1
            m = _RETURNED.search(joined)
            if m:
                rep = _reply_from(m.group(1), ln)
                if rep:
                    replies.append(rep)
        for m in _HASH_STYLE.finditer(ln.text) if hash_style else ():
            rep = _reply_from(m.group(1), ln)
            if rep:
                replies.append(rep)
        m = _AS_CODE.search(ln.text) if as_code else None
        if m:
            ev.facts.setdefault("exo_as_codes", []).append(m.group(1))
            ev.add_system("exchange-online", ln)
    ev.replies.extend(replies)

    # Recipients listed under the administrators' section, each followed by its reply.
    recipients: list[RecipientEvidence] = []
    in_admin = False
    current: RecipientEvidence | None = None
    admin = "diagnostic information for administrators" in low or "管理者向けの診断情報" in hay
    for ln in lines if admin else ():
        low = ln.text.lower()
        if "diagnostic information for administrators" in low or "管理者向けの診断情報" in ln.text:
            in_admin = True
            continue
        if not in_admin:
            continue
        if "original message headers" in low or "元のメッセージ ヘッダー" in ln.text:
            break
        m = _ADDR_LINE.match(ln.text)
        if m:
            current = RecipientEvidence(recipient=m.group(1), reporting_mta=server, lines=[ln])
            recipients.append(current)
            continue
        if current is None:
            continue
        rep = next((r for r in replies if r.line is ln), None)
        if rep:
            at = _SERVER_AT.search(ln.text)
            if at and not current.remote_mta and not _online(at.group(1)):
                # the first attempt line naming a server outside Microsoft's: the remote MTA
                current.remote_mta = at.group(1).rstrip(".")
            current.reply_code = current.reply_code or rep.code
            current.status = current.status or rep.status
            current.diagnostic = current.diagnostic or rep.text
            current.lines.append(ln)
            continue
        h = _HOST_LINE.match(ln.text)
        if h and not current.remote_mta and not current.diagnostic:
            current.remote_mta = h.group(1)
    if ev.recipients:
        # A DSN part already listed them; fill in what it lacked.
        by_addr = {r.recipient.lower(): r for r in recipients if r.recipient}
        for rec in ev.recipients:
            extra = by_addr.get((rec.recipient or "").lower())
            if extra:
                rec.remote_mta = rec.remote_mta or extra.remote_mta
                rec.diagnostic = rec.diagnostic or extra.diagnostic
                rec.reply_code = rec.reply_code or extra.reply_code
    elif recipients:
        for rec in recipients:
            rec.action = "failed" if (rec.status or "5").startswith("5") else "delayed"
        ev.recipients.extend(recipients)
    elif replies:
        rep = replies[0]
        ev.recipients.append(RecipientEvidence(
            recipient=None, action="failed" if (rep.status or rep.code or "5")[0] == "5"
            else "delayed", status=rep.status, reply_code=rep.code, diagnostic=rep.text,
            reporting_mta=server, lines=[rep.line] if rep.line else []))
    if ev.recipients or replies:
        ev.kind = "bounce"


_MARKER_SET = textscan.register(_MARKERS)  # detect() asks the shared scan
