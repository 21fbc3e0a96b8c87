"""Batch outputs: JSONL/CSV schema, the summary's totals, the HTML page, order with --jobs,
the progress bar, and the nothing-lost property over random archives with corrupt members."""

from __future__ import annotations

import csv
import gzip
import html
import io
import json
import re
import sys
import tempfile
from pathlib import Path

from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mailcheck import batch
from mailcheck.archive import iter_messages
from mailcheck.batch import analyse_stream
from mailcheck.cli import _progress, main
from mailcheck.render.batch_csv import COLUMNS
from mailcheck.summary import BatchSummary, percentile

from .batch_messages import dsn, mbox, received

SCHEMA_KEYS = {"schema", "source", "kind", "lang", "systems", "recipients", "findings",
               "checks", "notes", "error"}
RECIPIENT_KEYS = {"recipient", "action", "status", "reply_code", "diagnostic", "remote_mta",
                  "reason", "hard_bounce", "rule"}


def invoke(args: list[str]):
    return CliRunner().invoke(main, ["batch", *args])


def mixed_archive(root: Path) -> None:
    """Three bounces (one with two recipients' worth of files), two received, one corrupt."""
    (root / "b1.eml").write_bytes(dsn("one@example.org", date="Mon, 03 Mar 2025 10:00:00 +0000"))
    (root / "b2.eml").write_bytes(dsn("two@example.net", status="4.2.2",
                                      diagnostic="452 4.2.2 Mailbox full",
                                      date="Tue, 04 Mar 2025 10:00:00 +0000"))
    (root / "box.mbox").write_bytes(mbox(
        received("example.com", "192.0.2.10"),
        received("news.example.com", "198.51.100.7", dkim="fail", dmarc="fail",
                 mailfrom="bounce@esp.example", spf="pass")))
    (root / "z.eml").write_bytes(bytes(range(256)) * 8)


def test_jsonl_schema(tmp_path: Path):
    mixed_archive(tmp_path)
    result = invoke([str(tmp_path), "--format", "jsonl"])
    lines = [json.loads(x) for x in result.stdout.splitlines()]
    assert len(lines) == 5
    for d in lines:
        assert SCHEMA_KEYS <= set(d)
        assert d["schema"] == 1
        for r in d["recipients"]:
            assert RECIPIENT_KEYS <= set(r)
    assert [d.get("message") for d in lines] == [None, None, 1, 2, None]


def test_csv_one_row_per_recipient_result_and_columns(tmp_path: Path):
    mixed_archive(tmp_path)
    result = invoke([str(tmp_path), "--format", "csv"])
    assert result.exit_code == 1
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert tuple(rows[0]) == COLUMNS
    body = [dict(zip(COLUMNS, r, strict=True)) for r in rows[1:]]
    assert len(body) == 5  # 2 bounce recipients + 2 received (no recipients) + 1 error
    assert body[0]["recipient"] == "one@example.org"
    assert body[0]["recipient_domain"] == "example.org"
    assert body[0]["status"] == "5.1.1" and body[0]["hard_bounce"] == "true"
    assert body[0]["date"] == "2025-03-03" and body[0]["sender"] == "alice@example.com"
    assert body[2]["recipient"] == "" and body[2]["kind"] == "headers"
    assert body[2]["message"] == "1"
    assert body[4]["error"].startswith("input looks binary")


def test_csv_cells_cannot_become_formulas():
    from mailcheck.render.batch_csv import record_rows

    rec = {"source": "=HYPERLINK(\"http://x\")", "recipients": [{"diagnostic": "+1 bad"}]}
    row = record_rows(rec)[0]
    assert row[0].startswith("'=") and row[-1].startswith("'+")


def test_columns_are_documented():
    doc = (Path(__file__).resolve().parents[1] / "docs" / "batch.md").read_text()
    for col in COLUMNS:
        assert f"`{col}`" in doc, col


def test_summary_totals_add_up(tmp_path: Path):
    mixed_archive(tmp_path)
    outcomes = list(analyse_stream(iter_messages([str(tmp_path)]), want_line=False))
    s = BatchSummary()
    for o in outcomes:
        s.add(o.record)
    d = s.to_dict()
    assert d["messages"] == 5 and d["errors"] == 1 and d["analysed"] == 4
    assert sum(c for _, c in d["by_kind"]) == d["messages"]
    assert sum(c for _, c in d["by_cause"]) == d["results"] == 4
    for key in ("by_reason", "by_recipient_domain", "by_remote_mta"):
        assert sum(c for _, c in d[key]) == d["recipients"] == 2
    for key in ("by_sender", "by_day"):
        assert sum(c for _, c in d[key]) == d["analysed"]
    assert dict(d["by_reason"]) == {"userunknown": 1, "mailboxfull": 1}
    assert dict(d["by_day"])["2025-03-03"] == 3  # one bounce, two received messages
    rc = d["received"]
    assert rc["messages"] == 2
    by_domain = dict(rc["by_sending_domain"])
    assert by_domain["example.com"]["dmarc_pass_rate"] == 1.0
    news = by_domain["news.example.com"]
    assert news["dmarc_fail"] == 1 and news["spf_pass_unaligned"] == 1
    assert news["dkim_pass_rate"] == 0.0
    assert dict(rc["by_connecting_ip"])["198.51.100.7"]["messages"] == 1
    at = dict(rc["by_sending_domain_at_receiver"])
    assert at["news.example.com at mx.example.net"]["dmarc_fail"] == 1
    assert rc["hop_delay_seconds"]["p50"] == 30.0


def test_summary_text_on_the_command_line(tmp_path: Path):
    mixed_archive(tmp_path)
    result = invoke([str(tmp_path), "--format", "summary"])
    out = result.stdout
    assert result.exit_code == 1
    assert "Messages: 5  (analysed 4, could not be read 1)" in out
    assert "userunknown" in out and "example.org" in out
    assert "news.example.com" in out and "198.51.100.7" in out
    assert "Hop delay (2): p50 30s" in out
    assert "Top findings" in out


def test_top_n_keeps_the_sum_with_an_other_row():
    s = BatchSummary(top_n=2)
    for i in range(5):
        s.add({"kind": "bounce", "recipients": [{"domain": f"d{i}.example", "reason": "x"}]})
    rows = s.to_dict()["by_recipient_domain"]
    assert rows[-1] == ["(other)", 3] and sum(c for _, c in rows) == 5


def test_percentile_nearest_rank():
    values = sorted(float(x) for x in range(1, 101))
    assert percentile(values, 50) == 50.0 and percentile(values, 90) == 90.0
    assert percentile(values, 99) == 99.0 and percentile([], 50) is None


def test_html_page_is_self_contained_and_escaped(tmp_path: Path):
    evil = "<script>alert(1)</script>"
    (tmp_path / "a.eml").write_bytes(dsn(f"x@{evil}.example", date="Mon, 03 Mar 2025 10:00 +0000"))
    (tmp_path / "b.eml").write_bytes(received("example.com"))
    out = tmp_path / "summary.html"
    result = invoke([str(tmp_path), "--format", "html", "-o", str(out)])
    assert result.exit_code == 0, result.output
    page = out.read_text()
    csp = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]*)"', page)
    assert csp and html.unescape(csp.group(1)).startswith("default-src 'none';")
    # the only script is the page shell's own, allowed by its hash; the input's is text
    assert page.count("<script") == 1 and "script-src 'sha256-" in html.unescape(csp.group(1))
    assert "<script>alert" not in page and "alert(1)</script>" not in page
    assert "&lt;script&gt;" in page
    assert not re.search(r'(src|href)="https?:', page)
    assert "style=" not in page
    assert page.count("<svg") >= 2  # causes over time, top domains
    assert "Causes of failed deliveries over time" in page


def test_progress_bar_silent_when_stderr_is_not_a_terminal(tmp_path: Path):
    mixed_archive(tmp_path)
    result = CliRunner().invoke(main, ["batch", str(tmp_path), "--format", "jsonl"])
    assert result.stderr == ""


def test_progress_bar_on_a_terminal(monkeypatch, tmp_path: Path):
    mixed_archive(tmp_path)

    class Tty(io.StringIO):
        def isatty(self):
            return True

    fake = Tty()
    monkeypatch.setattr(sys, "stderr", fake)
    with _progress((str(tmp_path),)) as bar:
        bar.update(10)
    assert "Analysing" in fake.getvalue()


# -- order and parallelism ------------------------------------------------------------------------


def _many(root: Path, n: int) -> list[str]:
    names = []
    for i in range(n):
        addr = f"user{i:03d}@example.org"
        if i % 7 == 3:
            (root / f"m{i:03d}.eml").write_bytes(b"\x00\x01" * 100)  # corrupt
            names.append("ERROR")
        else:
            (root / f"m{i:03d}.eml").write_bytes(dsn(addr))
            names.append(addr)
    return names


def test_order_is_input_order_with_jobs(tmp_path: Path, monkeypatch):
    monkeypatch.setattr(batch, "CHUNK_MESSAGES", 3)
    started = []

    class CountingPool(batch.ProcessPoolExecutor):
        def __init__(self, *a, **kw):
            started.append(kw.get("max_workers"))
            super().__init__(*a, **kw)

    monkeypatch.setattr(batch, "ProcessPoolExecutor", CountingPool)
    expected = _many(tmp_path, 40)
    got = [(o.record["recipients"][0]["recipient"] if not o.error else "ERROR")
           for o in analyse_stream(iter_messages([str(tmp_path)]), jobs=3, want_line=False)]
    assert started == [3]
    assert got == expected


def test_jsonl_identical_whatever_the_jobs(tmp_path: Path, monkeypatch):
    monkeypatch.setattr(batch, "CHUNK_MESSAGES", 4)
    _many(tmp_path, 30)
    one = invoke([str(tmp_path), "--jobs", "1", "--format", "jsonl"])
    two = invoke([str(tmp_path), "--jobs", "2", "--format", "jsonl"])
    assert one.exit_code == two.exit_code == 1
    assert one.stdout == two.stdout and len(one.stdout.splitlines()) == 30


def test_a_worker_crash_loses_nothing(tmp_path: Path, monkeypatch):
    """If the worker pool breaks, the parent finishes the chunks itself."""
    monkeypatch.setattr(batch, "CHUNK_MESSAGES", 2)
    expected = _many(tmp_path, 12)

    class BrokenFuture:
        def result(self):
            raise batch.BrokenProcessPool("worker died")

    class DeadPool:
        def __init__(self, *a, **kw):
            pass

        def shutdown(self, wait=True, cancel_futures=False):
            pass

        def submit(self, fn, chunk):
            return BrokenFuture()

    monkeypatch.setattr(batch, "ProcessPoolExecutor", DeadPool)
    got = [(o.record["recipients"][0]["recipient"] if not o.error else "ERROR")
           for o in analyse_stream(iter_messages([str(tmp_path)]), jobs=2, want_line=False)]
    assert got == expected


def test_an_exception_in_analysis_becomes_that_messages_error(monkeypatch):
    from mailcheck.archive import Item

    def broken(*a, **kw):
        raise RecursionError("too deep")

    monkeypatch.setattr(batch, "diagnose", broken)
    o = batch.analyse_item(Item("x.eml", b"Subject: a\nFrom: b\n\nc\n"))
    assert o.error == "internal error: RecursionError: too deep"
    assert json.loads(o.line)["error"] == o.error and o.record["error"] == o.error


# -- nothing lost ---------------------------------------------------------------------------------

GOOD = st.sampled_from(["bounce", "received"])
CORRUPT = st.sampled_from(["binary", "empty", "truncated-gz"])
MEMBER = st.one_of(GOOD.map(lambda k: ("good", k)), CORRUPT.map(lambda k: ("bad", k)))


def _bytes_of(kind: str, i: int) -> bytes:
    if kind == "bounce":
        return dsn(f"r{i}@example.org")
    if kind == "received":
        return received(f"s{i}.example.com")
    raise AssertionError(kind)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(["eml", "mbox", "gz-mbox"]),
                          st.lists(MEMBER, min_size=1, max_size=4)), min_size=1, max_size=6))
def test_nothing_lost_in_random_archives(files):
    """Random folders of .eml, mbox and gzipped mbox files, with corrupt members (empty,
    binary, a cut .gz file): every message gives exactly one outcome, in order; the
    corrupt ones are errors; the summary's totals add up."""
    expected_errors = 0
    expected: list[str] = []  # per message: the bounce's recipient, "received", or "ERROR"
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for n, (container, members) in enumerate(files):
            if container == "eml":
                members = members[:1]
            msgs = []
            for i, (quality, kind) in enumerate(members):
                if quality == "good":
                    msgs.append(_bytes_of(kind, n * 10 + i))
                    expected.append(f"r{n * 10 + i}@example.org" if kind == "bounce"
                                    else "received")
                else:
                    expected_errors += 1
                    expected.append("ERROR")
                    if container == "eml" and kind == "truncated-gz":
                        msgs.append(gzip.compress(dsn())[:30])
                    else:
                        msgs.append(b"" if kind == "empty" else b"\x00\x01\x02" * 40)
            data = msgs[0] if container == "eml" else mbox(*msgs)
            if container == "gz-mbox":
                data = gzip.compress(data)
            (root / f"f{n:02d}").write_bytes(data)
        outcomes = list(analyse_stream(iter_messages([tmp]), want_line=True))
        summary = BatchSummary()
        for o in outcomes:
            summary.add(o.record)
        d = summary.to_dict()
    got = []
    for o in outcomes:
        if o.error:
            got.append("ERROR")
        elif o.record["recipients"]:
            got.append(o.record["recipients"][0]["recipient"])
        else:
            got.append("received")
    assert got == expected
    assert all(o.line and o.record for o in outcomes)
    assert d["messages"] == len(expected) == d["analysed"] + d["errors"]
    assert d["errors"] == expected_errors
    assert sum(c for _, c in d["by_cause"]) == d["results"]
    assert sum(c for _, c in d["by_kind"]) == d["messages"]
    assert sum(c for _, c in d["by_day"]) == d["analysed"]


def test_cut_gzip_mbox_keeps_what_was_read_and_reports_the_rest(tmp_path: Path):
    big = [dsn(f"r{i}@example.org") + b"x" * 3000 for i in range(30)]
    data = gzip.compress(mbox(*big), compresslevel=0)
    (tmp_path / "cut.mbox.gz").write_bytes(data[: len(data) // 2])
    outcomes = list(analyse_stream(iter_messages([str(tmp_path)]), want_line=False))
    assert outcomes[-1].error and "corrupt gzip" in outcomes[-1].error
    good = [o.record["recipients"][0]["recipient"] for o in outcomes[:-1]]
    assert good == [f"r{i}@example.org" for i in range(len(good))] and len(good) >= 10


def test_stopping_early_ends_the_worker_processes(tmp_path: Path, monkeypatch):
    import multiprocessing
    import os
    import time

    monkeypatch.setattr(batch, "CHUNK_MESSAGES", 2)
    _many(tmp_path, 40)
    before = {p.pid for p in multiprocessing.active_children()}
    outcomes = analyse_stream(iter_messages([str(tmp_path)]), jobs=2, want_line=False)
    next(outcomes)
    pids = [p.pid for p in multiprocessing.active_children() if p.pid not in before]
    assert len(pids) == 2
    outcomes.close()  # what Ctrl-C and a closed pipe do

    def gone(pid: int) -> bool:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        return False

    deadline = time.monotonic() + 10
    while not all(gone(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.05)  # the executor's thread may still be reaping them
    assert all(gone(p) for p in pids)


def test_summary_in_japanese(tmp_path: Path):
    mixed_archive(tmp_path)
    text = invoke([str(tmp_path), "--format", "summary", "--lang", "ja"]).stdout
    assert "メッセージ: 5(分析済み 4、読めなかったもの 1)" in text
    assert "宛先ドメイン別" in text and "中継ごとの遅延" in text
    out = tmp_path.parent / "ja.html"
    invoke([str(tmp_path), "--format", "html", "--lang", "ja", "-o", str(out)])
    page = out.read_text()
    assert '<html lang="ja">' in page and "mailcheck 一括分析のまとめ" in page
    assert "配信失敗の原因の推移" in page and "Causes of failed" not in page
