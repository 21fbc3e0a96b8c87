"""An SMTP submission probe that walks the steps Gmail's "Send mail as" check takes.

Gmail's dialog reduces a failed check to one line ("Missed upload deadline (state
SENT_SECOND_EHLO), code: 421"). The probe repeats the same conversation against the
submission server -- connect, banner, EHLO, STARTTLS, certificate, second EHLO, AUTH and,
if asked, MAIL FROM / RCPT TO without DATA -- and records every step with its timing and
the server's exact words, so the rule engine can name the cause from the real reply.

Everything that touches the outside world is passed in: the connection factory, the
clock, the wall-clock time used for certificate expiry, and a credentials provider that is
called only at the moment AUTH is about to be sent. The secret is never stored on the
result, never written to the transcript (AUTH payloads appear as ``[redacted]``) and is
scrubbed from anything the server says back.

The record itself (steps, conditions, the Evidence and Diagnosis built from them) lives
in :mod:`mailcheck.checks.probe_result`; its names are re-exported here.
"""

from __future__ import annotations

import base64
import binascii
import json
import smtplib
import socket
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from mailcheck.checks.certificate import (
    CertificateInfo,
    certificate_matches_host,
    parse_der_certificate,
)
from mailcheck.checks.probe_result import (  # noqa: F401 (MECHANISMS, TLS_MODES: re-exported)
    MECHANISMS,
    TLS_MODES,
    ProbeCondition,
    ProbeResult,
    ProbeStep,
    diagnose_probe,
    parse_reply,
)
from mailcheck.messages import Message, msg

__all__ = [
    "MECHANISMS",
    "TLS_MODES",
    "ConnectionFactory",
    "Credentials",
    "CredentialsProvider",
    "ProbeCondition",
    "ProbeResult",
    "ProbeStep",
    "ProbeUsageError",
    "default_connect",
    "diagnose_probe",
    "parse_reply",
    "probe",
]

#: ``(host, port, timeout) -> connected socket``; the test suite and the CLI inject it.
ConnectionFactory = Callable[[str, int, float], socket.socket]

REDACTED = "[redacted]"

# OpenSSL verify codes (X509_V_ERR_*) that say which check failed.
_VERIFY_HOSTNAME = {62, 64}  # HOSTNAME_MISMATCH, IP_ADDRESS_MISMATCH
_VERIFY_EXPIRED = {10}  # CERT_HAS_EXPIRED
_VERIFY_NOT_YET_VALID = {9}


class ProbeUsageError(ValueError):
    """The probe was asked for something it cannot do (bad option, unreadable CA file)."""


@dataclass(frozen=True, slots=True)
class Credentials:
    """A user name and its password or OAuth token. ``repr`` never shows the secret."""

    user: str
    secret: str = field(repr=False)


#: Called once, just before AUTH; returns the credentials to send.
CredentialsProvider = Callable[[], Credentials]


def default_connect(host: str, port: int, timeout: float) -> socket.socket:
    """Open a TCP connection the ordinary way (the probe's default factory)."""
    return socket.create_connection((host, port), timeout=timeout)


def _check_command_text(label: str, value: str) -> None:
    if any(ch in value for ch in "\r\n\0") or value != value.strip() or not value:
        raise ProbeUsageError(f"{label} must be a single line without surrounding spaces")
    if not value.isascii():
        # smtplib sends commands as ASCII; SMTPUTF8 addresses are out of the probe's scope
        raise ProbeUsageError(f"{label} must be ASCII")


def _address_literal(sock: socket.socket) -> str:
    try:
        local = sock.getsockname()[0]
    except (OSError, IndexError, TypeError):
        return "[127.0.0.1]"
    return f"[IPv6:{local}]" if ":" in str(local) else f"[{local}]"


class _Client(smtplib.SMTP):
    """smtplib's command framing and reply parsing over a socket the probe opened."""

    def __init__(self, sock: socket.socket, local_hostname: str) -> None:
        super().__init__(local_hostname=local_hostname)
        self.sock = sock

    def replace_socket(self, sock: socket.socket) -> None:
        self.sock = sock
        self.file = None
        self.helo_resp = None
        self.ehlo_resp = None
        self.esmtp_features = {}
        self.does_esmtp = False


class _Stalled(Exception):
    """No reply within the step's timeout."""


class _Closed(Exception):
    """The server closed the connection."""


def _why(exc: Exception, default: str | None = None) -> str:
    """The reason an exception carries (a Message when it is one), else ``default``."""
    if exc.args and isinstance(exc.args[0], str):
        return exc.args[0]
    return default if default is not None else str(exc)


class _Probe:
    def __init__(
        self,
        host: str,
        port: int,
        tls_mode: str,
        *,
        credentials: CredentialsProvider | None,
        mechanism: str | None,
        mail_from: str | None,
        rcpt_to: str | None,
        timeout: float,
        cafile: str | None,
        insecure: bool,
        local_hostname: str | None,
        connect: ConnectionFactory,
        clock: Callable[[], float],
        now: Callable[[], datetime],
    ) -> None:
        self.host = host
        self.port = port
        self.tls_mode = tls_mode
        self.credentials = credentials
        self.requested_mechanism = mechanism
        self.mail_from = mail_from
        self.rcpt_to = rcpt_to
        self.timeout = timeout
        self.cafile = cafile
        self.insecure = insecure
        self.local_hostname = local_hostname
        self.connect = connect
        self.clock = clock
        self.now = now
        self.client: _Client | None = None
        self.result = ProbeResult(host=host, port=port, tls_mode=tls_mode)
        self._secrets: list[str] = []
        self._last_reply_text = ""
        self._last_ehlo: ProbeStep | None = None
        self._retry_unverified = False
        self.trusted = tls_mode != "none"

    # -- recording ---------------------------------------------------------------------------
    def _scrub(self, text: str) -> str:
        for secret in self._secrets:
            if secret:
                text = text.replace(secret, REDACTED)
        return text

    def _step(self, name: str) -> tuple[ProbeStep, float]:
        step = ProbeStep(name=name)
        self.result.steps.append(step)
        return step, self.clock()

    def _done(self, step: ProbeStep, started: float) -> None:
        step.elapsed_ms = max(0.0, (self.clock() - started) * 1000.0)

    def _condition(self, name: str, step: ProbeStep, message: str) -> None:
        scrubbed = (
            message.map_text(self._scrub) if isinstance(message, Message) else self._scrub(message)
        )
        self.result.conditions.append(ProbeCondition(name, step.name, scrubbed))

    def _send(self, step: ProbeStep, command: str, shown: str | None = None) -> None:
        assert self.client is not None
        step.transcript.append(f"C: {shown if shown is not None else command}")
        try:
            self.client.send(command + "\r\n")
        except smtplib.SMTPServerDisconnected as exc:
            raise _Closed(msg("probe.closed_before_send")) from exc

    def _reply(self, step: ProbeStep) -> tuple[int, list[str]]:
        """Read one reply; record every line of it exactly as the server sent it."""
        if self.client is None or self.client.sock is None:
            raise _Closed(msg("probe.closed_already"))
        self.client.sock.settimeout(self.timeout)
        try:
            code, raw = self.client.getreply()
        except smtplib.SMTPServerDisconnected as exc:
            if isinstance(exc.__context__, TimeoutError):
                step.transcript.append(msg("probe.no_reply_within", timeout=self.timeout))
                raise _Stalled() from None
            step.transcript.append(msg("probe.closed_note"))
            raise _Closed(msg("probe.closed_by_server")) from None
        except smtplib.SMTPResponseException as exc:
            raise _Closed(msg("probe.unreadable_reply", code=exc.smtp_code)) from None
        lines = [self._scrub(b.decode("utf-8", errors="replace")) for b in raw.split(b"\n")]
        shown_code = f"{code:03d}" if code >= 0 else "???"
        for i, text in enumerate(lines):
            sep = "-" if i < len(lines) - 1 else " "
            step.transcript.append(f"S: {shown_code}{sep}{text}".rstrip())
        joined = (f"{shown_code} " + " ".join(t for t in lines if t)).strip()
        step.replies.append((len(step.transcript) - 1, joined))
        self._last_reply_text = joined
        return code, lines

    # -- steps -------------------------------------------------------------------------------
    def run(self) -> ProbeResult:
        self.result.started_at = self.now().isoformat()
        try:
            self._conversation()
        finally:
            if self.client is not None:
                self.client.close()
        return self.result

    def _conversation(self) -> None:
        if not self._open(verify=True):
            if not self._retry_unverified:
                return
            # The failed handshake ended the connection. Connect again without verifying,
            # so the report still shows the certificate and what the server offers after
            # TLS; credentials stay withheld (self.trusted is False) unless insecure.
            if not self._open(verify=False):
                return
        # With STARTTLS the capabilities that count come from a second EHLO over TLS; with
        # implicit TLS (or none) the first EHLO already ran on the final connection.
        ehlo = self._ehlo("ehlo-after-tls") if self.tls_mode == "starttls" else self._last_ehlo
        if ehlo is None or not self._auth_offered(ehlo):
            return
        if not self._auth():
            self._quit()
            return
        self._envelope()
        self._quit()

    def _open(self, *, verify: bool) -> bool:
        """Connect, read the banner, EHLO and (per mode) set up TLS. False: stop here."""
        step, t0 = self._step("connect" if verify else "connect-unverified")
        step.transcript.append(
            msg(
                "probe.connecting" if verify else "probe.connecting_unverified",
                host=self.host,
                port=self.port,
            )
        )
        try:
            sock = self.connect(self.host, self.port, self.timeout)
        except TimeoutError:
            self._done(step, t0)
            step.status = "failed"
            step.message = msg("probe.no_answer", timeout=self.timeout)
            self._condition(
                "connection-timeout",
                step,
                msg(
                    "probe.connection_timeout", host=self.host, port=self.port, timeout=self.timeout
                ),
            )
            return False
        except ConnectionRefusedError:
            self._done(step, t0)
            step.status = "failed"
            step.message = msg("probe.refused")
            self._condition(
                "connection-refused",
                step,
                msg("probe.connection_refused", host=self.host, port=self.port),
            )
            return False
        except socket.gaierror as exc:
            self._done(step, t0)
            step.status = "failed"
            step.message = msg("probe.not_resolved", error=str(exc.strerror or exc))
            self._condition("host-not-found", step, msg("probe.host_not_found", host=self.host))
            return False
        except OSError as exc:
            self._done(step, t0)
            step.status = "failed"
            step.message = msg("probe.connect_failed", error=str(exc.strerror or exc))
            self._condition(
                "connection-failed",
                step,
                msg("probe.connection_failed", host=self.host, detail=step.message),
            )
            return False
        self._done(step, t0)
        try:
            peer = sock.getpeername()
            step.detail["peer"] = f"{peer[0]} port {peer[1]}"
        except (OSError, IndexError, TypeError):
            pass
        if self.local_hostname is None:
            self.local_hostname = _address_literal(sock)
        self.result.local_hostname = self.local_hostname
        if self.client is not None:
            self.client.close()
        self.client = _Client(sock, self.local_hostname)

        if self.tls_mode == "implicit" and not self._handshake(verify=verify):
            return False
        if not self._banner():
            return False
        ehlo = self._last_ehlo = self._ehlo("ehlo")
        if ehlo is None:
            return False
        if self.tls_mode == "starttls":
            return self._starttls(ehlo.detail.get("extensions", []), verify=verify)
        return True

    def _banner(self) -> bool:
        step, t0 = self._step("banner")
        try:
            code, lines = self._reply(step)
        except _Stalled:
            self._done(step, t0)
            step.status = "failed"
            self._condition(
                "banner-timeout",
                step,
                msg("probe.banner_timeout", timeout=self.timeout),
            )
            return False
        except _Closed as exc:
            self._done(step, t0)
            step.status = "failed"
            self._condition(
                "server-disconnected",
                step,
                msg("probe.disconnected_before_greeting", reason=_why(exc)),
            )
            return False
        self._done(step, t0)
        step.detail["greeting"] = " ".join(lines)
        if code != 220:
            step.status = "failed"
            self._condition(
                "banner-rejected", step, msg("probe.banner_rejected", reply=self._last_reply_text)
            )
            self._quit()
            return False
        return True

    def _ehlo(self, name: str) -> ProbeStep | None:
        """EHLO; returns its step (with the extensions) or None when the session is over."""
        assert self.client is not None
        step, t0 = self._step(name)
        try:
            self._send(step, f"EHLO {self.local_hostname}")
            code, lines = self._reply(step)
        except _Stalled:
            self._done(step, t0)
            step.status = "failed"
            if name == "ehlo-after-tls":
                self._stall_condition(step, msg("probe.second_ehlo"))
            else:
                self._condition(
                    "ehlo-timeout", step, msg("probe.ehlo_timeout", timeout=self.timeout)
                )
            return None
        except _Closed as exc:
            self._done(step, t0)
            step.status = "failed"
            self._condition(
                "server-disconnected", step, msg("probe.disconnected_after_ehlo", reason=_why(exc))
            )
            return None
        self._done(step, t0)
        if code != 250:
            step.status = "failed"
            self._condition(
                "ehlo-rejected", step, msg("probe.ehlo_rejected", reply=self._last_reply_text)
            )
            self._quit()
            return None
        extensions = [ln.split(" ", 1)[0].upper() for ln in lines[1:] if ln]
        step.detail["extensions"] = extensions
        step.detail["auth"] = _auth_mechanisms(lines[1:])
        return step

    def _starttls(self, extensions: list[str], *, verify: bool) -> bool:
        step, t0 = self._step("starttls")
        if "STARTTLS" not in extensions:
            self._done(step, t0)
            step.status = "failed"
            step.message = msg("probe.starttls_missing")
            self._condition("starttls-not-offered", step, msg("probe.starttls_not_offered"))
            self._quit()
            return False
        try:
            self._send(step, "STARTTLS")
            code, _lines = self._reply(step)
        except _Stalled:
            self._done(step, t0)
            step.status = "failed"
            self._condition(
                "starttls-timeout", step, msg("probe.starttls_timeout", timeout=self.timeout)
            )
            return False
        except _Closed as exc:
            self._done(step, t0)
            step.status = "failed"
            self._condition(
                "server-disconnected",
                step,
                msg("probe.disconnected_after_starttls", reason=_why(exc)),
            )
            return False
        self._done(step, t0)
        if code != 220:
            step.status = "failed"
            self._condition(
                "starttls-refused",
                step,
                msg("probe.starttls_refused", reply=self._last_reply_text),
            )
            self._quit()
            return False
        return self._handshake(verify=verify)

    def _tls_context(self, verify: bool) -> ssl.SSLContext:
        if not verify:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
            return ctx
        ctx = ssl.create_default_context()
        if self.cafile:
            ctx.load_verify_locations(cafile=self.cafile)
        return ctx

    def _handshake(self, *, verify: bool) -> bool:
        assert self.client is not None
        step, t0 = self._step("tls" if verify else "tls-unverified")
        ctx = self._tls_context(verify)
        raw = self.client.sock
        raw.settimeout(self.timeout)
        try:
            tls_sock = ctx.wrap_socket(raw, server_hostname=self.host.strip("[]"))
        except ssl.SSLCertVerificationError as exc:
            self._done(step, t0)
            step.status = "failed"
            step.message = msg("probe.cert_not_accepted", reason=str(exc.verify_message))
            step.detail["verify_code"] = exc.verify_code
            step.detail["verify_message"] = exc.verify_message
            self.client.close()
            self.client = None
            self._certificate_problem(step, exc)
            return False
        except (TimeoutError, ssl.SSLError, OSError) as exc:
            self._done(step, t0)
            step.status = "failed"
            reason = (
                msg("probe.tls_timeout")
                if isinstance(exc, TimeoutError)
                else msg("probe.tls_failed", reason=str(getattr(exc, "reason", None) or exc))
            )
            step.message = reason
            self._condition("tls-handshake-failed", step, reason)
            return False
        self._done(step, t0)
        self.client.replace_socket(tls_sock)
        cipher = tls_sock.cipher()
        self.result.tls = {
            "version": tls_sock.version(),
            "cipher": cipher[0] if cipher else None,
            "bits": cipher[2] if cipher else None,
            "verified": verify,
        }
        step.detail.update(self.result.tls)
        step.transcript.append(
            msg(
                "probe.tls_established" if verify else "probe.tls_established_unverified",
                version=self.result.tls["version"],
                cipher=self.result.tls["cipher"],
            )
        )
        self._describe_certificate(tls_sock)
        return True

    def _describe_certificate(self, tls_sock: ssl.SSLSocket) -> None:
        step, t0 = self._step("certificate")
        der = tls_sock.getpeercert(binary_form=True)
        info: CertificateInfo | None = None
        if der:
            try:
                info = parse_der_certificate(der)
            except ValueError as exc:
                step.status = "warning"
                step.message = msg("probe.cert_unreadable", error=str(exc))
        self._done(step, t0)
        if info is None:
            if step.message is None:
                step.status = "warning"
                step.message = msg("probe.cert_none")
            return
        now = self.now()
        match = certificate_matches_host(info, self.host.strip("[]"))
        days_left = (info.not_after - now).days if info.not_after else None
        cert = info.to_dict()
        cert["name_match"] = match
        cert["days_left"] = days_left
        cert["expired"] = bool(info.not_after and info.not_after < now)
        self.result.certificate = cert
        step.detail.update(cert)
        empty = msg("probe.empty")
        step.transcript.append(msg("probe.cert_subject", subject=cert["subject"] or empty))
        step.transcript.append(msg("probe.cert_issuer", issuer=cert["issuer"] or empty))
        names = ", ".join(info.names()) or msg("probe.none")
        step.transcript.append(
            msg(
                "probe.cert_names_match" if match else "probe.cert_names_mismatch",
                names=names,
                host=self.host,
            )
        )
        if info.not_after:
            step.transcript.append(
                msg("probe.cert_valid_until", until=info.not_after.isoformat(), days=days_left)
            )
        if not match:
            step.status = "failed"
            if "tls-certificate-name-mismatch" not in self.result.condition_names():
                self._condition(
                    "tls-certificate-name-mismatch",
                    step,
                    msg("probe.cert_name_mismatch", names=names, host=self.host),
                )
        elif cert["expired"]:
            step.status = "failed"
            if "tls-certificate-expired" not in self.result.condition_names():
                self._condition(
                    "tls-certificate-expired",
                    step,
                    msg("probe.cert_expired_at", when=str(info.not_after)),
                )
        elif days_left is not None and days_left < 14:
            step.status = "warning"
            step.message = msg("probe.cert_expires_soon", days=days_left)

    def _certificate_problem(self, step: ProbeStep, exc: ssl.SSLCertVerificationError) -> None:
        """Report why verification failed and ask for a second, unverified look."""
        code = exc.verify_code
        message = exc.verify_message or str(exc)
        if code in _VERIFY_HOSTNAME:
            self._condition(
                "tls-certificate-name-mismatch",
                step,
                msg("probe.cert_name_mismatch_verify", host=self.host, reason=message),
            )
        elif code in _VERIFY_EXPIRED:
            self._condition(
                "tls-certificate-expired", step, msg("probe.cert_expired", reason=message)
            )
        elif code in _VERIFY_NOT_YET_VALID:
            self._condition(
                "tls-certificate-not-yet-valid",
                step,
                msg("probe.cert_not_yet_valid", reason=message),
            )
        else:
            self._condition(
                "tls-certificate-untrusted",
                step,
                msg("probe.cert_untrusted", reason=message),
            )
        self.trusted = False
        self._retry_unverified = True

    def _auth_offered(self, step: ProbeStep) -> bool:
        mechanisms = step.detail.get("auth", [])
        self.result.auth_mechanisms = mechanisms
        if mechanisms:
            step.transcript.append(msg("probe.auth_offered", mechanisms=" ".join(mechanisms)))
            return True
        step.status = "failed"
        self._condition(
            "auth-not-offered",
            step,
            msg(
                "probe.auth_not_offered_after_tls"
                if self.tls_mode != "none"
                else "probe.auth_not_offered_plain"
            ),
        )
        self._quit()
        return False

    def _stall_condition(self, step: ProbeStep, after: str) -> None:
        self._condition(
            "stall-after-second-ehlo", step, msg("probe.stall", after=after, timeout=self.timeout)
        )

    def _choose_mechanism(self, credentials: Credentials) -> str:
        offered = self.result.auth_mechanisms or []
        if self.requested_mechanism:
            return self.requested_mechanism
        for mech in ("PLAIN", "LOGIN"):
            if mech in offered:
                return mech
        return "PLAIN"

    def _auth(self) -> bool:
        """AUTH with the provider's credentials. False: the session should end here."""
        step, t0 = self._step("auth")
        if self.credentials is None:
            self._done(step, t0)
            step.status = "skipped"
            step.message = msg("probe.no_user")
            offered = " ".join(self.result.auth_mechanisms or []) or msg("probe.nothing")
            self._condition(
                "auth-not-attempted", step, msg("probe.auth_not_attempted", offered=offered)
            )
            return True
        if not self.trusted and not self.insecure:
            self._done(step, t0)
            step.status = "skipped"
            plain = self.tls_mode == "none"
            step.message = msg(
                "probe.withheld_unencrypted" if plain else "probe.withheld_unverified"
            )
            self._condition(
                "credentials-withheld",
                step,
                msg(
                    "probe.credentials_withheld_unencrypted"
                    if plain
                    else "probe.credentials_withheld_unverified"
                ),
            )
            return False
        credentials = self.credentials()
        mech = self._choose_mechanism(credentials)
        self.result.mechanism = mech
        step.detail["mechanism"] = mech
        step.detail["user"] = credentials.user
        if mech not in (self.result.auth_mechanisms or []):
            step.detail["advertised"] = False
        try:
            code = self._auth_exchange(step, mech, credentials)
        except _Stalled:
            self._done(step, t0)
            step.status = "failed"
            self._stall_condition(step, f"AUTH {mech}")
            return False
        except _Closed as exc:
            self._done(step, t0)
            step.status = "failed"
            self._condition(
                "server-disconnected", step, msg("probe.disconnected_during_auth", reason=_why(exc))
            )
            return False
        finally:
            del credentials
        self._done(step, t0)
        if code == 235:
            self._condition("auth-succeeded", step, msg("probe.auth_accepted", mechanism=mech))
            return True
        step.status = "failed"
        self._condition(
            "auth-rejected",
            step,
            msg("probe.auth_rejected", mechanism=mech, reply=self._last_reply_text),
        )
        return False

    def _auth_exchange(self, step: ProbeStep, mech: str, cred: Credentials) -> int:
        def b64(text: str) -> str:
            return base64.b64encode(text.encode("utf-8")).decode("ascii")

        self._secrets.append(cred.secret)
        if mech == "PLAIN":
            payload = b64(f"\0{cred.user}\0{cred.secret}")
            self._secrets.append(payload)
            self.result.credentials_sent = True
            self._send(step, f"AUTH PLAIN {payload}", f"AUTH PLAIN {REDACTED}")
            return self._reply(step)[0]
        if mech == "LOGIN":
            user, secret = b64(cred.user), b64(cred.secret)
            self._secrets.append(secret)
            self._send(step, "AUTH LOGIN")
            code, _ = self._reply(step)
            if code != 334:
                return code
            self._send(step, user, f"{REDACTED} (user name)")
            code, _ = self._reply(step)
            if code != 334:
                return code
            self.result.credentials_sent = True
            self._send(step, secret, f"{REDACTED} (password)")
            return self._reply(step)[0]
        if mech == "XOAUTH2":
            payload = b64(f"user={cred.user}\x01auth=Bearer {cred.secret}\x01\x01")
            self._secrets.append(payload)
            self.result.credentials_sent = True
            self._send(step, f"AUTH XOAUTH2 {payload}", f"AUTH XOAUTH2 {REDACTED}")
            code, lines = self._reply(step)
            if code == 334:
                # The server explains the failure in a base64 JSON challenge; the client
                # answers with an empty line to get the final reply.
                decoded = _decode_xoauth2_error(lines[0] if lines else "")
                if decoded is not None:
                    step.detail["xoauth2_error"] = decoded
                    step.transcript.append(
                        msg("probe.xoauth2_decoded", json=self._scrub(json.dumps(decoded)))
                    )
                self._send(step, "")
                code, _ = self._reply(step)
            return code
        raise ProbeUsageError(f"unknown AUTH mechanism {mech!r}")

    def _envelope(self) -> None:
        if not self.mail_from:
            return
        step, t0 = self._step("mail-from")
        try:
            self._send(step, f"MAIL FROM:<{self.mail_from}>")
            code, _ = self._reply(step)
        except (_Stalled, _Closed) as exc:
            self._done(step, t0)
            step.status = "failed"
            self._condition("mail-from-failed", step, _why(exc, msg("probe.no_reply_mail_from")))
            return
        self._done(step, t0)
        if code != 250:
            step.status = "failed"
            self._condition(
                "mail-from-rejected",
                step,
                msg("probe.mail_from_rejected", reply=self._last_reply_text),
            )
            return
        if not self.rcpt_to:
            return
        step, t0 = self._step("rcpt-to")
        try:
            self._send(step, f"RCPT TO:<{self.rcpt_to}>")
            code, _ = self._reply(step)
        except (_Stalled, _Closed) as exc:
            self._done(step, t0)
            step.status = "failed"
            self._condition("rcpt-to-failed", step, _why(exc, msg("probe.no_reply_rcpt_to")))
            return
        self._done(step, t0)
        if code not in (250, 251):
            step.status = "failed"
            self._condition(
                "rcpt-to-rejected", step, msg("probe.rcpt_to_rejected", reply=self._last_reply_text)
            )

    def _quit(self) -> None:
        if self.client is None or self.client.sock is None:
            return
        step, t0 = self._step("quit")
        try:
            self._send(step, "QUIT")
            self._reply(step)
        except (_Stalled, _Closed):
            step.status = "warning"
        self._done(step, t0)
        self.client.close()


def _auth_mechanisms(extension_lines: list[str]) -> list[str]:
    mechanisms: list[str] = []
    for line in extension_lines:
        words = (
            line.replace("=", " ", 1).split()
            if line.upper().startswith("AUTH=")
            else (line.split())
        )
        if words and words[0].upper() in ("AUTH", "AUTH="):
            for mech in words[1:]:
                if mech.upper() not in mechanisms:
                    mechanisms.append(mech.upper())
    return mechanisms


def _decode_xoauth2_error(challenge: str) -> dict[str, Any] | None:
    try:
        decoded = json.loads(base64.b64decode(challenge, validate=True))
    except (binascii.Error, ValueError):
        return None
    return decoded if isinstance(decoded, dict) else None


def probe(
    host: str,
    port: int | None = None,
    *,
    tls: str | None = None,
    credentials: CredentialsProvider | None = None,
    mechanism: str | None = None,
    mail_from: str | None = None,
    rcpt_to: str | None = None,
    timeout: float = 10.0,
    cafile: str | None = None,
    insecure: bool = False,
    local_hostname: str | None = None,
    connect: ConnectionFactory = default_connect,
    clock: Callable[[], float] = time.monotonic,
    now: Callable[[], datetime] | None = None,
) -> ProbeResult:
    """Walk a submission server through Gmail's "Send mail as" steps and record each one.

    ``port`` defaults to 587; ``tls`` defaults to ``implicit`` on 465 and ``starttls``
    elsewhere. ``timeout`` applies to each step separately. ``credentials`` is called
    once, right before AUTH, and only when the TLS connection was verified (or
    ``insecure`` is true). Raises :class:`ProbeUsageError` for bad arguments; everything
    the server does, including not answering, is recorded in the result instead.
    """
    host = host.strip()
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]  # an IPv6 literal as written in URLs
    if not host or any(ch.isspace() or ch in "/\0" for ch in host):
        raise ProbeUsageError(f"not a host name: {host!r}")
    if not host.isascii():
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            raise ProbeUsageError(f"not a host name: {host!r}") from None
    if port is None:
        port = 587
    if not 0 < port < 65536:
        raise ProbeUsageError(f"port out of range: {port}")
    if tls is None:
        tls = "implicit" if port == 465 else "starttls"
    if tls not in TLS_MODES:
        raise ProbeUsageError(f"--tls must be one of {', '.join(TLS_MODES)}")
    if mechanism is not None:
        mechanism = mechanism.upper()
        if mechanism not in MECHANISMS:
            raise ProbeUsageError(f"--auth must be one of {', '.join(MECHANISMS)}")
    if not timeout > 0:
        raise ProbeUsageError("the timeout must be a positive number of seconds")
    for label, value in (("MAIL FROM", mail_from), ("RCPT TO", rcpt_to)):
        if value is not None:
            _check_command_text(label, value)
            if "<" in value or ">" in value or " " in value:
                raise ProbeUsageError(f"{label} must be a bare address, without <> or spaces")
    if rcpt_to and not mail_from:
        raise ProbeUsageError("RCPT TO needs MAIL FROM")
    if local_hostname is not None:
        _check_command_text("the EHLO name", local_hostname)
    if cafile is not None:
        try:
            ssl.create_default_context().load_verify_locations(cafile=cafile)
        except (OSError, ssl.SSLError, ValueError) as exc:
            raise ProbeUsageError(f"cannot read CA file {cafile}: {exc}") from None
    runner = _Probe(
        host,
        port,
        tls,
        credentials=credentials,
        mechanism=mechanism,
        mail_from=mail_from,
        rcpt_to=rcpt_to,
        timeout=float(timeout),
        cafile=cafile,
        insecure=insecure,
        local_hostname=local_hostname,
        connect=connect,
        clock=clock,
        now=now or (lambda: datetime.now(UTC)),
    )
    return runner.run()
