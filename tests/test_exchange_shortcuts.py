"""Exchange's NDR reader held to a copy of the code before its shortcut (whole-text
search for the Generating server)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from mailcheck.ingest import exchange
from mailcheck.model import Evidence, Line, RecipientEvidence, Reply

from .conftest import ROOT, shared_path


def _old_parse(ev: Evidence) -> None:
    lines = [ln for ln in ev.lines if ln.part not in ("headers", "returned-headers")]
    server = None
    hay, low = ev.haystack(), ev.haystack_lower()
    # One search of the whole text finds the first line's match (the pattern cannot cross
    # a line end). On ASCII text re.I matches what lower() finds; elsewhere it also takes
    # letters such as a dotless i, so the search is not skipped.
    m = exchange._GENERATING.search(hay) if "generating server" in low or not hay.isascii() else None
    if m:
        ln = ev.line_at(m.start())
        server = m.group(1).rstrip(".")
        ev.facts["generating_server"] = server
        ev.add_system("exchange-online" if exchange._online(server) else "exchange", ln)
    if ev.header("X-MS-Exchange-Message-Is-Ndr") is not None:
        hdr = next(h for h in ev.headers if h.name.lower() == "x-ms-exchange-message-is-ndr")
        ev.add_system("exchange", hdr.line)
        mid = (ev.header("Message-ID") or "").lower()
        if "outlook.com" in mid:
            ev.add_system("exchange-online", hdr.line)

    # The reply lines, joined when Outlook wrapped them. What each line is searched for
    # must occur in the whole text first: most NDRs have one or two of the three.
    returned = "remote server returned" in low or "リモート" in hay or (
        "server at " in low and " returned" in low)
    hash_style = "##" in hay
    as_code = "AS(" in hay
    replies: list[Reply] = []
    for i, ln in enumerate(lines if returned or hash_style or as_code else ()):
        lower = ln.text.lower() if returned else ""
        if returned and ("remote server returned" in lower or "リモート" in ln.text or
                         "server at " in lower and " returned" in lower):
            joined = ln.text
            j = i + 1
            while joined.count("'") < 2 and j < len(lines) and j < i + 6 and lines[j].text.strip():
                joined += " " + lines[j].text.strip()
                j += 1
            m = exchange._RETURNED.search(joined)
            if m:
                rep = exchange._reply_from(m.group(1), ln)
                if rep:
                    replies.append(rep)
        for m in exchange._HASH_STYLE.finditer(ln.text) if hash_style else ():
            rep = exchange._reply_from(m.group(1), ln)
            if rep:
                replies.append(rep)
        m = exchange._AS_CODE.search(ln.text) if as_code else None
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
        m = exchange._ADDR_LINE.match(ln.text)
        if m:
            current = RecipientEvidence(recipient=m.group(1), reporting_mta=server, lines=[ln])
            recipients.append(current)
            continue
        if current is None:
            continue
        rep = next((r for r in replies if r.line is ln), None)
        if rep:
            at = exchange._SERVER_AT.search(ln.text)
            if at and not current.remote_mta and not exchange._online(at.group(1)):
                # the first attempt line naming a server outside Microsoft's: the remote MTA
                current.remote_mta = at.group(1).rstrip(".")
            current.reply_code = current.reply_code or rep.code
            current.status = current.status or rep.status
            current.diagnostic = current.diagnostic or rep.text
            current.lines.append(ln)
            continue
        h = exchange._HOST_LINE.match(ln.text)
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



_PIECES = ["Diagnostic information for administrators:", "DIAGNOSTIC INFORMATION FOR ADMINISTRATORS",
           "Generating server: mx.prod.outlook.com", "generating server:", "Remote Server returned",
           "remote server returned '550 5.1.1 User unknown'", "'", "550 5.7.520 Access denied",
           "Server at mx.example.org (192.0.2.1) returned '450 4.4.316 refused'", " returned",
           "server at ", "#550 5.1.1 RESOLVER.ADR.RecipNotFound; not found ##", "AS(2001)",
           "bob@example.org", "mx.example.org", "Original message headers:", "", " ", "x",
           "İ", "ı", "リモート サーバーから '550 5.1.1 no' が返されました", "管理者向けの診断情報",
           "元のメッセージ ヘッダー"]


def _state(ev: Evidence) -> tuple:
    return (ev.recipients, ev.replies, ev.facts, ev.systems, ev.kind)


def _pair(lines: list[Line], recipients: list[RecipientEvidence]) -> tuple[Evidence, Evidence]:
    made = []
    for _ in range(2):
        ev = Evidence(lines=list(lines), recipients=[RecipientEvidence(r.recipient)
                                                      for r in recipients])
        made.append(ev)
    return made[0], made[1]


@settings(max_examples=1500, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["text/plain", "headers", "returned-headers"]),
                          st.lists(st.sampled_from(_PIECES), max_size=3).map(" ".join)),
                max_size=14),
       st.lists(st.sampled_from(["bob@example.org", "BOB@example.org", "x@y.z"]), max_size=2))
def test_parse_finds_what_the_line_by_line_reading_found(parts, rcpts):
    lines = [Line(part, i + 1, text) for i, (part, text) in enumerate(parts)]
    new, old = _pair(lines, [RecipientEvidence(r) for r in rcpts])
    exchange.parse(new)
    _old_parse(old)
    assert _state(new) == _state(old)


def test_parse_agrees_on_the_exchange_fixtures_and_corpus():
    from mailcheck.ingest import FORMATS, ingest

    files = sorted(p for p in (ROOT / "fixtures").rglob("*") if p.is_file())
    files += sorted(p for p in shared_path("corpus", "sisimai-dev", "emails").rglob("*")
                    if p.is_file())
    seen = 0
    for f in files:
        ev = ingest(f.read_bytes(), str(f))
        if "exchange" not in ev.formats:
            continue
        seen += 1
        pair = []
        for parse in (exchange.parse, _old_parse):
            again = Evidence(lines=ev.lines, headers=ev.headers)
            for fmt in FORMATS:
                if fmt is exchange:
                    break
                if fmt.detect(again):
                    fmt.parse(again)
            parse(again)
            pair.append(_state(again))
        assert pair[0] == pair[1], f
    assert seen >= 15
