"""The command-line front of the authentication checks: ``mailcheck verify`` and ``mailcheck spf``.

Both take the same DNS options: ``--dns-zone FILE`` (repeatable; zone files, no network),
``--dns-replay FILE`` (the answers recorded by an earlier run), or ``--nameserver
HOST[:PORT]`` (live DNS through that server; the system's resolvers without it).
"""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from .dns_options import dns_options
from .messages import localize
from .model import Diagnosis
from .probe_cli import lang_option

if TYPE_CHECKING:
    from .checks.dns import Resolver

# The DNS library is imported by the commands that use it, not when the CLI starts:
# `mailcheck batch` and `diagnose` never need it.


def _fail(message: str) -> None:
    click.echo(f"mailcheck: error: {message}", err=True)
    sys.exit(2)


def _parse_now(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        return float(value)
    except ValueError:
        pass
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    except ValueError:
        _fail(f"--now {value!r}: give seconds since 1970 or an ISO 8601 time")
    raise AssertionError("unreachable")


def build_resolver(zones: tuple[str, ...], replay: str | None, nameserver: str | None,
                   timeout: float) -> Resolver:
    from .checks.dns import LiveResolver, ZoneResolver, replay_resolver
    chosen = sum(bool(x) for x in (zones, replay, nameserver))
    if chosen > 1:
        _fail("use only one of --dns-zone, --dns-replay and --nameserver")
    try:
        if zones:
            return ZoneResolver.from_files(zones)
        if replay:
            return replay_resolver(replay)
        return LiveResolver([nameserver] if nameserver else None, timeout=timeout)
    except FileNotFoundError as exc:
        _fail(f"{exc.filename}: no such file")
    except (ValueError, OSError, KeyError, TypeError) as exc:
        _fail(str(exc))
    raise AssertionError("unreachable")


_VERIFY_LABELS = {
    "en": {"envelope": "Envelope", "ip": "client IP", "mailfrom": "MAIL FROM",
           "from": "From domain", "receiver": "receiver", "check": "check",
           "computed": "mailcheck", "recorded": "receiver", "why": "explanation",
           "differs": "<-- differs", "trace": "SPF trace ({n}/{limit} DNS lookups, {v}/{vl} void)",
           "dns": "DNS answers used: {n} (kept in --format json under checks.dns; "
                  "replay them with --dns-replay FILE)"},
    "ja": {"envelope": "エンベロープ", "ip": "接続元 IP", "mailfrom": "MAIL FROM",
           "from": "From ドメイン", "receiver": "受信側", "check": "チェック",
           "computed": "mailcheck", "recorded": "受信側", "why": "説明",
           "differs": "<-- 不一致",
           "trace": "SPF の評価経過(DNS 参照 {n}/{limit}、空の参照 {v}/{vl})",
           "dns": "使用した DNS 応答: {n} 件(--format json の checks.dns に保存され、"
                  "--dns-replay ファイル で再現できます)"},
}


# `mailcheck spf` (text). Server data (the record, the explanation) is shown as published.
_SPF_LABELS = {
    "en": {"head": "SPF {result} for {ip} sending as {sender} (domain {domain})",
           "record": "Record", "decided": "Decided by", "explanation": "Explanation",
           "problem": "Problem",
           "lookups": "DNS lookups: {n}/{limit}, void lookups: {v}/{vl}", "trace": "Trace"},
    "ja": {"head": "SPF {result}: {ip} から {sender} として送信(ドメイン {domain})",
           "record": "レコード", "decided": "決め手", "explanation": "説明",
           "problem": "問題",
           "lookups": "DNS 参照: {n}/{limit}、空の参照: {v}/{vl}", "trace": "評価経過"},
}


def _verify_text(diag: Diagnosis) -> str:
    from .checks.spf import LOOKUP_LIMIT, VOID_LIMIT
    from .render import render

    w = _VERIFY_LABELS.get(diag.lang, _VERIFY_LABELS["en"])
    c = diag.checks
    env = c.get("envelope") or {}
    out = [f"mailcheck verify: {diag.source}"]
    out.append(
        f"{w['envelope']}: {w['ip']} {env.get('client_ip') or '?'} "
        f"({env.get('client_ip_from') or '-'}), {w['mailfrom']} {env.get('mail_from') or '<>'}, "
        f"{w['from']} {env.get('from_domain') or '?'}, {w['receiver']} "
        f"{env.get('receiver') or '?'}"
    )
    out.append("")
    out.append(f"  {w['check']:22s} {w['computed']:10s} {w['recorded']:10s} {w['why']}")
    for cmp in c.get("comparison", []):
        label = cmp["method"].upper() + (f" {cmp['subject']}" if cmp.get("subject") else "")
        mark = "" if cmp["agree"] in (True, None) else f"  {w['differs']}"
        out.append(f"  {label[:22]:22s} {cmp['computed'] or '-':10s} {cmp['recorded'] or '-':10s} "
                   f"{cmp['explanation']}{mark}")
    spf = c.get("spf")
    if spf:
        out.append("")
        out.append(w["trace"].format(n=spf["lookups"], limit=LOOKUP_LIMIT,
                                     v=spf["void_lookups"], vl=VOID_LIMIT) + ":")
        out.extend("  " + localize(line, diag.lang) for line in spf["trace"])
    answers = c.get("dns", [])
    out.append("")
    out.append(w["dns"].format(n=len(answers)))
    for a in answers[:40]:
        if a["result"] == "answer":
            shown = "; ".join(
                "".join(r) if isinstance(r, list) and a["type"] in ("TXT", "SPF") else str(r)
                for r in a["records"])
            if len(shown) > 100:
                shown = shown[:97] + "..."
            out.append(f"  {a['type']:5s} {a['name']}  ttl {a.get('ttl')}: {shown}")
        else:
            out.append(f"  {a['type']:5s} {a['name']}  {a['result']}")
    out.append("")
    return "\n".join(out) + "\n" + render(diag, "text")


@click.command("verify")
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True))
@dns_options
@click.option("--format", "fmt", type=click.Choice(["text", "json", "html"]), default="text",
              show_default=True, help="html: the self-contained report of `diagnose`.")
@click.option("-o", "--output", metavar="FILE", help="Write the result here instead of stdout.")
@click.option("--redact", is_flag=True,
              help="Replace addresses, names, IPs, message IDs and subjects by placeholders.")
@click.option("--now", metavar="TIME", help="Check expiry (DKIM x=) at this time "
              "(seconds since 1970 or ISO 8601) instead of the current time.")
@click.option("--receiver", metavar="AUTHSERV-ID",
              help="Trust Authentication-Results from this authserv-id (default: the topmost).")
@click.option("--lang", type=click.Choice(["en", "ja"]), default="en", show_default=True)
@click.option("--rules", "rules_dirs", multiple=True, metavar="PATH",
              help="Extra rule pack (file or folder of .toml), repeatable.")
@click.option("--ip", "client_ip", metavar="IP",
              help="Check SPF for this SMTP client IP instead of the one in the headers.")
@click.option("--mail-from", metavar="ADDR",
              help="Check SPF for this envelope sender instead of Return-Path.")
@click.option("--helo", metavar="NAME", help="The HELO name to use with --ip.")
def verify_cmd(file: str, zones: tuple[str, ...], replay: str | None, nameserver: str | None,
               dns_timeout: float, fmt: str, output: str | None, redact: bool,
               now: str | None, receiver: str | None,
               lang: str, rules_dirs: tuple[str, ...], client_ip: str | None,
               mail_from: str | None, helo: str | None) -> None:
    """Re-check a received message's SPF, DKIM, DMARC and ARC against DNS.

    Shows mailcheck's result beside what the receiver recorded, explains every
    difference, and names the cause with the same findings as `diagnose`.
    """
    from .verify import verify_message

    try:
        raw = sys.stdin.buffer.read() if file == "-" else Path(file).read_bytes()
    except OSError as exc:
        _fail(f"{file}: cannot read ({exc.strerror or exc})")
    from .cli import load_rules, outlook_to_message  # the same input and rules as diagnose

    raw = outlook_to_message(raw, file)

    rules = load_rules(rules_dirs)
    resolver = build_resolver(zones, replay, nameserver, dns_timeout)
    diag = verify_message(raw, resolver, now=_parse_now(now), source=file, lang=lang,
                          receiver=receiver, rules=rules, client_ip=client_ip,
                          mail_from=mail_from, helo=helo)
    if diag.error:
        _fail(f"{file}: {diag.error}")
    if redact:
        from .redact import redact_diagnosis

        diag = redact_diagnosis(diag)
    from .cli import write_output

    if fmt in ("json", "html"):
        from .render import render

        write_output(render(diag, fmt), output)
    else:
        write_output(_verify_text(diag), output)


@click.command("spf")
@click.option("--ip", required=True, help="The SMTP client's IP address.")
@click.option("--sender", required=True, metavar="ADDR",
              help="MAIL FROM address (empty: postmaster@HELO).")
@click.option("--helo", metavar="NAME", help="The HELO/EHLO name.")
@dns_options
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@lang_option
def spf_cmd(ip: str, sender: str, helo: str | None, zones: tuple[str, ...],
            replay: str | None, nameserver: str | None, dns_timeout: float, fmt: str,
            lang: str) -> None:
    """Evaluate one SPF question (RFC 7208) and show how the answer came about."""
    from .checks.dns import RecordingResolver
    from .checks.spf import LOOKUP_LIMIT, VOID_LIMIT, check_spf
    rec = RecordingResolver(build_resolver(zones, replay, nameserver, dns_timeout))
    result = check_spf(ip, sender, helo, rec)
    if fmt == "json":
        data = result.to_dict()
        data["dns"] = rec.to_json()
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    w = _SPF_LABELS.get(lang, _SPF_LABELS["en"])
    lines = [w["head"].format(result=result.result, ip=result.ip, sender=result.sender or "<>",
                              domain=result.domain or "?")]
    if result.record:
        lines.append(f"{w['record']}: {result.record}")
    if result.mechanism:
        lines.append(f"{w['decided']}: {result.mechanism}")
    if result.explanation:
        lines.append(f"{w['explanation']}: {result.explanation}")
    if result.problem:
        lines.append(f"{w['problem']}: {localize(result.problem, lang)}")
    lines.append(w["lookups"].format(n=result.lookups, limit=LOOKUP_LIMIT,
                                     v=result.void_lookups, vl=VOID_LIMIT))
    lines.append(f"{w['trace']}:")
    lines.extend("  " + localize(t, lang) for t in result.trace)
    click.echo("\n".join(lines))

