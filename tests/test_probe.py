"""The SMTP probe against a real loopback server scripted to answer like Exchange Online."""

from __future__ import annotations

import base64
import json
import socket
import time
from datetime import UTC, datetime, timedelta

import pytest

from mailcheck.checks.probe import (
    Credentials,
    ProbeResult,
    ProbeUsageError,
    diagnose_probe,
    probe,
)
from mailcheck.render import render
from tests.exchange_like_server import (
    BAD_CREDENTIALS,
    BAD_CREDENTIALS_OLD,
    MAILBOX_DISABLED,
    SCENARIO_REPLIES,
    TENANT_DISABLED,
    ExchangeLikeServer,
    free_port,
    make_certificate,
)

pytestmark = pytest.mark.smtp

USER = "admin@contoso.example"
PASSWORD = "Tr0ub4dor&3-not-in-output"
STALL_TIMEOUT = 0.3


class Provider:
    """Counts how often the probe asked for the credentials."""

    def __init__(self, secret: str = PASSWORD) -> None:
        self.calls = 0
        self.secret = secret

    def __call__(self) -> Credentials:
        self.calls += 1
        return Credentials(USER, self.secret)


@pytest.fixture(scope="module")
def cert(tmp_path_factory):
    return make_certificate(tmp_path_factory.mktemp("cert"))


@pytest.fixture(scope="module")
def other_cert(tmp_path_factory):
    """A certificate for another host name only (no loopback names)."""
    return make_certificate(
        tmp_path_factory.mktemp("other"), dns_names=("mail.other.example",), ip_addresses=()
    )


@pytest.fixture
def serve():
    started: list[ExchangeLikeServer] = []

    def start(scenario: str, certificate, **kwargs) -> ExchangeLikeServer:
        server = ExchangeLikeServer(scenario, certificate, **kwargs).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


def run(server: ExchangeLikeServer, cert, **kwargs) -> ProbeResult:
    kwargs.setdefault("credentials", Provider())
    kwargs.setdefault("cafile", str(cert.cert))
    kwargs.setdefault("timeout", 2.0)
    kwargs.setdefault("tls", server.tls)
    return probe("127.0.0.1", server.port, **kwargs)


def step(result: ProbeResult, name: str):
    matches = [s for s in result.steps if s.name == name]
    assert matches, f"no step {name}: {[s.name for s in result.steps]}"
    return matches[-1]


def every_output(result: ProbeResult) -> str:
    """Every form the probe's result takes on the way to a user, in both languages."""
    ev = result.to_evidence()
    out = [
        json.dumps(result.to_dict()),
        "\n".join(result.transcript()),
        repr(result),
        repr(ev),
        ev.haystack(),
        json.dumps(ev.facts),
    ]
    for lang in ("en", "ja"):
        diag = diagnose_probe(result, lang=lang)
        out.extend(render(diag, fmt) for fmt in ("text", "json", "html"))
        out.append(repr(diag))
    return "\n".join(out)


def forbidden_forms(secret: str = PASSWORD) -> list[str]:
    def b64(text: str) -> str:
        return base64.b64encode(text.encode()).decode()

    return [
        secret,
        b64(secret),
        b64(f"\0{USER}\0{secret}"),
        b64(f"user={USER}\x01auth=Bearer {secret}\x01\x01"),
    ]


# -- the finding for each Exchange Online behaviour -----------------------------------------


@pytest.mark.parametrize(
    ("scenario", "certificate", "expected"),
    [
        ("tenant", "cert", "exo-smtp-auth-disabled-tenant"),
        ("mailbox", "cert", "exo-smtp-auth-disabled-mailbox"),
        ("bad-credentials", "cert", "smtp-auth-bad-credentials"),
        ("bad-credentials-old", "cert", "smtp-auth-bad-credentials"),
        ("security-defaults", "cert", "entra-security-defaults-block-legacy-auth"),
        ("stall-auth", "cert", "gmail-sendas-smtp-timeout"),
        ("stall-ehlo", "cert", "gmail-sendas-smtp-timeout"),
        ("no-auth", "cert", "smtp-probe-auth-not-offered"),
        ("tenant", "other_cert", "smtp-tls-cert-mismatch"),
        ("starttls-refused", "cert", "smtp-probe-starttls-unavailable"),
        ("no-starttls", "cert", "smtp-probe-starttls-unavailable"),
        ("success", "cert", "smtp-probe-auth-accepted"),
    ],
)
def test_probe_gives_the_finding_diagnose_gives(serve, request, scenario, certificate, expected):
    cert = request.getfixturevalue(certificate)
    server = serve(scenario, cert, stall=STALL_TIMEOUT * 5)
    result = run(server, cert, timeout=STALL_TIMEOUT)  # trusts the server's own certificate
    diag = diagnose_probe(result)
    assert diag.top is not None and diag.top.rule == expected, [f.rule for f in diag.findings]
    assert diag.top.evidence, "a finding must cite what the probe saw"
    assert diag.kind == "probe"
    assert diag.checks["probe"]["outcome"] == result.outcome
    assert diag.checks["probe"]["steps"][0]["name"] == "connect"


@pytest.mark.parametrize(
    "scenario", ["tenant", "mailbox", "bad-credentials", "bad-credentials-old", "security-defaults"]
)
def test_same_top_finding_as_diagnose_on_the_reply_alone(serve, cert, scenario):
    from mailcheck import diagnose

    server = serve(scenario, cert)
    diag = diagnose_probe(run(server, cert))
    assert diag.top.rule == diagnose(SCENARIO_REPLIES[scenario]).top.rule


def test_reply_finding_cites_the_servers_line(serve, cert):
    server = serve("tenant", cert)
    diag = diagnose_probe(run(server, cert), lang="ja")
    assert diag.top.rule == "exo-smtp-auth-disabled-tenant"
    assert diag.top.evidence[0].text == f"S: {TENANT_DISABLED}"
    english = diagnose_probe(run(server, cert)).top
    assert diag.top.title != english.title and not diag.top.title.isascii()


def test_untrusted_certificate_finding(serve, cert):
    server = serve("tenant", cert)
    diag = diagnose_probe(run(server, cert, cafile=None))
    assert diag.top.rule == "smtp-probe-tls-cert-untrusted"


def test_refused_connection_finding():
    diag = diagnose_probe(probe("127.0.0.1", free_port(), timeout=1.0))
    assert diag.top.rule == "smtp-probe-connection-refused"


def test_pasting_the_probe_output_into_diagnose_names_the_same_cause(serve, cert):
    from mailcheck import diagnose

    for scenario in ("no-auth", "stall-auth"):
        server = serve(scenario, cert, stall=STALL_TIMEOUT * 5)
        result = run(server, cert, timeout=STALL_TIMEOUT)
        pasted = "\n".join(result.transcript()) + "\n" + result.to_evidence().lines[-1].text
        assert diagnose(pasted).top.rule == diagnose_probe(result).top.rule


# -- Exchange Online's AUTH replies -------------------------------------------------------------


@pytest.mark.parametrize(
    ("scenario", "reply", "status"),
    [
        ("tenant", TENANT_DISABLED, "5.7.139"),
        ("mailbox", MAILBOX_DISABLED, "5.7.139"),
        ("bad-credentials", BAD_CREDENTIALS, "5.7.139"),
        ("bad-credentials-old", BAD_CREDENTIALS_OLD, "5.7.3"),
    ],
)
def test_auth_rejection_reaches_the_evidence_word_for_word(serve, cert, scenario, reply, status):
    server = serve(scenario, cert)
    result = run(server, cert)
    assert result.outcome == "auth-rejected"
    assert result.credentials_sent
    auth = step(result, "auth")
    assert auth.status == "failed"
    assert auth.transcript == ["C: AUTH PLAIN [redacted]", f"S: {reply}"]
    ev = result.to_evidence()
    assert [(r.code, r.status, r.text) for r in ev.replies] == [("535", status, reply)]
    assert ev.replies[0].line is not None and ev.replies[0].line.text == f"S: {reply}"
    assert ev.facts["probe_conditions"] == ["auth-rejected"]
    # the credentials went over TLS, intact
    assert server.seen == [{"mechanism": "PLAIN", "login": USER, "password": PASSWORD, "tls": True}]


def test_steps_follow_gmail_order_and_report_tls(serve, cert):
    server = serve("tenant", cert)
    result = run(server, cert)
    assert [s.name for s in result.steps] == [
        "connect",
        "banner",
        "ehlo",
        "starttls",
        "tls",
        "certificate",
        "ehlo-after-tls",
        "auth",
        "quit",
    ]
    assert "STARTTLS" in step(result, "ehlo").detail["extensions"]
    assert step(result, "ehlo").detail["auth"] == []  # AUTH only after TLS
    assert result.auth_mechanisms == ["LOGIN", "PLAIN", "XOAUTH2"]
    assert result.tls["version"].startswith("TLSv1.")
    assert result.tls["verified"] is True
    assert result.certificate["common_name"] == "localhost"
    assert result.certificate["name_match"] is True
    assert result.certificate["days_left"] >= 28
    assert step(result, "banner").transcript[0].startswith("S: 220 SN4PR0501CA0054")
    json.dumps(result.to_dict())  # serialisable


def test_success_goes_on_to_mail_and_rcpt_but_never_data(serve, cert):
    server = serve("success", cert)
    result = run(server, cert, mail_from="admin@contoso.example", rcpt_to="friend@example.org")
    assert result.outcome == "auth-succeeded"
    assert result.condition_names() == ["auth-succeeded"]
    assert step(result, "auth").transcript[-1] == "S: 235 2.7.0 Authentication successful"
    assert step(result, "mail-from").transcript[0] == "C: MAIL FROM:<admin@contoso.example>"
    assert step(result, "rcpt-to").transcript[-1] == "S: 250 2.1.5 Recipient OK"
    assert step(result, "quit").status == "ok"
    assert server.data_calls == 0
    assert result.to_evidence().replies == []


def test_refused_recipient_is_evidence(serve, cert):
    reply = "550 5.7.60 SMTP; Client does not have permissions to send as this sender"
    server = serve("success", cert, rcpt_reply=reply)
    result = run(server, cert, mail_from="admin@contoso.example", rcpt_to="x@example.org")
    assert result.outcome == "rcpt-to-rejected"
    assert [r.text for r in result.to_evidence().replies] == [reply]


# -- no reply, no AUTH, no TLS ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("scenario", "stalled_step"),
    [
        ("stall-auth", "auth"),
        ("stall-ehlo", "ehlo-after-tls"),
    ],
)
def test_silence_after_second_ehlo_is_gmails_sent_second_ehlo(serve, cert, scenario, stalled_step):
    server = serve(scenario, cert, stall=STALL_TIMEOUT * 5)
    started = time.monotonic()
    result = run(server, cert, timeout=STALL_TIMEOUT)
    assert time.monotonic() - started < STALL_TIMEOUT * 4
    assert result.outcome == "stall-after-second-ehlo"
    stalled = step(result, stalled_step)
    assert stalled.status == "failed"
    assert stalled.transcript[-1] == f"(no reply within {STALL_TIMEOUT:g} s)"
    assert stalled.elapsed_ms >= STALL_TIMEOUT * 1000 * 0.9
    ev = result.to_evidence()
    assert "SENT_SECOND_EHLO" in ev.lines[-1].text
    assert ev.facts["probe_outcome"] == "stall-after-second-ehlo"


def test_no_auth_after_tls(serve, cert):
    provider = Provider()
    server = serve("no-auth", cert)
    result = run(server, cert, credentials=provider)
    assert result.outcome == "auth-not-offered"
    assert result.auth_mechanisms == []
    assert provider.calls == 0 and server.seen == []
    assert "auth" not in [s.name for s in result.steps]


def test_starttls_refused(serve, cert):
    server = serve("starttls-refused", cert)
    result = run(server, cert)
    assert result.outcome == "starttls-refused"
    assert result.to_evidence().replies[0].text == (
        "454 4.7.0 TLS not available due to temporary reason"
    )
    assert server.seen == []


def test_starttls_not_offered(serve, cert):
    server = serve("no-starttls", cert)
    result = run(server, cert)
    assert result.outcome == "starttls-not-offered"
    assert server.seen == []


def test_connection_refused(cert):
    port = free_port()  # closed again: nothing listens there
    result = probe("127.0.0.1", port, timeout=1.0, credentials=Provider())
    assert result.outcome == "connection-refused"
    assert [s.name for s in result.steps] == ["connect"]
    assert "refused" in result.to_evidence().haystack()


def test_silent_listener_is_a_banner_timeout():
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)  # accepts in the kernel, never speaks
        result = probe("127.0.0.1", listener.getsockname()[1], timeout=0.2)
    assert result.outcome == "banner-timeout"


def test_connect_timeout_and_unknown_host_come_from_the_factory():
    def timing_out(host, port, timeout):
        raise TimeoutError("timed out")

    def unknown(host, port, timeout):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    assert probe("smtp.example.test", connect=timing_out).outcome == "connection-timeout"
    assert probe("smtp.example.test", connect=unknown).outcome == "host-not-found"


# -- certificates ---------------------------------------------------------------------------------


def test_certificate_for_another_name_withholds_credentials(serve, other_cert):
    provider = Provider()
    server = serve("tenant", other_cert)
    result = run(server, other_cert, credentials=provider)
    assert result.outcome == "tls-certificate-name-mismatch"
    assert "credentials-withheld" in result.condition_names()
    assert provider.calls == 0 and server.seen == []
    assert not result.credentials_sent
    # the report still shows the certificate and what the server offers after TLS
    assert result.certificate["dns_names"] == ["mail.other.example"]
    assert result.certificate["name_match"] is False
    assert result.auth_mechanisms == ["LOGIN", "PLAIN", "XOAUTH2"]
    assert step(result, "tls").detail["verify_code"] in (62, 64)


def test_name_mismatch_for_a_host_name_via_injected_connection(serve, cert):
    server = serve("tenant", cert)

    def to_loopback(host, port, timeout):
        assert host == "smtp.contoso.example"
        return socket.create_connection(("127.0.0.1", port), timeout=timeout)

    result = probe(
        "smtp.contoso.example",
        server.port,
        connect=to_loopback,
        cafile=str(cert.cert),
        credentials=Provider(),
        timeout=2.0,
    )
    assert result.outcome == "tls-certificate-name-mismatch"
    assert "smtp.contoso.example" in result.to_evidence().haystack()
    assert server.seen == []


def test_untrusted_certificate_and_insecure(serve, cert):
    server = serve("mailbox", cert)
    withheld = run(server, cert, cafile=None)
    assert withheld.outcome == "tls-certificate-untrusted"
    assert server.seen == []
    sent = run(server, cert, cafile=None, insecure=True)
    assert sent.condition_names() == ["tls-certificate-untrusted", "auth-rejected"]
    assert sent.tls["verified"] is False
    assert server.seen[0]["password"] == PASSWORD
    assert [r.text for r in sent.to_evidence().replies] == [MAILBOX_DISABLED]


def test_expired_by_the_injected_clock(serve, cert):
    server = serve("tenant", cert)
    later = datetime.now(UTC) + timedelta(days=60)
    result = run(server, cert, now=lambda: later)
    assert "tls-certificate-expired" in result.condition_names()
    assert result.certificate["expired"] is True


# -- mechanisms and modes ---------------------------------------------------------------------


def test_login_mechanism(serve, cert):
    server = serve("bad-credentials", cert)
    result = run(server, cert, mechanism="LOGIN")
    assert server.seen[0]["mechanism"] == "LOGIN"
    assert server.seen[0]["password"] == PASSWORD
    auth = step(result, "auth")
    assert auth.transcript[0] == "C: AUTH LOGIN"
    assert "C: [redacted] (password)" in auth.transcript
    assert result.outcome == "auth-rejected"


def test_xoauth2_token_and_decoded_error(serve, cert):
    token = "eyJ0eXAiOiJKV1QiLCJub25jZSI6IjEyMyJ9.fake-token-value"
    server = serve("xoauth2-fail", cert)
    result = run(server, cert, mechanism="xoauth2", credentials=Provider(token))
    assert server.seen[0]["password"] == token
    auth = step(result, "auth")
    assert auth.detail["xoauth2_error"]["status"] == "401"
    assert auth.transcript[-1] == f"S: {BAD_CREDENTIALS_OLD}"
    out = every_output(result)
    for form in forbidden_forms(token):
        assert form not in out


def test_implicit_tls(serve, cert):
    server = serve("tenant", cert, tls="implicit")
    result = run(server, cert)
    assert [s.name for s in result.steps][:3] == ["connect", "tls", "certificate"]
    assert result.outcome == "auth-rejected"
    assert server.seen[0]["tls"] is True


def test_implicit_tls_with_a_certificate_for_another_name(serve, other_cert):
    provider = Provider()
    server = serve("tenant", other_cert, tls="implicit")
    result = run(server, other_cert, credentials=provider)
    assert result.outcome == "tls-certificate-name-mismatch"
    assert [s.name for s in result.steps][:4] == [
        "connect",
        "tls",
        "connect-unverified",
        "tls-unverified",
    ]
    assert result.auth_mechanisms == ["LOGIN", "PLAIN", "XOAUTH2"]
    assert provider.calls == 0 and server.seen == []
    assert "ehlo-after-tls" not in [s.name for s in result.steps]


def test_plaintext_never_sends_credentials_unless_insecure(serve, cert):
    server = serve("tenant", cert, tls="none")
    assert run(server, cert).outcome == "credentials-withheld"
    assert server.seen == []
    assert run(server, cert, insecure=True).outcome == "auth-rejected"
    assert server.seen[0]["tls"] is False


def test_no_credentials_still_shows_mechanisms(serve, cert):
    server = serve("tenant", cert)
    result = run(server, cert, credentials=None)
    assert result.outcome == "auth-not-attempted"
    assert step(result, "auth").status == "skipped"
    assert diagnose_probe(result).top.rule == "smtp-probe-auth-not-attempted"
    assert "AUTH LOGIN PLAIN XOAUTH2" in result.conditions[0].message
    assert result.auth_mechanisms == ["LOGIN", "PLAIN", "XOAUTH2"]


def test_injected_clock_gives_the_timings(serve, cert):
    ticks = iter(range(0, 10_000))
    server = serve("tenant", cert)
    result = run(server, cert, clock=lambda: next(ticks) * 0.25)
    assert all(s.elapsed_ms == 250.0 for s in result.steps)


# -- the password never leaks -----------------------------------------------------------------


@pytest.mark.parametrize(
    "scenario", ["tenant", "success", "stall-auth", "echo-password", "bad-credentials"]
)
@pytest.mark.parametrize("mechanism", ["PLAIN", "LOGIN"])
def test_password_appears_in_no_output(serve, cert, scenario, mechanism):
    server = serve(scenario, cert, stall=STALL_TIMEOUT * 5)
    result = run(server, cert, mechanism=mechanism, timeout=STALL_TIMEOUT)
    assert result.credentials_sent or scenario == "stall-auth"
    out = every_output(result)
    for form in forbidden_forms():
        assert form not in out
    if result.credentials_sent:
        assert "[redacted]" in out


def test_server_echoing_the_password_is_scrubbed(serve, cert):
    server = serve("echo-password", cert)
    result = run(server, cert)
    assert step(result, "auth").transcript[-1] == "S: 535 5.7.8 wrong password [redacted]"
    assert PASSWORD not in every_output(result)


def test_credentials_repr_hides_the_secret():
    assert PASSWORD not in repr(Credentials(USER, PASSWORD))


# -- bad input ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs",
    [
        {"tls": "ssl"},
        {"mechanism": "CRAM-MD5"},
        {"mail_from": "a@example.org\r\nRCPT TO:<b@example.org>"},
        {"mail_from": "<a@example.org>"},
        {"rcpt_to": "b@example.org"},
        {"timeout": 0},
        {"port": 70000},
        {"cafile": "/nonexistent/ca.pem"},
        {"local_hostname": "x\r\nQUIT"},
        {"mail_from": "jürgen@example.org"},
    ],
)
def test_usage_errors(kwargs):
    def never(host, port, timeout):
        raise AssertionError("must not connect")

    with pytest.raises(ProbeUsageError):
        probe("127.0.0.1", kwargs.pop("port", 587), connect=never, **kwargs)


def test_unreadable_cafile_is_a_usage_error(tmp_path):
    bad = tmp_path / "ca.pem"
    bad.write_text("not a certificate")
    with pytest.raises(ProbeUsageError):
        probe("127.0.0.1", cafile=str(bad))


def test_international_host_name_is_sent_as_a_label():
    seen = []

    def record(host, port, timeout):
        seen.append(host)
        raise ConnectionRefusedError()

    assert probe("smtp.bücher.example", connect=record).host == "smtp.xn--bcher-kva.example"
    assert seen == ["smtp.xn--bcher-kva.example"]


def test_bracketed_ipv6_literal_reaches_the_factory_bare():
    seen = []

    def record(host, port, timeout):
        seen.append(host)
        raise ConnectionRefusedError()

    probe("[2001:db8::25]", connect=record)
    assert seen == ["2001:db8::25"]


def test_default_tls_mode_follows_the_port():
    def refuse(host, port, timeout):
        raise ConnectionRefusedError()

    assert probe("h.example", 465, connect=refuse).tls_mode == "implicit"
    assert probe("h.example", connect=refuse).port == 587
    assert probe("h.example", connect=refuse).tls_mode == "starttls"
