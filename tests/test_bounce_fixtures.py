"""Every bounce fixture gives the recipients, codes, reasons and top rule in its table.

The table is fixtures/bounces/expected.toml; the fixtures are the project's own samples
of each MTA family and encoding (never copies of the evaluation corpus).
"""

from __future__ import annotations

import tomllib

import pytest

from mailcheck.diagnosis import diagnose

from .conftest import FIXTURES

BOUNCES = FIXTURES / "bounces"
CASES = tomllib.loads((BOUNCES / "expected.toml").read_text(encoding="utf-8"))["case"]
FIELDS = ("recipient", "action", "status", "reply_code", "reason")


def _norm(value: object) -> str:
    return "" if value is None else str(value)


@pytest.mark.parametrize("case", CASES, ids=[c["file"] for c in CASES])
def test_fixture(case: dict) -> None:
    path = BOUNCES / case["file"]
    d = diagnose(path.read_bytes(), source=str(path))
    assert d.error is None
    assert d.kind == case["kind"]
    got = [{f: _norm(getattr(r, f)) for f in FIELDS} | {"hard_bounce": bool(r.hard_bounce)}
           for r in d.recipients]
    want = [{f: r[f] for f in FIELDS} | {"hard_bounce": r["hard_bounce"]}
            for r in case.get("recipient", [])]
    assert got == want
    top = next((f.rule for f in d.findings if not f.generic), "")
    assert top == case["top"]


def test_every_fixture_is_in_the_table() -> None:
    files = {str(p.relative_to(BOUNCES)) for p in BOUNCES.rglob("*")
             if p.is_file() and p.suffix in (".eml", ".txt")}
    assert files == {c["file"] for c in CASES}


def test_every_family_has_a_fixture() -> None:
    families = {c["file"].split("/")[0] for c in CASES}
    assert {"postfix", "sendmail", "exim", "qmail", "courier", "opensmtpd", "exchange", "gmail",
            "google-groups", "yahoo", "amazon-ses", "arf", "autoreply", "dsn", "japanese",
            "domino", "mta-log", "forwarded", "encodings", "not-bounce"} <= families


def test_line_endings_do_not_change_the_result() -> None:
    lf = (BOUNCES / "encodings/crlf-qmail.eml").read_bytes().replace(b"\r\n", b"\n")
    results = []
    for data in (lf, lf.replace(b"\n", b"\r\n"), lf.replace(b"\n", b"\r")):
        d = diagnose(data)
        results.append([(r.recipient, r.status, r.reply_code, r.reason) for r in d.recipients])
    assert results[0] == results[1] == results[2]
    assert results[0] == [("gil@receiver.example", "5.1.1", "550", "userunknown")]
