"""`mailcheck probe` end to end against the loopback server, password on stdin."""

from __future__ import annotations

import base64
import json
import subprocess
import sys

import click
import pytest
from click.testing import CliRunner

from mailcheck.cli import main
from mailcheck.probe_cli import parse_target
from tests.exchange_like_server import TENANT_DISABLED, ExchangeLikeServer, make_certificate

from .conftest import ROOT

PASSWORD = "s3cret-Pa55word-from-stdin"
USER = "admin@contoso.example"

pytestmark = pytest.mark.smtp


@pytest.fixture(scope="module")
def cert(tmp_path_factory):
    return make_certificate(tmp_path_factory.mktemp("cli-cert"))


@pytest.fixture
def server(cert):
    srv = ExchangeLikeServer("tenant", cert, stall=1.5).start()
    yield srv
    srv.stop()


def invoke(server, cert, *args, input=PASSWORD + "\n"):
    argv = [
        "probe",
        f"127.0.0.1:{server.port}",
        "--user",
        USER,
        "--password-stdin",
        "--cafile",
        str(cert.cert),
        "--timeout",
        "2",
        *args,
    ]
    return CliRunner().invoke(main, argv, input=input)


def test_text_output_shows_the_transcript_and_the_finding(server, cert):
    r = invoke(server, cert)
    assert r.exit_code == 0, r.output
    assert f"SMTP probe of 127.0.0.1 port {server.port} (STARTTLS)" in r.output
    assert "ehlo-after-tls" in r.output and " ms" in r.output
    assert "C: AUTH PLAIN [redacted]" in r.output
    assert f"S: {TENANT_DISABLED}" in r.output
    assert "[exo-smtp-auth-disabled-tenant]" in r.output
    assert "Set-CASMailbox" in r.output
    assert server.seen[0]["password"] == PASSWORD


def test_json_output_carries_the_probe(server, cert):
    r = invoke(server, cert, "--format", "json")
    assert r.exit_code == 0, r.output
    d = json.loads(r.output)
    assert d["schema"] == 1 and d["kind"] == "probe"
    assert d["findings"][0]["rule"] == "exo-smtp-auth-disabled-tenant"
    probe = d["checks"]["probe"]
    assert probe["outcome"] == "auth-rejected"
    assert [s["name"] for s in probe["steps"]][-2:] == ["auth", "quit"]
    assert all("elapsed_ms" in s for s in probe["steps"])


def test_html_report_carries_the_conversation(server, cert):
    r = invoke(server, cert, "--format", "html")
    assert r.exit_code == 0, r.output
    assert r.output.lstrip().lower().startswith("<!doctype html")
    assert "exo-smtp-auth-disabled-tenant" in r.output
    assert "SmtpClientAuthentication is disabled for the Tenant" in r.output
    assert "AUTH PLAIN [redacted]" in r.output


def test_japanese(server, cert):
    r = invoke(server, cert, "--lang", "ja")
    assert r.exit_code == 0, r.output
    assert "SMTP 送信テスト" in r.output and "やり取り" in r.output


@pytest.mark.parametrize("fmt", ["text", "json", "html"])
@pytest.mark.parametrize("mechanism", ["PLAIN", "LOGIN"])
@pytest.mark.parametrize("lang", ["en", "ja"])
def test_the_password_is_in_no_output_format(server, cert, fmt, mechanism, lang, tmp_path):
    out_file = tmp_path / "report"
    r = invoke(server, cert, "--format", fmt, "--auth", mechanism, "--lang", lang)
    r2 = invoke(server, cert, "--format", fmt, "--auth", mechanism, "-o", str(out_file))
    assert r.exit_code == r2.exit_code == 0
    b64 = base64.b64encode(PASSWORD.encode()).decode()
    plain = base64.b64encode(f"\0{USER}\0{PASSWORD}".encode()).decode()
    for text in (r.output, r2.output, out_file.read_text(encoding="utf-8")):
        for form in (PASSWORD, b64, plain):
            assert form not in text


def test_prompt_does_not_echo(server, cert, monkeypatch):
    monkeypatch.setattr("mailcheck.probe_cli._stdin_is_terminal", lambda: True)
    argv = ["probe", f"127.0.0.1:{server.port}", "--user", USER, "--cafile", str(cert.cert)]
    r = CliRunner().invoke(main, argv, input=PASSWORD + "\n")
    assert r.exit_code == 0, r.output
    assert f"Password for {USER}" in r.output
    assert PASSWORD not in r.output
    assert server.seen[0]["password"] == PASSWORD


def test_stall_finding_from_the_cli(cert):
    srv = ExchangeLikeServer("stall-auth", cert, stall=1.5).start()
    try:
        r = invoke(srv, cert, "--timeout", "0.3", "--format", "json")
    finally:
        srv.stop()
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["findings"][0]["rule"] == "gmail-sendas-smtp-timeout"


def test_as_a_real_process_with_a_pipe(server, cert):
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "mailcheck.cli",
            "probe",
            f"127.0.0.1:{server.port}",
            "--user",
            USER,
            "--password-stdin",
            "--cafile",
            str(cert.cert),
            "--format",
            "json",
        ],
        input=PASSWORD + "\n",
        capture_output=True,
        text=True,
        timeout=30,
        cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["findings"][0]["rule"] == "exo-smtp-auth-disabled-tenant"
    assert PASSWORD not in proc.stdout + proc.stderr


@pytest.mark.parametrize(
    "argv",
    [
        ["probe"],
        ["probe", "127.0.0.1:notaport"],
        ["probe", "127.0.0.1:70000"],
        ["probe", "[::1"],
        ["probe", "127.0.0.1", "--password", "x"],
        ["probe", "127.0.0.1", "--password-stdin"],
        ["probe", "127.0.0.1", "--auth", "PLAIN"],
        ["probe", "127.0.0.1", "--tls", "ssl"],
        ["probe", "127.0.0.1", "--timeout", "0"],
        ["probe", "127.0.0.1", "--cafile", "/nonexistent.pem"],
        ["probe", "127.0.0.1", "--to", "b@example.org"],
        ["probe", "127.0.0.1", "--from", "<a@example.org>"],
        ["probe", "127.0.0.1", "--user", "u@example.org"],  # no terminal, no --password-stdin
        ["probe", "127.0.0.1", "--user", "u@example.org", "--password-stdin"],  # empty stdin
    ],
)
def test_usage_errors_exit_2_without_traceback(argv):
    r = CliRunner().invoke(main, argv, input="")
    assert r.exit_code == 2, r.output
    assert "Traceback" not in r.output
    assert not isinstance(r.exception, Exception) or isinstance(r.exception, SystemExit)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("smtp.office365.com", ("smtp.office365.com", None)),
        ("smtp.office365.com:465", ("smtp.office365.com", 465)),
        ("[2001:db8::1]:587", ("2001:db8::1", 587)),
        ("2001:db8::1", ("2001:db8::1", None)),
        ("[::1]", ("::1", None)),
    ],
)
def test_parse_target(text, expected):
    assert parse_target(text) == expected


@pytest.mark.parametrize("text", [":587", "a:b:c", "[::1]x", "host:0"])
def test_parse_target_rejects(text):
    with pytest.raises(click.BadParameter):
        parse_target(text)


def test_refused_connection_still_exits_0():
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    r = CliRunner().invoke(main, ["probe", f"127.0.0.1:{port}", "--timeout", "1"])
    assert r.exit_code == 0, r.output
    assert "smtp-probe-connection-refused" in r.output
