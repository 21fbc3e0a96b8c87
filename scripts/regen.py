#!/usr/bin/env python3
"""Regenerate the generated parts of the docs from the code: `python scripts/regen.py`.

README.md blocks between `<!-- regen:NAME -->` and `<!-- /regen:NAME -->` are real output
of mailcheck on the bundled fixtures, and the rule catalogue comes from the packs. With
`--check`, nothing is written and the exit status says whether anything is stale.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from mailcheck import diagnose  # noqa: E402
from mailcheck.diagnosis import default_rules  # noqa: E402
from mailcheck.render import render  # noqa: E402

SEED = ROOT / "fixtures" / "seed"


def _cli_block(command: str, text: str) -> str:
    return f"```\n$ {command}\n{text.rstrip()}\n```"


def _diagnose(name: str, lang: str = "en", fmt: str = "text") -> str:
    path = SEED / name
    rel = path.relative_to(ROOT).as_posix()
    d = diagnose(path.read_bytes(), source=rel, lang=lang)
    return render(d, fmt)


def _cli(args: list[str]) -> str:
    """Run the command line in-process, from the repository root, and return its output."""
    from click.testing import CliRunner

    from mailcheck.cli import main as cli_main

    cwd = Path.cwd()
    try:
        import os

        os.chdir(ROOT)
        result = CliRunner().invoke(cli_main, args)
    finally:
        os.chdir(cwd)
    return _cli_block("mailcheck " + " ".join(args), result.output)


def blocks() -> dict[str, str]:
    ndr = "fixtures/seed/exo-5.7.520-ndr.eml"
    dialog = "fixtures/seed/gmail-sendas-sent-second-ehlo-ja.txt"
    catalogue = ["| rule | pack | reason | title |", "|---|---|---|---|"]
    for r in default_rules().rules:
        catalogue.append(f"| `{r.id}` | {r.pack} | {r.reason} | {r.text('title')} |")
    return {
        "quickstart": _cli_block(f"mailcheck diagnose {ndr}",
                                 _diagnose("exo-5.7.520-ndr.eml")),
        "gmail-ja": _cli_block(f"mailcheck diagnose {dialog} --lang ja",
                               _diagnose("gmail-sendas-sent-second-ehlo-ja.txt", "ja")),
        "catalogue": "\n".join(catalogue),
        "verify": _cli(["verify", "fixtures/verify/gmail-own-servers.eml",
                        "--dns-zone", "fixtures/verify/zones/kaisha.example.zone",
                        "--dns-zone", "fixtures/verify/zones/gmail.com.zone",
                        "--dns-zone", "fixtures/verify/zones/google.com.zone",
                        "--now", "2023-11-15T00:00:00Z"]),
    }


def regenerate(text: str) -> str:
    for name, body in blocks().items():
        pattern = re.compile(rf"(<!-- regen:{name} -->\n)(?:.*?\n)?(<!-- /regen:{name} -->)", re.S)
        text = pattern.sub(lambda m, b=body: m.group(1) + b + "\n" + m.group(2), text)
    return text


def main() -> int:
    readme = ROOT / "README.md"
    old = readme.read_text(encoding="utf-8")
    new = regenerate(old)
    if "--check" in sys.argv:
        if new != old:
            print("README.md is stale: run python scripts/regen.py")
            return 1
        return 0
    readme.write_text(new, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
