"""Bounce content is attacker-controlled: diagnose never raises, never hangs, never phones home."""

from __future__ import annotations

import socket
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mailcheck import Diagnosis, diagnose

from .conftest import FIXTURES


def _check(d: Diagnosis) -> None:
    assert isinstance(d, Diagnosis)
    d.to_dict()
    if d.error:
        assert "\n" not in d.error


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=4000))
def test_any_bytes(data):
    _check(diagnose(data))


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=3000))
def test_any_text(text):
    _check(diagnose(text))


_PIECES = st.sampled_from([
    "Final-Recipient: rfc822; a@b.example\n", "Status: 5.1.1\n", "Action: failed\n",
    "Diagnostic-Code: smtp; 550-5.1.1 x\n", "\n", "550-5.7.1 ", "550 5.7.1 ", "--b\n",
    "Content-Type: multipart/report; boundary=b\n", "Content-Type: message/delivery-status\n",
    "Remote Server returned '", "'", "(state SENT_SECOND_EHLO), code: 421", "AADSTS53003",
    "Generating server: x.prod.outlook.com\n", "=?utf-8?b?44GC?=", "\r", "\x00", "\u202e",
    "From: x\n", "Subject: y\n", "MIME-Version: 1.0\n", "<script>", "\x1b[31m",
])


@settings(max_examples=200, deadline=None)
@given(st.lists(_PIECES, max_size=60))
def test_structured_garbage(pieces):
    _check(diagnose("".join(pieces)))


@pytest.mark.parametrize("make", [
    lambda: b"550 5.1.1 " + b"a" * (10 * 1024 * 1024),
    lambda: (b"Remote Server returned '" + b"x " * 500_000) * 10,
    lambda: b"From: a@b\nSubject: x\n\n" + b"\xff\xfe\xfa" * 3_500_000,
    lambda: ("Final-Recipient: rfc822;" + "a" * 5000 + "@" * 5000 + "\n") .encode() * 1000,
    lambda: b"550-5.7.1 " * 1_200_000,
    lambda: ("AS(7555) " * 1_000_000).encode(),
])
def test_huge_inputs_finish_quickly(make):
    data = make()
    t = time.process_time()  # CPU time: a busy machine slows the wall clock, not this
    _check(diagnose(data))
    assert time.process_time() - t < 20


def test_no_network(monkeypatch):
    def refuse(*a, **k):
        raise AssertionError("diagnose tried to open a network connection")

    monkeypatch.setattr(socket, "socket", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    for f in sorted((FIXTURES / "seed").iterdir()):
        diagnose(f.read_bytes())


def test_a_huge_content_type_parameter_list_does_not_stall():
    """compat32 reads RFC 2231 parameters in quadratic time: a megabyte of them is cut."""
    value = 'multipart/mixed; boundary*="x"' + "; a*=b" * 400_000
    data = (f"From: a@b.example\nTo: c@d.example\nContent-Type: {value}\n\n"
            "550 5.1.1 user unknown\n").encode()
    t = time.process_time()  # CPU time: a busy machine slows the wall clock, not this
    _check(diagnose(data))
    assert time.process_time() - t < 20


@pytest.mark.parametrize("value", [
    'text/plain; charset*=utf-8\'\'%e2%82%ac; name="a;b"; flag',
    "multipart/mixed; boundary*0=ab; boundary*1=cd; x=\\\"y",
])
def test_cut_parameter_reader_reads_as_compat32(value):
    from email.message import Message

    from mailcheck.ingest.mime import _compat32_params
    m = Message()
    m["Content-Type"] = value
    assert _compat32_params(value) == m._get_params_preserve(None, "content-type")
