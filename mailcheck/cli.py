"""The command line: a thin layer over the library.

Exit status: 0 when the command ran (whatever it found); 1 when some batch inputs could
not be read; 2 for usage errors and unreadable input (one line on stderr, no traceback).
"""

from __future__ import annotations

import gc
import json
import sys
from importlib import import_module
from pathlib import Path

import click

from . import __version__
from .diagnosis import default_rules, diagnose
from .dns_options import dns_options
from .render import FORMATS, render
from .rules import LANGS, RuleError, RuleSet, builtin_pack_files, load_pack  # (LANGS: i18n's)

EXIT_OK, EXIT_SOME_FAILED, EXIT_USAGE = 0, 1, 2


def fail(message: str) -> None:
    """Print one line to stderr and exit 2."""
    click.echo(f"mailcheck: error: {message}", err=True)
    sys.exit(EXIT_USAGE)


def _stdin_bytes():
    """Standard input as a byte stream where it has one (click's get_binary_stream is
    deprecated)."""
    return getattr(sys.stdin, "buffer", None) or sys.stdin


def read_input(path: str | None) -> tuple[bytes, str]:
    if path in (None, "-"):
        stream = _stdin_bytes()
        if sys.stdin.isatty():
            click.echo("mailcheck: reading from standard input (paste, then Ctrl-D)", err=True)
        data = stream.read()
        return (data.encode("utf-8", "surrogateescape") if isinstance(data, str) else data), "-"
    p = Path(path)
    try:
        if p.is_dir():
            fail(f"{path} is a directory (use `mailcheck batch {path}`)")
        return p.read_bytes(), path
    except FileNotFoundError:
        fail(f"{path}: no such file")
    except PermissionError:
        fail(f"{path}: permission denied")
    except OSError as e:
        fail(f"{path}: cannot read ({e.strerror or e})")
    raise AssertionError("unreachable")


def outlook_to_message(data: bytes, source: str) -> bytes:
    """An Outlook .msg input as an RFC 5322 message; other input unchanged.

    A .msg that cannot be read (extract-msg missing, a damaged file) is a one-line error.
    """
    from .outlook_msg import OLE_MAGIC, MsgError, msg_to_rfc822

    if not data.startswith(OLE_MAGIC) and not source.lower().endswith(".msg"):
        return data
    try:
        return msg_to_rfc822(data)
    except MsgError as e:
        fail(f"{source}: {e}")
    raise AssertionError("unreachable")


def load_rules(extra: tuple[str, ...]) -> RuleSet:
    if not extra:
        return default_rules()
    files = [p for p in builtin_pack_files() if p.name not in ("rfc3463.toml", "reasons.toml")]
    for d in extra:
        p = Path(d)
        files.extend(sorted(p.glob("*.toml")) if p.is_dir() else [p])
    try:
        return RuleSet([load_pack(f) for f in files])
    except (RuleError, OSError) as e:
        fail(str(e))
    raise AssertionError("unreachable")


def write_output(text: str, output: str | None) -> None:
    if output and output != "-":
        try:
            Path(output).write_text(text, encoding="utf-8")
        except OSError as e:
            fail(f"{output}: cannot write ({e.strerror or e})")
    else:
        click.echo(text, nl=False)


lang_option = click.option("--lang", type=click.Choice(LANGS), default="en", show_default=True,
                           help="Language of titles, causes, fixes and labels.")
rules_option = click.option("--rules", "rules_dirs", multiple=True, metavar="PATH",
                            help="Extra rule pack (file or folder of .toml), repeatable.")


class _Commands(click.Group):
    """The top command group. The commands other modules define are imported when named
    (and all of them for --help): `mailcheck batch` and `diagnose` start without the DNS
    and probe commands' modules (and the renderers and checks those import)."""

    #: command name -> (module, attribute)
    ELSEWHERE = {"verify": ("auth_commands", "verify_cmd"), "spf": ("auth_commands", "spf_cmd"),
                 "probe": ("probe_cli", "probe_cmd")}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *self.ELSEWHERE})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in self.ELSEWHERE:
            module, attribute = self.ELSEWHERE[cmd_name]
            self.add_command(getattr(import_module(f"{__package__}.{module}"), attribute))
        return super().get_command(ctx, cmd_name)


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="mailcheck")
def main() -> None:
    """Why did mail not arrive, and what should change?

    Paste a bounce, an error dialog or a saved .eml into `mailcheck diagnose`.
    """


@main.command("diagnose")
@click.argument("file", required=False, metavar="[FILE|-]")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text",
              show_default=True, help="html: a self-contained report to attach to a ticket.")
@click.option("-o", "--output", metavar="FILE", help="Write the result here instead of stdout.")
@click.option("--redact", is_flag=True,
              help="Replace addresses, names, IPs, message IDs and subjects of the input by "
                   "stable placeholders, so the result can be shared.")
@lang_option
@rules_option
def diagnose_cmd(file: str | None, fmt: str, output: str | None, redact: bool, lang: str,
                 rules_dirs: tuple[str, ...]) -> None:
    """Name the cause of one bounce, NDR, dialog text or sign-in error.

    FILE is a saved message (.eml, or Outlook .msg with mailcheck[msg]), a text file, or
    - (the default) for standard input.
    """
    data, source = read_input(file)
    data = outlook_to_message(data, source)
    diag = diagnose(data, lang=lang, source=source, rules=load_rules(rules_dirs))
    if redact:
        from .redact import redact_diagnosis

        diag = redact_diagnosis(diag)
    if diag.error:
        if fmt == "json":
            write_output(render(diag, "json"), output)
        fail(f"{source}: {diag.error}")
    color = fmt == "text" and not output and sys.stdout.isatty()
    write_output(render(diag, fmt, color=color), output)


@main.group("rules")
def rules_group() -> None:
    """List the rule catalogue, or test rule packs against their examples."""


@rules_group.command("list")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown"]), default="text")
@lang_option
@rules_option
def rules_list(fmt: str, lang: str, rules_dirs: tuple[str, ...]) -> None:
    """Show every rule: id, reason, title."""
    rs = load_rules(rules_dirs)
    rows = [{"id": r.id, "pack": r.pack, "reason": r.reason, "severity": r.severity,
             "title": r.text("title", lang), "examples": len(r.examples)} for r in rs.rules]
    if fmt == "json":
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
    elif fmt == "markdown":
        click.echo("| rule | pack | reason | title |\n|---|---|---|---|")
        for r in rows:
            click.echo(f"| `{r['id']}` | {r['pack']} | {r['reason']} | {r['title']} |")
    else:
        for r in rows:
            click.echo(f"{r['id']:45s} {r['reason']:16s} {r['title']}")


@rules_group.command("test")
@click.argument("paths", nargs=-1, metavar="[PACK|DIR]...")
def rules_test(paths: tuple[str, ...]) -> None:
    """Run every rule's examples (must be the top finding) and counterexamples.

    Without PATHS, tests the built-in packs; with PATHS, tests those packs loaded beside
    the built-in ones (as `diagnose --rules` would use them).
    """
    rs = load_rules(paths)
    from .rulecheck import check_rules

    own = None
    if paths:
        own = set()
        for d in paths:
            p = Path(d)
            for f in (sorted(p.glob("*.toml")) if p.is_dir() else [p]):
                own.update(r.id for r in load_pack(f).rules)
    failures, count = check_rules(rs, only=own)
    for msg in failures:
        click.echo(f"FAIL {msg}")
    click.echo(f"{count - len(failures)} passed, {len(failures)} failed")
    sys.exit(EXIT_SOME_FAILED if failures else EXIT_OK)


BATCH_FORMATS = ("jsonl", "csv", "summary", "html")


@main.command("batch")
@click.argument("paths", nargs=-1, required=True, metavar="PATH...")
@click.option("--format", "fmt", type=click.Choice(BATCH_FORMATS), default=None,
              help="jsonl: one schema-1 line per message; csv: one row per recipient result; "
                   "summary: counts and top fixes (the default on a terminal); html: the "
                   "summary as a page.  [default: summary on a terminal, else jsonl]")
@click.option("-o", "--output", metavar="FILE", help="Write the result here instead of stdout.")
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=None, metavar="N",
              help="Worker processes.  [default: the number of CPUs]")
@click.option("--verify", is_flag=True,
              help="Re-check SPF, DKIM and DMARC of saved received messages against DNS "
                   "(one cache for the whole run; runs in threads, not --jobs processes).")
@click.option("--dns-concurrency", type=click.IntRange(min=1, max=256), default=8,
              show_default=True, metavar="N", help="With --verify: DNS queries at once.")
@click.option("--dns-budget", type=click.FloatRange(min=0), default=300.0, show_default=True,
              metavar="SECONDS", help="With --verify: DNS time for the whole run; after it, "
                                      "look-ups are not made (reported as temperror).")
@click.option("--now", metavar="TIME", help="With --verify: check DKIM expiry at this time "
              "(seconds since 1970 or ISO 8601).")
@dns_options
@lang_option
@rules_option
def batch_cmd(paths: tuple[str, ...], fmt: str | None, output: str | None, jobs: int | None,
              verify: bool, dns_concurrency: int, dns_budget: float, now: str | None,
              zones: tuple[str, ...], replay: str | None, nameserver: str | None,
              dns_timeout: float, lang: str, rules_dirs: tuple[str, ...]) -> None:
    """Diagnose every message in files, folders, mbox and Maildir, .gz/.zip, .msg.

    PATH is a file (one message, or an mbox with many), a folder (read recursively; a
    Maildir's cur/ and new/), a .gz or .zip archive, an Outlook .msg file (needs
    mailcheck[msg]), or - for an mbox stream on standard input. Every message appears
    once in the output, also when it cannot be read. Exit status 1 when some could not.
    """
    from .archive import iter_messages
    from .batch import analyse_stream, default_jobs

    collecting = gc.isenabled()
    gc.disable()  # (the rules live as long as the run: a collection could free none of them)
    try:
        rs = load_rules(rules_dirs)
    finally:
        # What start-up made (the modules, the rules: most of the objects of the run) lives
        # as long as the run. Frozen, the run's collections never walk it; else the first
        # ones would, finding it all young after the imports (see mailcheck/__init__).
        gc.freeze()
        if collecting:
            gc.enable()
    missing = [p for p in paths if p != "-" and not Path(p).exists()]
    if missing:
        fail(f"{missing[0]}: no such file or directory")
    if paths.count("-") > 1:
        fail("standard input (-) can be named only once")
    if fmt is None:
        fmt = "summary" if not output and sys.stdout.isatty() else "jsonl"
    jobs = jobs or default_jobs()
    want_line = fmt == "jsonl"
    shared = None
    verifier = None
    if verify:
        from .auth_commands import _parse_now, build_resolver
        from .batch_verify import SharedResolver, make_verifier

        shared = SharedResolver(build_resolver(zones, replay, nameserver, dns_timeout),
                                concurrency=dns_concurrency, budget=dns_budget)
        verifier = make_verifier(shared, lang=lang, rules=rs, now=_parse_now(now))
    elif zones or replay or nameserver or now:
        fail("--dns-zone, --dns-replay, --nameserver and --now need --verify")
    outcomes = analyse_stream(
        iter_messages(paths, stdin=_stdin_bytes(),
                      skip=[output] if output else []), jobs=jobs, lang=lang,
        rules=rs, want_line=want_line, want_record=not want_line, verifier=verifier,
        threads=dns_concurrency)
    try:
        # (a 64 KiB buffer: a line is a few KB, and the default 8 KiB one costs a write
        # system call every two or three messages; close() below flushes it)
        out = open(output, "w", encoding="utf-8", newline="",
                   buffering=1 << 16) if output else sys.stdout
    except OSError as e:
        fail(f"{output}: cannot write ({e.strerror or e})")
    errors = 0
    try:
        with _progress(paths) as bar:
            errors = _write_batch(fmt, outcomes, out, bar, list(paths),
                                  dns=shared.stats if shared else None, lang=lang)
    except BrokenPipeError:  # `mailcheck batch ... | head`: stop quietly
        outcomes.close()
        sys.stderr.close()
        sys.exit(EXIT_OK)
    except KeyboardInterrupt:
        outcomes.close()  # stops the worker processes
        click.echo("\nmailcheck: interrupted", err=True)
        sys.exit(130)
    finally:
        if output:
            out.close()
    # The run ends here. The interpreter's last garbage collections would walk every object
    # the run made (~20 ms) only to free memory the process gives back as it exits: the
    # output is closed above and the standard streams are flushed without them.
    gc.freeze()
    sys.exit(EXIT_SOME_FAILED if errors else EXIT_OK)


class _NoProgress:
    def update(self, n: int) -> None:
        pass

    def __enter__(self) -> _NoProgress:
        return self

    def __exit__(self, *exc: object) -> None:
        return None


def _progress(paths: tuple[str, ...]):
    """click's progress bar on stderr when stderr is a terminal; silent otherwise."""
    if not sys.stderr.isatty():
        return _NoProgress()
    from .archive import total_bytes

    total = total_bytes(paths)
    return click.progressbar(length=total, label="Analysing", file=sys.stderr,
                             show_pos=total is None, show_percent=total is not None)


def _write_batch(fmt: str, outcomes, out, bar, paths: list[str], dns=None,
                 lang: str = "en") -> int:
    """Write the outcomes in the chosen format; return how many messages had an error."""
    errors = 0
    if fmt == "jsonl":
        for o in outcomes:
            errors += o.error is not None
            out.write(o.line + "\n")
            bar.update(o.size)
        return errors
    if fmt == "csv":
        from .render.batch_csv import CsvWriter

        writer = CsvWriter(out)
        for o in outcomes:
            errors += o.error is not None
            writer.write(o.record)
            bar.update(o.size)
        return errors
    from .summary import BatchSummary

    summary = BatchSummary()
    for o in outcomes:
        errors += o.error is not None
        summary.add(o.record)
        bar.update(o.size)
    if dns is not None:
        summary.dns = dns.to_dict()
    data = summary.to_dict()
    if fmt == "html":
        from .render.summary_html import render_summary_html

        out.write(render_summary_html(data, inputs=paths, lang=lang))
    else:
        from .render.summary_text import render_summary_text

        out.write(render_summary_text(data, lang=lang))
    return errors


if __name__ == "__main__":  # pragma: no cover
    main()
