"""Reading the fields of a certificate the probe could not verify."""

from __future__ import annotations

import ssl

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mailcheck.checks.certificate import (
    CertificateInfo,
    certificate_matches_host,
    parse_der_certificate,
)
from tests.exchange_like_server import make_certificate


@pytest.fixture(scope="module")
def der(tmp_path_factory):
    cert = make_certificate(
        tmp_path_factory.mktemp("c"),
        dns_names=("smtp.contoso.example", "*.mail.contoso.example"),
        ip_addresses=("192.0.2.7", "2001:db8::25"),
    )
    return ssl.PEM_cert_to_DER_cert(cert.cert.read_text())


def test_reads_subject_names_and_validity(der):
    info = parse_der_certificate(der)
    assert info.common_name == "smtp.contoso.example"
    assert info.self_issued
    assert info.dns_names == ["smtp.contoso.example", "*.mail.contoso.example"]
    assert info.ip_addresses == ["192.0.2.7", "2001:db8::25"]
    assert info.not_before < info.not_after
    assert (info.not_after - info.not_before).days == 30
    assert info.to_dict()["subject"] == "CN=smtp.contoso.example"


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("smtp.contoso.example", True),
        ("SMTP.Contoso.Example.", True),
        ("eu.mail.contoso.example", True),
        ("a.eu.mail.contoso.example", False),  # a wildcard covers one label
        ("mail.contoso.example", False),
        ("contoso.example", False),
        ("192.0.2.7", True),
        ("[2001:db8::25]", True),
        ("192.0.2.8", False),
        ("smtp.office365.com", False),
    ],
)
def test_host_matching(der, host, expected):
    assert certificate_matches_host(parse_der_certificate(der), host) is expected


def test_wildcard_must_be_a_whole_left_label():
    info = CertificateInfo(dns_names=["f*.example.com", "*.com"])
    assert not certificate_matches_host(info, "foo.example.com")
    assert not certificate_matches_host(info, "example.com")


def test_truncated_certificates_are_value_errors(der):
    for cut in range(0, len(der), 7):
        with pytest.raises(ValueError):
            parse_der_certificate(der[:cut])


@given(st.binary(max_size=400))
def test_garbage_gives_value_error_or_a_result(data):
    try:
        parse_der_certificate(data)
    except ValueError:
        pass


@given(st.integers(min_value=0), st.integers(min_value=0, max_value=255))
def test_flipped_bytes_never_raise_anything_but_value_error(position_seed, value):
    # the module-scoped fixture cannot be used with @given; rebuild a small DER once
    der = _sample()
    position = position_seed % len(der)
    mutated = der[:position] + bytes([value]) + der[position + 1 :]
    try:
        parse_der_certificate(mutated)
    except ValueError:
        pass


_SAMPLE: list[bytes] = []


def _sample() -> bytes:
    if not _SAMPLE:
        import tempfile
        from pathlib import Path

        with tempfile.TemporaryDirectory() as d:
            cert = make_certificate(Path(d))
            _SAMPLE.append(ssl.PEM_cert_to_DER_cert(cert.cert.read_text()))
    return _SAMPLE[0]
