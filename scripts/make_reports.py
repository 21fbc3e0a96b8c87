"""Regenerate the example HTML reports in reports/ from the fixtures.

    python scripts/make_reports.py          # rewrite reports/*.html
    python scripts/make_reports.py --check  # exit 1 when reports/ is stale (CI)

The table below is the whole recipe: which fixture, in which language, redacted or not.
tests/test_report_examples.py builds the same pages in memory and fails when a file in
reports/ differs, so the examples always show what the current code produces.
"""

from __future__ import annotations

import sys
from pathlib import Path

from mailcheck.diagnosis import diagnose
from mailcheck.redact import redact_diagnosis
from mailcheck.render import render

ROOT = Path(__file__).resolve().parents[1]

#: (fixture under the repository root, language, redacted, file name under reports/).
#: The note's two failures from fixtures/seed, in English and Japanese, and two redacted
#: copies of inputs that carry names, addresses, IPs and message IDs.
REPORTS: list[tuple[str, str, bool, str]] = [
    ("fixtures/seed/exo-5.7.520-ndr.eml", "en", False, "exo-5.7.520-ndr.en.html"),
    ("fixtures/seed/exo-5.7.520-ndr-ja.eml", "ja", False, "exo-5.7.520-ndr.ja.html"),
    ("fixtures/seed/gmail-sendas-sent-second-ehlo.txt", "en", False,
     "gmail-sendas-sent-second-ehlo.en.html"),
    ("fixtures/seed/gmail-sendas-sent-second-ehlo-ja.txt", "ja", False,
     "gmail-sendas-sent-second-ehlo.ja.html"),
    ("fixtures/report/exo-5.7.520-forwarding.eml", "en", True,
     "exo-5.7.520-forwarding.redacted.en.html"),
    ("fixtures/report/gmail-sendas-with-signin-log.txt", "ja", True,
     "gmail-sendas-with-signin-log.redacted.ja.html"),
]
#: `mailcheck verify` reports: (message under fixtures/verify, language, file name). The
#: note's last step, confirming that mail sent from Gmail after the fix is authenticated.
VERIFY_REPORTS: list[tuple[str, str, str]] = [
    ("fixtures/verify/after-fix-office365.eml", "ja", "verify-after-fix-office365.ja.html"),
]
#: verify's fixtures are signed at a fixed time; check them at that time.
VERIFY_NOW = 1700000100


def build(root: Path = ROOT) -> dict[str, str]:
    """File name under reports/ -> the HTML it should hold."""
    out = {}
    for fixture, lang, redacted, name in REPORTS:
        diag = diagnose((root / fixture).read_bytes(), lang=lang, source=fixture)
        if redacted:
            diag = redact_diagnosis(diag)
        out[name] = render(diag, "html")
    if VERIFY_REPORTS:
        from mailcheck.auth_commands import build_resolver
        from mailcheck.verify import verify_message

        zones = tuple(str(z) for z in sorted((root / "fixtures/verify/zones").glob("*.zone")))
        resolver = build_resolver(zones, None, None, 3.0)
        for message, lang, name in VERIFY_REPORTS:
            diag = verify_message((root / message).read_bytes(), resolver, now=VERIFY_NOW,
                                  source=message, lang=lang)
            out[name] = render(diag, "html")
    return out


def stale(root: Path = ROOT) -> list[str]:
    """Names of reports/ files that are missing or differ from what the code produces."""
    folder = root / "reports"
    wanted = build(root)
    bad = [n for n, html in wanted.items()
           if not (folder / n).is_file() or (folder / n).read_text("utf-8") != html]
    bad += sorted(p.name for p in folder.glob("*.html") if p.name not in wanted)
    return bad


def main(argv: list[str]) -> int:
    if "--check" in argv:
        bad = stale()
        for name in bad:
            print(f"stale: reports/{name} (run: python scripts/make_reports.py)")
        return 1 if bad else 0
    folder = ROOT / "reports"
    folder.mkdir(exist_ok=True)
    for old in folder.glob("*.html"):
        old.unlink()
    for name, html in build().items():
        (folder / name).write_text(html, encoding="utf-8")
        print(f"reports/{name}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
