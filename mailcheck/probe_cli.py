"""`mailcheck probe HOST[:PORT]`: the SMTP submission probe on the command line.

The password (or OAuth token) comes from a prompt that does not echo, or from standard
input with ``--password-stdin``; there is deliberately no option or environment variable
for it, so it never lands in shell history, ``ps`` output or an environment dump.
"""

from __future__ import annotations

import ipaddress
import sys

import click

from .checks.probe_result import MECHANISMS, TLS_MODES, ProbeResult
from .i18n import LANGS
from .messages import localize
from .render import FORMATS, render
from .render.text import safe

_LABELS = {
    "en": {
        "heading": "SMTP probe of {host} port {port} ({tls})",
        "transcript": "Transcript",
        "password": "Password for {user}",
        "token": "OAuth access token for {user}",
        "ok": "ok",
        "failed": "FAILED",
        "warning": "warning",
        "skipped": "skipped",
        "tls.starttls": "STARTTLS",
        "tls.implicit": "TLS",
        "tls.none": "no TLS",
    },
    "ja": {
        "heading": "{host} ポート {port} への SMTP 送信テスト ({tls})",
        "transcript": "やり取り",
        "password": "{user} のパスワード",
        "token": "{user} の OAuth アクセス トークン",
        "ok": "成功",
        "failed": "失敗",
        "warning": "警告",
        "skipped": "省略",
        "tls.starttls": "STARTTLS",
        "tls.implicit": "TLS",
        "tls.none": "TLS なし",
    },
}
# The same options as the other commands. Defined here rather than imported from cli.py,
# which imports this module to register the command (``python -m mailcheck.cli`` would
# otherwise meet a half-initialised module). ``mailcheck spf`` uses this one too.
lang_option = click.option(
    "--lang",
    type=click.Choice(LANGS),
    default="en",
    show_default=True,
    help="Language of titles, causes, fixes, labels and messages.",
)
rules_option = click.option(
    "--rules",
    "rules_dirs",
    multiple=True,
    metavar="PATH",
    help="Extra rule pack (file or folder of .toml), repeatable.",
)


def parse_target(text: str) -> tuple[str, int | None]:
    """``host``, ``host:port``, ``[v6]:port`` or a bare IPv6 address -> (host, port)."""
    text = text.strip()
    if text.startswith("["):
        host, sep, rest = text[1:].partition("]")
        if not sep or (rest and not rest.startswith(":")):
            raise click.BadParameter(f"{text!r} is not HOST[:PORT]", param_hint="HOST[:PORT]")
        port_text = rest[1:] if rest else None
    elif text.count(":") == 1:
        host, _, port_text = text.partition(":")
    else:
        host, port_text = text, None
        if ":" in text:
            try:
                ipaddress.IPv6Address(text)
            except ValueError:
                raise click.BadParameter(
                    f"{text!r} is not HOST[:PORT]", param_hint="HOST[:PORT]"
                ) from None
    if not host:
        raise click.BadParameter("the host is empty", param_hint="HOST[:PORT]")
    if port_text is None:
        return host, None
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise click.BadParameter(f"{port_text!r} is not a port number", param_hint="HOST[:PORT]")
    return host, int(port_text)


def _stdin_is_terminal() -> bool:
    return sys.stdin.isatty()


def _read_secret(user: str, mechanism: str | None, from_stdin: bool, lang: str) -> str:
    from .cli import fail

    words = _LABELS.get(lang, _LABELS["en"])
    if from_stdin:
        line = sys.stdin.readline()
        secret = line.rstrip("\r\n")
        if not secret:
            fail("--password-stdin: standard input held no password")
        return secret
    if not _stdin_is_terminal():
        fail("no terminal to ask for the password; pipe it in with --password-stdin")
    key = "token" if mechanism == "XOAUTH2" else "password"
    return click.prompt(words[key].format(user=user), hide_input=True, err=True)


def render_transcript(result: ProbeResult, lang: str = "en", *, color: bool = False) -> str:
    """The probe's steps with timings, as text; server text is made terminal-safe."""
    words = _LABELS.get(lang, _LABELS["en"])
    colours = {"ok": "green", "failed": "red", "warning": "yellow", "skipped": "white"}

    def st(text: str, **kw) -> str:
        return click.style(text, **kw) if color else text

    tls = words.get("tls." + result.tls_mode, result.tls_mode)
    out = [
        st(words["heading"].format(host=safe(result.host), port=result.port, tls=tls), bold=True)
    ]
    out.append("")
    out.append(st(words["transcript"], bold=True, underline=True))
    for step in result.steps:
        status = words.get(step.status, step.status)
        out.append(
            f"  {step.name:<18} {st(f'{status:<8}', fg=colours.get(step.status, 'white'))}"
            f" {step.elapsed_ms:7.0f} ms"
        )
        out.extend(f"      {safe(localize(line, lang))}" for line in step.transcript)
        if step.message:
            out.append(f"      -- {safe(localize(step.message, lang))}")
    for cond in result.conditions:
        out.append(f"  probe: {cond.name}: {safe(localize(cond.message, lang))}")
    return "\n".join(out) + "\n\n"


@click.command("probe")
@click.argument("target", metavar="HOST[:PORT]")
@click.option(
    "--tls",
    "tls_mode",
    type=click.Choice(TLS_MODES),
    help="How TLS starts. Default: implicit on port 465, starttls elsewhere.",
)
@click.option("--user", metavar="USER", help="Log in as USER (the password is asked for).")
@click.option(
    "--password-stdin",
    is_flag=True,
    help="Read the password (or the XOAUTH2 token) from the first line of standard input.",
)
@click.option(
    "--auth",
    "mechanism",
    type=click.Choice(MECHANISMS, case_sensitive=False),
    help="AUTH mechanism. Default: PLAIN, else LOGIN, whichever the server offers.",
)
@click.option("--from", "mail_from", metavar="ADDRESS", help="Go on to MAIL FROM (no DATA).")
@click.option("--to", "rcpt_to", metavar="ADDRESS", help="Go on to RCPT TO (needs --from).")
@click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=10.0,
    show_default=True,
    help="Seconds to wait at each step.",
)
@click.option(
    "--cafile",
    type=click.Path(exists=True, dir_okay=False),
    help="Also trust this CA certificate (PEM), e.g. a private CA.",
)
@click.option(
    "--insecure",
    is_flag=True,
    help="Send credentials even when the certificate cannot be verified, or without TLS.",
)
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True)
@click.option("-o", "--output", metavar="FILE", help="Write the result here instead of stdout.")
@lang_option
@rules_option
def probe_cmd(
    target: str,
    tls_mode: str | None,
    user: str | None,
    password_stdin: bool,
    mechanism: str | None,
    mail_from: str | None,
    rcpt_to: str | None,
    timeout: float,
    cafile: str | None,
    insecure: bool,
    fmt: str,
    output: str | None,
    lang: str,
    rules_dirs: tuple[str, ...],
) -> None:
    """Log in to a submission server the way Gmail's "Send mail as" does, step by step.

    Shows each step with its timing and the server's exact reply, and names the cause
    when a step fails. Exit status 0 whenever the probe ran, whatever it found.
    """
    # smtplib and ssl load only when a probe runs (not for every mailcheck command)
    from .checks.probe import Credentials, ProbeUsageError, diagnose_probe, probe
    from .cli import fail, load_rules, write_output

    host, port = parse_target(target)
    if mechanism:
        mechanism = mechanism.upper()
    if password_stdin and not user:
        fail("--password-stdin needs --user")
    if mechanism and not user:
        fail("--auth needs --user")
    rules = load_rules(rules_dirs)
    credentials = None
    if user:
        secret = _read_secret(user, mechanism, password_stdin, lang)
        login = user

        def credentials() -> Credentials:
            return Credentials(login, secret)

    try:
        result = probe(
            host,
            port,
            tls=tls_mode,
            credentials=credentials,
            mechanism=mechanism,
            mail_from=mail_from,
            rcpt_to=rcpt_to,
            timeout=timeout,
            cafile=cafile,
            insecure=insecure,
        )
    except ProbeUsageError as exc:
        fail(str(exc))
        return
    diag = diagnose_probe(result, lang=lang, rules=rules)
    color = fmt == "text" and not output and sys.stdout.isatty()
    text = render(diag, fmt, color=color)
    if fmt == "text":
        text = render_transcript(result, lang, color=color) + text
    write_output(text, output)
