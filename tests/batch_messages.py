"""Small messages for the batch tests, built in code: a DSN, a saved received message, junk."""

from __future__ import annotations


def dsn(recipient: str = "nobody@example.org", status: str = "5.1.1",
        diagnostic: str = "550 5.1.1 <nobody@example.org>: Recipient address rejected: "
                          "User unknown", sender: str = "alice@example.com",
        date: str = "Mon, 03 Mar 2025 10:00:00 +0000", remote_mta: str = "mx.example.org",
        subject: str = "Undelivered Mail Returned to Sender") -> bytes:
    """An RFC 3464 bounce for one recipient, LF line endings."""
    action = "failed" if status[0] == "5" else "delayed"
    return f"""Return-Path: <>
Date: {date}
From: MAILER-DAEMON@mail.example.com (Mail Delivery System)
Subject: {subject}
To: {sender}
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="BOUNDARY"

--BOUNDARY
Content-Type: text/plain; charset=us-ascii

I'm sorry to have to inform you that your message could not be delivered.

<{recipient}>: host {remote_mta} said: {diagnostic}

--BOUNDARY
Content-Type: message/delivery-status

Reporting-MTA: dns; mail.example.com

Final-Recipient: rfc822; {recipient}
Original-Recipient: rfc822; {recipient}
Action: {action}
Status: {status}
Remote-MTA: dns; {remote_mta}
Diagnostic-Code: smtp; {diagnostic}

--BOUNDARY
Content-Type: text/rfc822-headers

From: {sender}
To: {recipient}
Subject: hello

--BOUNDARY--
""".encode()


def received(from_domain: str = "example.com", ip: str = "192.0.2.10", spf: str = "pass",
             dkim: str = "pass", dmarc: str = "pass", mailfrom: str | None = None,
             dkim_domain: str | None = None) -> bytes:
    """A saved received message with the receiver's Authentication-Results and two hops."""
    mailfrom = mailfrom or f"bounce@{from_domain}"
    dkim_domain = dkim_domain or from_domain
    return f"""Delivered-To: bob@example.net
Received: from mail.{from_domain} (mail.{from_domain} [{ip}])
        by mx.example.net with ESMTPS id abc123
        for <bob@example.net>; Mon, 03 Mar 2025 10:00:30 +0000
Authentication-Results: mx.example.net;
       dkim={dkim} header.i=@{dkim_domain} header.s=s1 header.b=AbCd;
       spf={spf} (example.net: domain of {mailfrom} designates {ip}
        as permitted sender) smtp.mailfrom={mailfrom};
       dmarc={dmarc} (p=REJECT sp=REJECT dis=NONE) header.from={from_domain}
Received: from [10.0.0.5] (helo=laptop)
        by mail.{from_domain} with ESMTPSA id 42
        for <bob@example.net>; Mon, 03 Mar 2025 10:00:00 +0000
From: Alice <alice@{from_domain}>
To: bob@example.net
Subject: quarterly figures
Date: Mon, 03 Mar 2025 09:59:58 +0000
Message-ID: <m1@{from_domain}>

Hello Bob,
the figures are attached.
""".encode()


def mbox(*messages: bytes) -> bytes:
    """An mbox (mboxrd quoting) holding ``messages`` in order."""
    out = []
    for m in messages:
        body = b"\n".join(b">" + ln if ln.lstrip(b">").startswith(b"From ") else ln
                          for ln in m.split(b"\n"))
        out.append(b"From MAILER-DAEMON Mon Mar  3 10:00:00 2025\n" + body.rstrip(b"\n")
                   + b"\n\n")
    return b"".join(out)
