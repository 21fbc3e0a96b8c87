"""``mailcheck batch``: every input gets its JSON line, also when it cannot be parsed."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from mailcheck import batch
from mailcheck.cli import main

from .conftest import FIXTURES


def _lines(out: str) -> list[dict]:
    return [json.loads(ln) for ln in out.splitlines() if ln.strip()]


def test_every_input_has_a_line(tmp_path: Path) -> None:
    (tmp_path / "good.eml").write_bytes((FIXTURES / "bounces/qmail/blocklisted.eml").read_bytes())
    (tmp_path / "empty.eml").write_bytes(b"")
    (tmp_path / "binary.bin").write_bytes(bytes(range(256)) * 8)
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "paste.txt").write_text("550 5.1.1 <a@example.org>: user unknown\n")
    result = CliRunner().invoke(main, ["batch", str(tmp_path), "--format", "jsonl"])
    rows = _lines(result.output)
    names = sorted(Path(r["source"]).name for r in rows)
    assert names == ["binary.bin", "empty.eml", "good.eml", "paste.txt"]
    by_name = {Path(r["source"]).name: r for r in rows}
    assert by_name["empty.eml"]["error"] and by_name["binary.bin"]["error"]
    assert by_name["good.eml"]["error"] is None
    assert [r["reason"] for r in by_name["good.eml"]["recipients"]] == ["blocked"]
    assert [r["reason"] for r in by_name["sub/paste.txt".split("/")[-1]]["recipients"]] == [
        "userunknown"]
    assert result.exit_code == 1  # some inputs could not be read


def test_a_crash_in_one_input_still_gives_its_line(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "a.eml").write_text("550 5.1.1 user unknown\n")
    (tmp_path / "b.eml").write_text("550 5.2.2 mailbox full\n")
    real = batch.diagnose

    def flaky(data, **kw):
        if kw.get("source", "").endswith("a.eml"):
            raise RuntimeError("boom")
        return real(data, **kw)

    monkeypatch.setattr(batch, "diagnose", flaky)
    out = io.StringIO()
    errors = batch.run_batch([str(tmp_path)], out)
    rows = _lines(out.getvalue())
    assert errors == 1
    assert [Path(r["source"]).name for r in rows] == ["a.eml", "b.eml"]
    assert "boom" in rows[0]["error"] and rows[1]["error"] is None


def test_batch_line_is_the_diagnose_json(tmp_path: Path) -> None:
    src = FIXTURES / "bounces/postfix/dsn-user-unknown.eml"
    result = CliRunner().invoke(main, ["batch", str(src)])
    row = _lines(result.output)[0]
    single = json.loads(CliRunner().invoke(main, ["diagnose", "--format", "json", str(src)]).output)
    assert row["schema"] == single["schema"] == 1
    assert row["recipients"] == single["recipients"]
    assert row["source"] == str(src)
