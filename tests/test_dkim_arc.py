"""DKIM and ARC through our resolver: the shared known-answer data, and our own cases."""

from __future__ import annotations

import base64
import csv
import hashlib
from functools import lru_cache

import dkim as dkimpy
import nacl.encoding
import nacl.signing
import pytest

from mailcheck.checks.arc import verify_arc
from mailcheck.checks.dkim import dkimpy_clock, verify_dkim
from mailcheck.checks.dns import (
    Fault,
    FaultResolver,
    LiveResolver,
    TableResolver,
    ZoneResolver,
)

from .conformance_yaml import load_all
from .conftest import SHARED, need

DKIM_DIR = SHARED / "conformance" / "dkim"
ARC_SUITE = SHARED / "conformance" / "arc" / "arc-draft-validation-tests.yml"
NOW = 1_700_000_000


def dkim_rows() -> list[dict[str, str]]:
    if not (DKIM_DIR / "expected.tsv").exists():
        return []
    with open(DKIM_DIR / "expected.tsv", encoding="utf-8") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


def key_table() -> TableResolver:
    table = TableResolver()
    for line in (DKIM_DIR / "dns-records.txt").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            name, value = line.split(" ", 1)
            table.add(name, "TXT", (value,))
    return table


def test_dkim_data_present():
    need(DKIM_DIR.exists(), f"{DKIM_DIR} is absent")
    assert len(dkim_rows()) == 7


@pytest.mark.parametrize("row", dkim_rows(), ids=lambda r: f"{r['file']}#{r['sig_index']}")
@pytest.mark.parametrize("source", ["table", "zones"])
def test_dkim_expected(row, source):
    resolver = (
        key_table()
        if source == "table"
        else ZoneResolver.from_files(sorted((DKIM_DIR / "zones").glob("*.zone")))
    )
    message = (DKIM_DIR / "messages" / row["file"]).read_bytes()
    result = verify_dkim(message, resolver, now=NOW)[int(row["sig_index"])]
    assert (result.domain, result.selector, result.algorithm) == (row["d"], row["s"], row["a"])
    assert result.result == row["expected"], result.reason


@pytest.mark.dns
def test_dkim_expected_through_nsd(nsd_servers):
    need(DKIM_DIR.exists(), f"{DKIM_DIR} is absent")
    zones = {
        p.name.removesuffix(".zone") + ".": p.read_text(encoding="utf-8")
        for p in sorted((DKIM_DIR / "zones").glob("*.zone"))
    }
    server = nsd_servers(zones)
    live = LiveResolver([server.address], timeout=0.5, retries=0)
    for row in dkim_rows():
        message = (DKIM_DIR / "messages" / row["file"]).read_bytes()
        result = verify_dkim(message, live, now=NOW)[int(row["sig_index"])]
        assert result.result == row["expected"], (row, result.reason)


def test_dkim_edited_body_is_a_body_hash_failure():
    need(DKIM_DIR.exists(), f"{DKIM_DIR} is absent")
    message = (DKIM_DIR / "messages" / "dkimpy-rfc8463-rsa-simple.eml").read_bytes()
    edited = message.rstrip() + b"\nAn added footer.\n"
    result = verify_dkim(edited, key_table(), now=NOW)[0]
    assert result.result == "fail"
    assert "body changed" in result.reason


def test_dkim_key_missing_and_timeout():
    need(DKIM_DIR.exists(), f"{DKIM_DIR} is absent")
    message = (DKIM_DIR / "messages" / "dkimpy-rfc8463-rsa-simple.eml").read_bytes()
    missing = verify_dkim(message, TableResolver(), now=NOW)[0]
    assert missing.result == "permerror" and "no key published" in missing.reason
    slow = FaultResolver(key_table(), [Fault("test._domainkey.football.example.com")])
    timed_out = verify_dkim(message, slow, now=NOW)[0]
    assert timed_out.result == "temperror" and "time-out" in timed_out.reason


# -- our own signatures: expiry under an injected clock ---------------------------------------
SEED = nacl.signing.SigningKey(b"\x01" * 32)
PRIVATE = base64.b64encode(bytes(SEED))
PUBLIC = SEED.verify_key.encode(encoder=nacl.encoding.Base64Encoder).decode()
PLAIN = (
    b"From: Alice <alice@example.test>\r\nTo: bob@example.org\r\nSubject: hi\r\n"
    b"Date: Tue, 14 Nov 2023 22:13:20 +0000\r\nMessage-ID: <1@example.test>\r\n\r\nHello.\r\n"
)


def sign_with_expiry(message: bytes, signed_at: int, expires: int) -> bytes:
    """dkimpy's sign() writes no x=; build the same tags plus x= with its own helpers."""
    signer = dkimpy.DKIM(message, signature_algorithm=b"ed25519-sha256")
    policy = dkimpy.CanonicalizationPolicy.from_c_value(b"relaxed/simple")
    include = [b"from", b"to", b"subject", b"date"]
    signer.hasher = hashlib.sha256
    body_hash = base64.b64encode(hashlib.sha256(policy.canonicalize_body(signer.body)).digest())
    fields = [
        (b"v", b"1"), (b"a", b"ed25519-sha256"), (b"c", b"relaxed/simple"),
        (b"d", b"example.test"), (b"s", b"sel"), (b"t", str(signed_at).encode()),
        (b"x", str(expires).encode()), (b"h", b" : ".join(include)), (b"bh", body_hash),
        (b"b", b"0" * 60),
    ]
    header = signer.gen_header(
        fields, include, policy, b"DKIM-Signature",
        nacl.signing.SigningKey(PRIVATE, encoder=nacl.encoding.Base64Encoder),
    )
    return b"DKIM-Signature: " + header + message


def key_zone() -> TableResolver:
    table = TableResolver()
    table.add("sel._domainkey.example.test", "TXT", (f"v=DKIM1; k=ed25519; p={PUBLIC}",))
    return table


def test_signature_expiry_follows_the_callers_clock():
    signed = sign_with_expiry(PLAIN, NOW, NOW + 3600)
    before = verify_dkim(signed, key_zone(), now=NOW + 60)[0]
    assert before.result == "pass", before.reason
    assert (before.timestamp, before.expires) == (NOW, NOW + 3600)
    after = verify_dkim(signed, key_zone(), now=NOW + 7 * 86400)[0]
    assert after.result == "fail" and "expired" in after.reason


def test_plain_sign_round_trip_and_tags():
    with dkimpy_clock(NOW):
        header = dkimpy.sign(PLAIN, b"sel", b"example.test", PRIVATE,
                             signature_algorithm=b"ed25519-sha256",
                             include_headers=[b"from", b"subject"])
    result = verify_dkim(header + PLAIN, key_zone(), now=NOW)[0]
    assert result.result == "pass"
    assert result.headers == ["from", "subject"] and result.timestamp == NOW
    tampered = (header + PLAIN).replace(b"Subject: hi", b"Subject: HI!")
    assert verify_dkim(tampered, key_zone(), now=NOW)[0].result == "fail"


@pytest.mark.parametrize("junk", [b"", b"\x00\xff", b"DKIM-Signature: garbage\r\n\r\nx"])
def test_bad_input_gives_words_not_tracebacks(junk):
    for result in verify_dkim(junk, TableResolver(), now=NOW):
        assert result.result in ("permerror", "fail", "temperror") and result.reason
    assert verify_arc(junk, TableResolver(), now=NOW).cv in ("none", "fail")


# -- ARC ---------------------------------------------------------------------------------------
@lru_cache(maxsize=1)
def arc_scenarios() -> list[dict]:
    return load_all(ARC_SUITE.read_text(encoding="utf-8")) if ARC_SUITE.exists() else []


def arc_cases() -> list[tuple[int, str]]:
    return [(i, t) for i, sc in enumerate(arc_scenarios()) for t in sc["tests"]]


def arc_keys(scenario: dict) -> TableResolver:
    table = TableResolver()
    for name, value in (scenario.get("txt-records") or {}).items():
        table.add(name, "TXT", (value.replace("\n", ""),))
    return table


def arc_ok(expected: str | None, got: str) -> bool:
    wanted = (expected or "").strip().lower()
    return got == wanted or (wanted == "" and got == "fail")  # see arc/README.md


def test_arc_suite_present():
    need(ARC_SUITE.exists(), f"{ARC_SUITE} is absent")
    assert len(arc_cases()) == 171


@pytest.mark.parametrize("index,test_id", arc_cases(), ids=[t for _, t in arc_cases()])
def test_arc_suite(index, test_id):
    scenario = arc_scenarios()[index]
    test = scenario["tests"][test_id]
    result = verify_arc(test["message"].encode(), arc_keys(scenario), now=NOW)
    assert arc_ok(test["cv"], result.cv), result.reason


def test_arc_scoring_can_fail():
    need(ARC_SUITE.exists(), f"{ARC_SUITE} is absent")
    wrong = sum(
        not arc_ok(sc["tests"][t]["cv"], verify_arc(sc["tests"][t]["message"].encode(),
                                                     TableResolver(), now=NOW).cv)
        for sc in arc_scenarios() for t in sc["tests"]
    )
    assert wrong > 40
