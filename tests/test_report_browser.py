"""The reports as a user's browser shows them: headless Chromium loads each page, the test
asserts on the DOM after scripts ran, and keeps a screenshot in the test's tmp dir.

One Chromium run per page does both (``--dump-dom`` and ``--screenshot``), about a second.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from mailcheck.diagnosis import diagnose
from mailcheck.render import render

from .conftest import FIXTURES, ROOT, need
from .htmltree import Node, parse

pytestmark = pytest.mark.browser

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run",
         "--window-size=1200,1600"]
DOC_LINKS = ("https://learn.microsoft.com/", "https://support.google.com/", "https://aka.ms/",
             "https://www.rfc-editor.org/", "https://www.iana.org/")


def load(page: Path, tmp: Path) -> tuple[Node, Path]:
    """Open ``page`` in headless Chromium; return the DOM after scripts ran and a screenshot."""
    exe = shutil.which("chromium")
    need(exe, "chromium is not installed (apt-get install chromium fonts-ipafont-gothic)")
    profile = tmp / f"profile-{page.stem}"
    shot = tmp / f"{page.stem}.png"
    proc = subprocess.run(
        [exe, *FLAGS, f"--user-data-dir={profile}", f"--screenshot={shot}", "--dump-dom",
         page.resolve().as_uri()],
        cwd=tmp, capture_output=True, text=True, timeout=60)
    shutil.rmtree(profile, ignore_errors=True)
    assert proc.stdout.strip(), f"no DOM from chromium: {proc.stderr[-2000:]}"
    assert shot.is_file() and shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", proc.stderr[-2000:]
    return parse("<!DOCTYPE html>\n" + proc.stdout), shot


def assert_safe_dom(dom: Node) -> None:
    assert len(dom.find_all("script")) == 1
    for n in dom.iter():
        assert not any(k.startswith("on") for k in n.attrs), n.tag
        for attr in ("src", "srcset", "action", "data", "poster"):
            assert attr not in n.attrs, (n.tag, attr)
    # Nothing in the DOM can fetch: only documentation links and in-page anchors remain.
    for a in dom.find_all("a"):
        assert a.attrs["href"].startswith(("#", *DOC_LINKS)), a.attrs["href"]
    for tag in ("img", "iframe", "link", "object", "embed", "base", "form", "svg"):
        assert not dom.find_all(tag), tag


@pytest.mark.parametrize("name", ["exo-5.7.520-ndr.en.html", "exo-5.7.520-ndr.ja.html",
                                  "gmail-sendas-sent-second-ehlo.ja.html",
                                  "exo-5.7.520-forwarding.redacted.en.html"])
def test_example_report_in_chromium(name, tmp_path):
    page = ROOT / "reports" / name
    static = parse(page.read_text("utf-8"))
    dom, shot = load(page, tmp_path)
    verdict = static.find("h1").text()
    assert verdict and dom.find("h1").text() == verdict
    assert dom.find("title").text() == verdict
    assert dom.find("html").attrs["lang"] == static.find("html").attrs["lang"]
    # The report's own hashed script ran (a Copy button per command block): the CSP lets
    # it through, so the absence of anything else is the CSP and the escaping at work.
    blocks = dom.find_all("pre", class_="code")
    assert blocks and len(dom.find_all("button", class_="copy")) == len(blocks)
    assert_safe_dom(dom)
    assert shot.stat().st_size > 20_000  # a rendered page, not a blank one


def test_hostile_report_runs_nothing_in_chromium(tmp_path):
    src = FIXTURES / "report" / "hostile-ndr.eml"
    page = tmp_path / "hostile.html"
    page.write_text(render(diagnose(src.read_bytes(), source=src.name), "html"), "utf-8")
    dom, _ = load(page, tmp_path)
    # Each payload would have changed the title or the body had it run.
    assert "PWNED" not in dom.find("title").text()
    assert "data-pwned" not in dom.find("body").attrs
    assert "<script>document.body.setAttribute('data-pwned'" in dom.find("main").text()
    assert_safe_dom(dom)

    # Defence in depth: a script that slipped past escaping would still be blocked by the CSP.
    tampered = tmp_path / "tampered.html"
    tampered.write_text(page.read_text("utf-8").replace(
        "</main>", "<script>document.title='PWNED'</script></main>"), "utf-8")
    dom, _ = load(tampered, tmp_path)
    assert "PWNED" not in dom.find("title").text()
