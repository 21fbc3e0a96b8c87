"""Whatever a server sends, the probe records it and returns: no exception, no leak.

(A server that echoes the password back is covered in test_probe.py; here the scripted
peer cannot know the secret, so any appearance of it would be the probe's own leak.)
"""

from __future__ import annotations

import json
import socket
import threading

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from mailcheck.checks.probe import TLS_MODES, Credentials, diagnose_probe, probe
from mailcheck.render import render

SECRET = "hypothesis-secret-9"

_REPLIES = st.sampled_from(
    [
        b"220 mx.example ESMTP\r\n",
        b"250-mx.example\r\n250-STARTTLS\r\n250 AUTH PLAIN LOGIN\r\n",
        b"250 AUTH=LOGIN\r\n",
        b"220 go ahead\r\n",
        b"334 VXNlcm5hbWU6\r\n",
        b"235 2.7.0 ok\r\n",
        b"535 5.7.139 Authentication unsuccessful\r\n",
        b"421 4.7.0 bye\r\n",
        b"\x1b[31m550 \xff\xfe\r\n",
        b"999\r\n",
        b"\r\n",
    ]
)


# A plausible opening, so that generated replies also land on the later steps.
_GOOD_START = [
    b"220 mx.example ESMTP\r\n",
    b"250-mx.example\r\n250 AUTH PLAIN LOGIN XOAUTH2\r\n",
]


def _scripted(data: bytes):
    """A connection factory whose peer sends ``data``, then closes its side."""

    def connect(host: str, port: int, timeout: float) -> socket.socket:
        client, server = socket.socketpair()

        def peer() -> None:
            with server:
                try:
                    server.sendall(data)
                    server.shutdown(socket.SHUT_WR)
                    server.settimeout(2)
                    while server.recv(4096):
                        pass
                except OSError:
                    pass

        threading.Thread(target=peer, daemon=True).start()
        client.settimeout(timeout)
        return client

    return connect


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.integers(min_value=0, max_value=len(_GOOD_START)),
    st.lists(_REPLIES | st.binary(max_size=120), max_size=8),
    st.sampled_from([*TLS_MODES, "none", "none"]),  # plaintext reaches AUTH more often
    st.sampled_from(["PLAIN", "LOGIN", "XOAUTH2"]),
)
def test_any_server_bytes(good, chunks, tls, mechanism):
    chunks = _GOOD_START[:good] + chunks
    result = probe(
        "mx.example",
        25,
        tls=tls,
        connect=_scripted(b"".join(chunks)),
        credentials=lambda: Credentials("u@example.org", SECRET),
        mechanism=mechanism,
        insecure=True,
        timeout=0.5,
        mail_from="a@example.org",
        rcpt_to="b@example.org",
    )
    event(result.outcome)
    out = json.dumps(result.to_dict())
    diag = diagnose_probe(result)
    out += render(diag, "text") + render(diag, "json")
    assert SECRET not in out
    assert result.steps and result.steps[0].name == "connect"
