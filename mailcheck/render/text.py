"""Plain-text rendering for a terminal: what failed, why, the evidence line, the fix.

Colour (ANSI, through click) only when the caller says the output is a terminal. Input
text is printed as found except for control characters, which are made visible so that a
hostile bounce cannot drive the terminal.
"""

from __future__ import annotations

import re
import textwrap
import unicodedata

import click

from ..i18n import label, reason_label
from ..messages import localize
from ..model import Diagnosis, Finding
from .authentication import auth_section

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\x9b]")


def safe(text: str | None) -> str:
    """Make control characters (escape sequences included) visible instead of active."""
    if not text:
        return ""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def _cells(ch: str) -> int:
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


#: Units a line may break between: a run of visible ASCII (a word, a path, a command), a
#: space, or any other single character (CJK text breaks between any two characters).
_UNITS = re.compile(r"[!-~]{1,400}| |[^ ]", re.S)
#: Japanese line-breaking rules (kinsoku): these never start a line...
_NO_START = frozenset("、。，．・：；？！）」』】〕〉》〙〗ー…‥"
                      "ぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮヵヶ々,.:;!?)]}%")
#: ...and these never end one.
_NO_END = frozenset("（「『【〔〈《〘〖([{")


def wrap(text: str, width: int = 92, first: str = "", rest: str = "") -> list[str]:
    """Wrap by display width: CJK characters take two cells and may break anywhere, but
    not inside an ASCII word, not before closing punctuation (which hangs past the margin
    by up to two cells) and not after an opening bracket."""
    if text.isascii():
        return textwrap.wrap(text, width=width, initial_indent=first,
                             subsequent_indent=rest) or [first.rstrip()]
    lines: list[str] = []
    line, used = first, len(first)

    def cells(s: str) -> int:
        return sum(_cells(c) for c in s)

    def new_line(following: str = "") -> None:
        nonlocal line, used
        carry = ""
        while len(line) > len(rest) + 1 and line[-1] in _NO_END:
            carry, line = line[-1] + carry, line[:-1]
        if following[:1] in _NO_START and not carry:
            # closing punctuation cannot start the line and no longer hangs: the character
            # before it (with any closing ones before that, or a whole ASCII word) goes down
            line = line.rstrip(" ")
            while len(line) > len(rest) + 1:
                ch = line[-1]
                if ch.isascii() and ch not in _NO_START:
                    word = re.search(r"[!-~]{1,400}\Z", line)
                    if word and word.start() > len(rest):
                        carry, line = word.group() + carry, line[:word.start()]
                    break
                carry, line = ch + carry, line[:-1]
                if ch not in _NO_START:
                    break
                line = line.rstrip(" ")
        lines.append(line.rstrip())
        line, used = rest + carry, len(rest) + cells(carry)

    for unit in _UNITS.findall(text):
        w = cells(unit)
        if unit == " ":
            if used + 1 > width:
                continue  # at the margin: the next unit starts the new line (or hangs)
            if line.strip():
                line, used = line + " ", used + 1
            continue
        if used + w > width and line.strip():
            if unit[0] in _NO_START and used + w <= width + 2:
                line, used = line + unit, used + w  # hanging punctuation
                continue
            new_line(unit)
        if used + w > width:  # a word longer than a whole line: cut it
            for ch in unit:
                c = _cells(ch)
                if used + c > width and line.strip():
                    new_line()
                line, used = line + ch, used + c
        else:
            line, used = line + unit, used + w
    if line.strip():
        lines.append(line.rstrip())
    return lines


def _wrap(text: str, indent: str, width: int = 92) -> list[str]:
    out = []
    for para in safe(text).split("\n"):
        out.extend(wrap(para, width, indent, indent) or [indent])
    return out


def render_text(diag: Diagnosis, *, color: bool = False) -> str:
    lang = diag.lang

    def st(text: str, **kw) -> str:
        return click.style(text, **kw) if color else text

    out: list[str] = []
    head = f"mailcheck: {safe(diag.source)}"
    if diag.error:
        return f"{head}\n{label('error', lang)}: {safe(diag.error)}\n"
    head += f"  [{label('kind.' + diag.kind, lang)}]"
    out.append(st(head, bold=True))
    if diag.redacted:
        out.append(f"{label('report.redacted_title', lang)}: {label('report.redacted', lang)}")
    if diag.systems:
        out.append(f"{label('systems', lang)}: {', '.join(diag.systems)}")
    for note in diag.notes:
        out.append(f"{label('notes', lang)}: {safe(note)}")

    if diag.recipients:
        out.append("")
        out.append(st(label("recipients", lang), bold=True, underline=True))
        for r in diag.recipients:
            who = safe(r.recipient) or label("unknown_recipient", lang)
            bits = [b for b in (r.action, r.status, r.reply_code) if b]
            hard = "" if r.hard_bounce is None else (
                label("hard", lang) if r.hard_bounce else label("soft", lang))
            out.append(f"  {st(who, bold=True)}  {' '.join(bits)}  "
                       f"{label('reason', lang)}: {reason_label(r.reason, lang)}"
                       + (f", {hard}" if hard else ""))
            if r.remote_mta:
                out.append(f"    {label('remote_mta', lang)}: {safe(r.remote_mta)}")
            if r.diagnostic:
                out.extend(_wrap(f"{label('diagnostic', lang)}: {r.diagnostic}", "    "))

    out.extend(auth_section(diag))  # issue 4: auth results, route, provider verdicts

    out.append("")
    if not diag.findings:
        nothing = diag.kind == "unknown" or not (diag.recipients or diag.systems)
        out.append(label("nothing" if nothing else "no_cause", lang))
        return "\n".join(out) + "\n"
    out.append(st(label("findings", lang), bold=True, underline=True))
    for i, f in enumerate(diag.findings, 1):
        out.extend(_finding(f, i, len(diag.findings), lang, st))
    return "\n".join(out) + "\n"


def _finding(f: Finding, i: int, n: int, lang: str, st) -> list[str]:
    colour = {"error": "red", "warning": "yellow", "info": "green"}.get(f.severity, "white")
    tag = f" · {label('generic', lang)}" if f.generic else ""
    out = ["", st(f"{i}/{n} {safe(f.title)}", bold=True, fg=colour),
           f"   [{f.rule}] {label('confidence', lang)} {f.confidence:.2f}{tag}"]
    if f.actor:
        out.append(f"   {label('who_acts', lang)}: {label('actor.' + f.actor, lang)}")
    if f.recipients:
        out.append(f"   {label('affects', lang)}: {safe(', '.join(f.recipients))}")
    out.append(f"   {st(label('cause', lang), bold=True)}:")
    out.extend(_wrap(f.cause, "     "))
    if f.evidence:
        out.append(f"   {st(label('evidence', lang), bold=True)}:")
        for ln in f.evidence:
            cited = localize(ln.text, lang).strip()
            out.extend(_wrap(f"{label('line', lang)} {ln.number}: {cited}", "     "))
    if f.fix:
        out.append(f"   {st(label('fix', lang), bold=True)}:")
        for j, step in enumerate(f.fix, 1):
            out.extend(wrap(safe(step.text), 92, f"     {j}. ", "        "))
            if step.powershell:
                for ps in step.powershell.splitlines():
                    out.append("        " + st(f"PS> {safe(ps)}", fg="cyan"))
    if f.tradeoff:
        out.append(f"   {st(label('tradeoff', lang), bold=True)}:")
        out.extend(_wrap(f.tradeoff, "     "))
    if f.confirm:
        out.append(f"   {st(label('confirm', lang), bold=True)}:")
        for c in f.confirm:
            out.extend(wrap(safe(c), 92, "     - ", "       "))
    if f.references:
        out.append(f"   {label('references', lang)}: " + " ".join(f.references))
    return out
