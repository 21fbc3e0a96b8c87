"""A loopback submission server that answers like Exchange Online, for the probe tests.

It is a real aiosmtpd server with STARTTLS and a certificate made in the test's temporary
directory; a scenario decides what AUTH (or EHLO, or STARTTLS) answers. Tests that need
aiosmtpd or cryptography skip when they are missing, except under ``CI=true`` where a
missing dependency is a failure.
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import importlib
import ipaddress
import json
import socket
import ssl
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.conftest import need


def require(module: str) -> Any:
    """Import ``module`` or skip the test (fail under CI=true)."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        need(False, f"{module} is not installed ({exc})")


# Replies as Exchange Online sends them.
TENANT_DISABLED = (
    "535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the "
    "Tenant. Visit https://aka.ms/smtp_auth_disabled for more information."
)
MAILBOX_DISABLED = (
    "535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the "
    "Mailbox. Visit https://aka.ms/smtp_auth_disabled for more information."
)
BAD_CREDENTIALS = "535 5.7.139 Authentication unsuccessful, the user credentials were incorrect."
BAD_CREDENTIALS_OLD = "535 5.7.3 Authentication unsuccessful"
SECURITY_DEFAULTS = (
    "535 5.7.139 Authentication unsuccessful, user is locked by your organization's security "
    "defaults policy. Contact your administrator."
)
SUCCESS = "235 2.7.0 Authentication successful"

SCENARIO_REPLIES = {
    "tenant": TENANT_DISABLED,
    "mailbox": MAILBOX_DISABLED,
    "bad-credentials": BAD_CREDENTIALS,
    "bad-credentials-old": BAD_CREDENTIALS_OLD,
    "security-defaults": SECURITY_DEFAULTS,
    "success": SUCCESS,
}


@dataclass
class Certificate:
    cert: Path
    key: Path


def make_certificate(
    directory: Path,
    *,
    dns_names: tuple[str, ...] = ("localhost",),
    ip_addresses: tuple[str, ...] = ("127.0.0.1", "::1"),
    days: float = 30.0,
    name: str = "server",
) -> Certificate:
    """A self-signed EC P-256 certificate valid for the given names (key stays in tmp)."""
    x509 = require("cryptography.x509")
    hashes = require("cryptography.hazmat.primitives.hashes")
    ec = require("cryptography.hazmat.primitives.asymmetric.ec")
    serialization = require("cryptography.hazmat.primitives.serialization")
    NameOID = x509.oid.NameOID  # noqa: N806

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, (dns_names or ("x",))[0])])
    now = dt.datetime.now(dt.UTC)
    sans = [x509.DNSName(n) for n in dns_names]
    sans += [x509.IPAddress(ipaddress.ip_address(a)) for a in ip_addresses]
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=days))
        .add_extension(x509.SubjectAlternativeName(sans), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path = directory / f"{name}.pem"
    key_path = directory / f"{name}.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return Certificate(cert_path, key_path)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class ExchangeLikeServer:
    """An aiosmtpd server scripted by ``scenario``.

    Scenarios: the keys of SCENARIO_REPLIES (what AUTH answers), ``stall-auth`` (AUTH
    never answered within ``stall`` seconds), ``stall-ehlo`` (the EHLO after TLS is not
    answered), ``no-auth`` (no AUTH in EHLO after TLS), ``no-starttls``,
    ``starttls-refused``, ``echo-password`` (the AUTH reply repeats the password back),
    ``xoauth2-fail`` (Exchange-style XOAUTH2 failure with a base64 JSON challenge).
    """

    scenario: str
    certificate: Certificate
    tls: str = "starttls"  # starttls | implicit | none
    stall: float = 2.0
    rcpt_reply: str | None = None
    seen: list[dict[str, Any]] = field(default_factory=list)
    data_calls: int = 0
    port: int = 0
    _controller: Any = None

    def start(self) -> ExchangeLikeServer:
        controller_mod = require("aiosmtpd.controller")
        smtp_mod = require("aiosmtpd.smtp")
        server = self

        tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls.load_cert_chain(self.certificate.cert, self.certificate.key)

        class Handler:
            async def handle_EHLO(self, smtp, session, envelope, hostname, responses):  # noqa: N802
                session.host_name = hostname
                after_tls = session.ssl is not None or server.tls == "implicit"
                if after_tls and server.scenario == "stall-ehlo":
                    await asyncio.sleep(server.stall)
                if server.scenario == "no-auth":
                    responses = [r for r in responses if not r[4:].upper().startswith("AUTH")]
                if server.scenario == "no-starttls":
                    responses = [r for r in responses if "STARTTLS" not in r.upper()]
                return responses

            async def handle_AUTH(self, smtp, session, envelope, args):  # noqa: N802
                if server.scenario == "stall-auth":
                    await asyncio.sleep(server.stall)
                    return "451 4.7.0 too late"
                return smtp_mod.MISSING

            async def auth_XOAUTH2(self, smtp, args):  # noqa: N802
                blob = base64.b64decode(args[1]) if len(args) > 1 else b""
                parts = dict(p.split("=", 1) for p in blob.decode().split("\x01") if "=" in p)
                server.seen.append(
                    {
                        "mechanism": "XOAUTH2",
                        "login": parts.get("user"),
                        "password": parts.get("auth", "").removeprefix("Bearer "),
                        "tls": smtp.session.ssl is not None or server.tls == "implicit",
                    }
                )
                if server.scenario == "success":
                    return smtp_mod.AuthResult(success=True)
                error = {"status": "401", "schemes": "bearer", "scope": "https://x"}
                await smtp.challenge_auth(json.dumps(error))
                return smtp_mod.AuthResult(
                    success=False, handled=False, message=BAD_CREDENTIALS_OLD
                )

            async def handle_RCPT(self, smtp, session, envelope, address, rcpt_options):  # noqa: N802
                if server.rcpt_reply:
                    return server.rcpt_reply
                envelope.rcpt_tos.append(address)
                return "250 2.1.5 Recipient OK"

            async def handle_DATA(self, smtp, session, envelope):  # noqa: N802
                server.data_calls += 1
                return "250 2.0.0 OK queued"

        def authenticator(smtp, session, envelope, mechanism, auth_data):
            server.seen.append(
                {
                    "mechanism": mechanism,
                    "login": auth_data.login.decode(),
                    "password": auth_data.password.decode(),
                    "tls": session.ssl is not None or server.tls == "implicit",
                }
            )
            if server.scenario == "echo-password":
                return smtp_mod.AuthResult(
                    success=False,
                    handled=False,
                    message=f"535 5.7.8 wrong password {auth_data.password.decode()}",
                )
            reply = SCENARIO_REPLIES.get(server.scenario, BAD_CREDENTIALS_OLD)
            if reply.startswith("235"):
                return smtp_mod.AuthResult(success=True)
            return smtp_mod.AuthResult(success=False, handled=False, message=reply)

        class ScriptedSMTP(smtp_mod.SMTP):
            async def smtp_STARTTLS(self, arg):  # noqa: N802
                if server.scenario == "starttls-refused":
                    await self.push("454 4.7.0 TLS not available due to temporary reason")
                    return
                await super().smtp_STARTTLS(arg)

        class ScriptedController(controller_mod.Controller):
            def factory(self):
                return ScriptedSMTP(self.handler, **self.SMTP_kwargs)

        self.port = free_port()
        kwargs: dict[str, Any] = {
            "hostname": "127.0.0.1",
            "port": self.port,
            "server_hostname": "SN4PR0501CA0054.outlook.office365.com",
            "ident": "Microsoft ESMTP MAIL Service ready",
            "authenticator": authenticator,
        }
        if self.tls == "implicit":
            kwargs.update(ssl_context=tls, auth_require_tls=False)
        elif self.tls == "none":
            kwargs.update(auth_require_tls=False)
        else:
            kwargs.update(tls_context=tls, require_starttls=True, auth_require_tls=True)
        self._controller = ScriptedController(Handler(), **kwargs)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None
