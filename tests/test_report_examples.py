"""reports/ holds example reports; they must be what the current code produces."""

from __future__ import annotations

import importlib.util

from .conftest import ROOT
from .htmltree import parse


def load_script():
    spec = importlib.util.spec_from_file_location("make_reports", ROOT / "scripts" / "make_reports.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_reports_are_fresh():
    stale = load_script().stale(ROOT)
    assert not stale, f"stale example reports {stale}: run `python scripts/make_reports.py`"


def test_examples_cover_both_failures_both_languages_and_redaction():
    table = load_script().REPORTS
    fixtures = {f for f, *_ in table}
    assert any("5.7.520" in f for f in fixtures) and any("second-ehlo" in f for f in fixtures)
    assert {lang for _, lang, _, _ in table} == {"en", "ja"}
    assert any(red for _, _, red, _ in table)
    for _, lang, redacted, name in table:
        doc = parse((ROOT / "reports" / name).read_text("utf-8"))
        assert doc.find("html").attrs["lang"] == lang
        assert (doc.find("aside", class_="redacted") is not None) == redacted


def test_stale_detection_notices_a_changed_report(tmp_path):
    module = load_script()
    (tmp_path / "fixtures").symlink_to(ROOT / "fixtures")
    (tmp_path / "reports").mkdir()
    built = module.build(ROOT)
    for name, html in built.items():
        (tmp_path / "reports" / name).write_text(html, encoding="utf-8")
    assert module.stale(tmp_path) == []
    first = sorted(built)[0]
    (tmp_path / "reports" / first).write_text(built[first].replace("</h1>", "!</h1>"), "utf-8")
    (tmp_path / "reports" / "leftover.html").write_text("old", "utf-8")
    assert module.stale(tmp_path) == [first, "leftover.html"]
