"""The ingest layer never raises on arbitrary MIME structures, broken reports, odd bytes.

Hypothesis builds multipart messages of random depth with delivery-status parts whose
fields are random (and sometimes valid), random charsets and transfer encodings, wrong
boundaries and truncation; parsing must always end in a Diagnosis without a traceback.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mailcheck.diagnosis import diagnose
from mailcheck.ingest import dsn
from mailcheck.model import Evidence, Line

FIELD_NAMES = ["Final-Recipient", "Original-Recipient", "Action", "Status", "Remote-MTA",
               "Reporting-MTA", "Diagnostic-Code", "Last-Attempt-Date", "X-Actual-Recipient",
               "Feedback-Type", "Original-Rcpt-To"]
VALUES = st.one_of(
    st.text(max_size=80),
    st.sampled_from(["rfc822; a@b.example", "rfc822;", "; ;", "failed", "delayed", "5.1.1",
                     "4.4.7", "9.9.9", "smtp; 550 5.1.1 <a@b.example>: no", "dns; mx.example",
                     "smtp; 550-5.7.1 x 550-5.7.1 y", "@mx.example:a@b.example", "X-Unix; 71"]),
)
CTYPES = ["text/plain", "message/delivery-status", "message/rfc822", "text/rfc822-headers",
          "message/feedback-report", "text/html", "application/octet-stream",
          "message/global-delivery-status", "multipart/alternative"]
CHARSETS = ["us-ascii", "utf-8", "iso-2022-jp", "shift_jis", "euc-jp", "x-unknown", ""]
ENCODINGS = ["7bit", "8bit", "base64", "quoted-printable", "x-uuencode", ""]


@st.composite
def status_block(draw) -> str:
    fields = draw(st.lists(st.tuples(st.sampled_from(FIELD_NAMES), VALUES), max_size=8))
    return "\n".join(f"{k}: {v}" for k, v in fields)


@st.composite
def part(draw, depth: int = 0) -> str:
    ctype = draw(st.sampled_from(CTYPES + (["multipart/mixed", "multipart/report"]
                                           if depth < 3 else [])))
    charset = draw(st.sampled_from(CHARSETS))
    cte = draw(st.sampled_from(ENCODINGS))
    head = f"Content-Type: {ctype}" + (f"; charset={charset}" if charset else "")
    if cte:
        head += f"\nContent-Transfer-Encoding: {cte}"
    if ctype.startswith("multipart/"):
        boundary = draw(st.sampled_from(["b1", "b2", "=_x", "wrong"])) + str(depth)
        children = draw(st.lists(part(depth + 1), max_size=4))
        declared = boundary if draw(st.booleans()) else "not-" + boundary
        body = "".join(f"--{boundary}\n{c}\n" for c in children) + f"--{boundary}--\n"
        return f'{head}; boundary="{declared}"\n\n{body}'
    if ctype in ("message/delivery-status", "message/global-delivery-status",
                 "message/feedback-report"):
        blocks = draw(st.lists(status_block(), max_size=4))
        return f"{head}\n\n" + "\n\n".join(blocks)
    return f"{head}\n\n{draw(st.text(max_size=300))}"


@st.composite
def message(draw) -> bytes:
    top = draw(part())
    headers = draw(st.sampled_from([
        "From: MAILER-DAEMON@mx.example\nSubject: Undelivered Mail Returned to Sender\n",
        "From: someone@example.org\nSubject: hello\n",
        "X-Failed-Recipients: a@b.example, ,@@\nFrom: Mail Delivery System <m@x.example>\n",
        "",
    ]))
    text = headers + "MIME-Version: 1.0\n" + top
    data = text.encode("utf-8", "surrogatepass")
    cut = draw(st.integers(min_value=0, max_value=len(data)))
    if draw(st.booleans()):
        data = data[:cut]
    if draw(st.booleans()):
        data = data.replace(b"\n", draw(st.sampled_from([b"\r\n", b"\r"])))
    return data


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(message())
def test_diagnose_never_raises_on_random_mime(data: bytes) -> None:
    d = diagnose(data)
    assert d.kind in ("bounce", "headers", "text", "unknown", "feedback", "auto-reply")
    assert (d.error is None) or isinstance(d.error, str)
    d.to_dict()


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["message/delivery-status", "text/plain"]),
                          st.one_of(status_block(), st.text(max_size=120))), max_size=12))
def test_dsn_parser_never_raises_on_random_fields(parts) -> None:
    ev = Evidence()
    for kind, text in parts:
        for row in text.split("\n"):
            ev.lines.append(Line(kind, len(ev.lines) + 1, row))
    if dsn.detect(ev):
        dsn.parse(ev)
    for rec in ev.recipients:
        assert rec.recipient is None or "@" in rec.recipient or rec.recipient


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2000))
def test_diagnose_never_raises_on_random_bytes(data: bytes) -> None:
    d = diagnose(data)
    d.to_dict()


FRAGMENTS = [
    "<a@b.example>:", "550 5.1.1 <a@b.example>... User unknown", "550-5.7.1 x", "550 5.7.1 y",
    ">>> RCPT To:<c@d.example>", "<<< 550 no", "554 <c@d.example>... Remote protocol error",
    "--- Below this line is a copy of the message.", "Received: from x",
    "X-Failed-Recipients: a@b.example", "From: MAILER-DAEMON@x.example",
    "Subject: Undelivered Mail Returned to Sender", "", "host mx said: 550", "    5.2.2 full",
    "status=bounced (host x said: 550 5.1.1 u)", "to=<e@f.example>,", "** g@h.example R=x T=y:",
    "Final-Recipient: rfc822; ", "Action: ", "Status: 9.9.9", "Diagnostic-Code: smtp; 550-",
    '{"notificationType":"Bounce","bounce":{', "Feedback-Type:", "Original-Rcpt-To: <>",
    "X-HmXmrOriginalRecipient: ", "* i@j.example", "user unknown: k@l.example",
    "Remote Server returned '550 5.7.133 x'", "Diagnostic information for administrators:",
    "@", "<@>", "550-", "550-\n550 x",
]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=40)), max_size=30),
       st.sampled_from(["\n", "\r\n", "\r"]))
def test_text_scanner_never_raises_on_bounce_fragments(parts, newline) -> None:
    d = diagnose(newline.join(parts).encode("utf-8", "surrogatepass"))
    d.to_dict()
