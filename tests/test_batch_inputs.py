"""Batch inputs: every kind of file and folder gives every message once, in order."""

from __future__ import annotations

import gzip
import io
import json
import sys
import types
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from mailcheck import archive, outlook_msg
from mailcheck.archive import iter_messages, split_mbox_stream
from mailcheck.cli import main

from .batch_messages import dsn, mbox, received


def run(args: list[str], stdin: bytes | None = None):
    result = CliRunner().invoke(main, ["batch", *args], input=stdin)
    lines = [json.loads(x) for x in result.stdout.splitlines() if x.strip()]
    return result, lines


def rcpts(lines):
    return [r["recipient"] for d in lines for r in d["recipients"]]


def test_single_eml_file(tmp_path: Path):
    (tmp_path / "one.eml").write_bytes(dsn("a@example.org"))
    result, lines = run([str(tmp_path / "one.eml"), "--format", "jsonl"])
    assert result.exit_code == 0
    assert len(lines) == 1
    d = lines[0]
    assert d["schema"] == 1 and d["source"] == str(tmp_path / "one.eml")
    assert "message" not in d  # a one-message file needs no locator
    assert d["recipients"][0]["status"] == "5.1.1"
    assert d["recipients"][0]["reason"] == "userunknown"


def test_folder_is_read_recursively_sorted_and_hidden_files_skipped(tmp_path: Path):
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "2.eml").write_bytes(dsn("two@example.org"))
    (tmp_path / "a.eml").write_bytes(dsn("one@example.org"))
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "3.eml").write_bytes(dsn("three@example.org"))
    (tmp_path / ".hidden.eml").write_bytes(dsn("hidden@example.org"))
    _, lines = run([str(tmp_path)])
    assert rcpts(lines) == ["one@example.org", "two@example.org", "three@example.org"]


def test_mbox_every_message_with_locator_and_from_quoting(tmp_path: Path):
    quoted = received().replace(b"Hello Bob,", b"Hello Bob,\nFrom the team: hi\n>From x")
    box = mbox(dsn("one@example.org"), quoted, dsn("three@example.org"))
    assert b"\n>From the team" in box and b"\n>>From x" in box
    (tmp_path / "archive.mbox").write_bytes(box)
    _, lines = run([str(tmp_path / "archive.mbox")])
    assert [d["message"] for d in lines] == [1, 2, 3]
    assert all(d["source"] == str(tmp_path / "archive.mbox") for d in lines)
    assert [d["kind"] for d in lines] == ["bounce", "headers", "bounce"]
    # the splitter undoes mboxrd quoting exactly once
    data = [m for m, _ in split_mbox_stream(io.BytesIO(box))]
    assert b"\nFrom the team: hi\n>From x\n" in data[1]
    assert data[1].endswith(b"attached.\n")


def test_mbox_from_line_without_blank_line_before_does_not_split():
    box = (b"From a@b Mon Mar  3 10:00:00 2025\nSubject: x\nFrom: a@b\n\nbody\n"
           b"From here on, text\n\nFrom b@c Mon Mar  3 10:00:00 2025\nSubject: y\n\nz\n")
    parts = [m for m, _ in split_mbox_stream(io.BytesIO(box))]
    assert len(parts) == 2
    assert b"From here on, text" in parts[0]


def test_message_not_starting_with_from_is_never_split():
    msg = b"Subject: x\nFrom: a@b\n\nline\n\nFrom b@c Mon Mar  3 10:00:00 2025\nmore\n"
    assert [m for m, _ in split_mbox_stream(io.BytesIO(msg))] == [msg]


def test_oversized_message_is_cut_with_a_note(monkeypatch):
    monkeypatch.setattr(archive, "MAX_MESSAGE_BYTES", 100)
    box = b"From a@b x\n" + b"Subject: big\n\n" + b"y" * 60 + b"\n" + b"z" * 60 + b"\n"
    [(data, notes)] = list(split_mbox_stream(io.BytesIO(box)))
    assert len(data) <= 100 and notes and "only the first 100" in notes[0]


def test_maildir_reads_cur_and_new_not_tmp_or_bookkeeping(tmp_path: Path):
    md = tmp_path / "Maildir"
    for sub in ("cur", "new", "tmp"):
        (md / sub).mkdir(parents=True)
    (md / "cur" / "1700000000.M1P1.host:2,S").write_bytes(dsn("cur@example.org"))
    (md / "new" / "1700000001.M2P2.host").write_bytes(dsn("new@example.org"))
    (md / "tmp" / "1700000002.M3P3.host").write_bytes(dsn("tmp@example.org"))
    (md / "dovecot-uidlist").write_bytes(b"3 V1 N4\n")
    (md / ".Sent" / "cur").mkdir(parents=True)
    (md / ".Sent" / "new").mkdir()
    (md / ".Sent" / "cur" / "1700000003.M4P4.host:2,S").write_bytes(dsn("sent@example.org"))
    _, lines = run([str(md)])
    assert rcpts(lines) == ["cur@example.org", "new@example.org", "sent@example.org"]


def test_gzip_mbox_and_gzip_single_message(tmp_path: Path):
    (tmp_path / "a.mbox.gz").write_bytes(gzip.compress(mbox(dsn("one@example.org"),
                                                            dsn("two@example.org"))))
    (tmp_path / "b.eml.gz").write_bytes(gzip.compress(dsn("three@example.org")))
    _, lines = run([str(tmp_path)])
    assert rcpts(lines) == ["one@example.org", "two@example.org", "three@example.org"]
    assert [d.get("message") for d in lines] == [1, 2, None]


def test_zip_members_each_message_and_nested_gzip(tmp_path: Path):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("bounces/one.eml", dsn("one@example.org"))
        z.writestr("bounces/more.mbox", mbox(dsn("two@example.org"), dsn("three@example.org")))
        z.writestr("four.eml.gz", gzip.compress(dsn("four@example.org")))
        z.writestr("__MACOSX/._one.eml", b"resource fork")
    (tmp_path / "x.zip").write_bytes(buf.getvalue())
    _, lines = run([str(tmp_path / "x.zip")])
    assert rcpts(lines) == ["one@example.org", "two@example.org", "three@example.org",
                            "four@example.org"]
    assert lines[0]["source"] == f"{tmp_path / 'x.zip'}!bounces/one.eml"
    assert Path(lines[0]["source"]).name == "one.eml"  # what the corpus scorer keys on


def test_stdin_is_an_mbox_stream():
    result, lines = run(["-"], stdin=mbox(dsn("one@example.org"), dsn("two@example.org")))
    assert result.exit_code == 0
    assert [(d["source"], d["message"]) for d in lines] == [("-", 1), ("-", 2)]


def test_stdin_single_message():
    _, lines = run(["-"], stdin=dsn("one@example.org"))
    assert rcpts(lines) == ["one@example.org"]


def test_corrupt_inputs_are_reported_and_exit_1(tmp_path: Path):
    (tmp_path / "good.eml").write_bytes(dsn("one@example.org"))
    (tmp_path / "bad.gz").write_bytes(gzip.compress(dsn("x@example.org"))[:40])
    (tmp_path / "bad.zip").write_bytes(b"PK\x03\x04" + b"\x00" * 50)
    (tmp_path / "empty.eml").write_bytes(b"")
    (tmp_path / "picture.eml").write_bytes(bytes(range(256)) * 4)
    result, lines = run([str(tmp_path)])
    assert result.exit_code == 1
    assert len(lines) == 5
    errors = {Path(d["source"]).name: d["error"] for d in lines}
    assert errors["good.eml"] is None
    assert "gzip" in errors["bad.gz"]
    assert "zip" in errors["bad.zip"]
    assert "empty" in errors["empty.eml"]
    assert "binary" in errors["picture.eml"]
    assert "Traceback" not in result.output


def test_unreadable_file_is_reported(tmp_path: Path):
    p = tmp_path / "locked.eml"
    p.write_bytes(dsn())
    items = list(archive.read_path(tmp_path / "missing.eml"))
    assert len(items) == 1 and items[0].error.startswith("cannot read")


def test_missing_path_is_a_usage_error(tmp_path: Path):
    result, _ = run([str(tmp_path / "nope")])
    assert result.exit_code == 2
    assert "no such file" in result.output


def test_unknown_format_is_a_usage_error(tmp_path: Path):
    (tmp_path / "a.eml").write_bytes(dsn())
    result, _ = run([str(tmp_path), "--format", "xml"])
    assert result.exit_code == 2


# -- Outlook .msg ---------------------------------------------------------------------------


def test_msg_without_extract_msg_says_how_to_install(tmp_path: Path, monkeypatch):
    monkeypatch.setitem(sys.modules, "extract_msg", None)  # import fails as if not installed
    (tmp_path / "a.msg").write_bytes(outlook_msg.OLE_MAGIC + b"\x00" * 600)
    (tmp_path / "b.eml").write_bytes(dsn("one@example.org"))
    result, lines = run([str(tmp_path)])
    assert result.exit_code == 1
    assert len(lines) == 2
    err = lines[0]["error"]
    assert "mailcheck[msg]" in err and "\n" not in err
    assert lines[1]["error"] is None


def test_msg_that_is_not_ole_is_reported(tmp_path: Path):
    (tmp_path / "a.msg").write_bytes(b"just text, not an Outlook file")
    result, lines = run([str(tmp_path / "a.msg")])
    assert result.exit_code == 1
    assert "not an Outlook .msg file" in lines[0]["error"]


def test_msg_is_converted_through_the_library(tmp_path: Path, monkeypatch):
    """The conversion from extract-msg's message object (library stood in for; the real
    library on real files: tests/test_outlook_msg.py)."""

    class FakeMsg:
        headerText = ("Microsoft Mail Internet Headers Version 2.0\r\n"
                      "Received: from a by b; Mon, 03 Mar 2025 10:00:00 +0000\r\n"
                      "From: postmaster@example.org\r\nSubject: Undeliverable: hi\r\n"
                      "Content-Type: multipart/mixed; boundary=x\r\n\r\n")
        recipients = [types.SimpleNamespace(email="alice@example.com", name="alice@example.com",
                                            type=1)]
        subject = "ignored: the header has one"
        date = None
        body = ("Delivery has failed to these recipients or groups:\r\n\r\n"
                "bob@example.org\r\n"
                "Remote Server returned '550 5.1.1 RESOLVER.ADR.RecipNotFound; not found'\r\n")
        htmlBody = None
        attachments: list = []
        closed = False

        def getStringStream(self, name):
            return {"__substg1.0_0C1A": "ignored: the header has From"}.get(name)

        def close(self):
            FakeMsg.closed = True

    fake = types.SimpleNamespace(openMsg=lambda data, **kw: FakeMsg())
    monkeypatch.setitem(sys.modules, "extract_msg", fake)
    data = outlook_msg.msg_to_rfc822(outlook_msg.OLE_MAGIC + b"rest")
    text = data.decode()
    assert text.startswith("Received: from a by b")
    assert "From: postmaster@example.org" in text and "To: alice@example.com" in text
    assert "ignored" not in text
    assert "multipart/mixed" not in text and "Content-Type: text/plain; charset=utf-8" in text
    assert "550 5.1.1 RESOLVER.ADR.RecipNotFound" in text
    assert FakeMsg.closed
    (tmp_path / "ndr.msg").write_bytes(outlook_msg.OLE_MAGIC + b"rest")
    _, lines = run([str(tmp_path / "ndr.msg")])
    assert lines[0]["error"] is None
    assert lines[0]["recipients"][0]["status"] == "5.1.1"


def test_msg_damaged_file_reported_by_library(monkeypatch):
    def boom(data, **kw):
        raise ValueError("bad sector")

    monkeypatch.setitem(sys.modules, "extract_msg", types.SimpleNamespace(openMsg=boom))
    with pytest.raises(outlook_msg.MsgError, match="damaged Outlook .msg file"):
        outlook_msg.msg_to_rfc822(outlook_msg.OLE_MAGIC)


def test_iter_messages_without_stdin_reports_it():
    [item] = list(iter_messages(["-"], stdin=None))
    assert item.error and "standard input" in item.error


LINE = st.one_of(
    st.sampled_from([b"From the desk of Bob", b">From quoted", b">>From deeper", b"",
                     b"From ", b"Subject: x", b"plain text", b"From: a@b.example"]),
    st.binary(max_size=30).map(lambda b: b.replace(b"\n", b"").replace(b"\r", b"")),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(LINE, min_size=1, max_size=8), min_size=1, max_size=5))
def test_mbox_round_trip_undoes_quoting_exactly(bodies):
    """Messages written as mboxrd (every From-line quoted once more) come back byte for byte.

    (Each ends with a text line: trailing blank lines are where mbox puts its separator.)"""
    from unittest import mock

    messages = [b"Subject: m\n\n" + b"\n".join(lines) + b"\nend\n" for lines in bodies]
    back = [m for m, _ in split_mbox_stream(io.BytesIO(mbox(*messages)))]
    assert back == messages
    with mock.patch.object(archive, "LINE_PIECE", 16):  # long lines read in pieces
        box = io.BytesIO(mbox(*messages))
        assert [m for m, _ in split_mbox_stream(archive._pieces(box))] == messages


def test_an_mbox_line_longer_than_a_read_is_neither_split_nor_unquoted(monkeypatch):
    monkeypatch.setattr(archive, "LINE_PIECE", 8)
    box = (b"From a@b Mon Mar  3 10:00:00 2025\nSubject: s\n\n" + b"y" * 20 + b"\n\n"
           + b"z" * 8 + b">From q\n" + b"z" * 8 + b"From r\n"
           + b"\nFrom c@d Mon Mar  3 10:00:00 2025\nSubject: t\n\nbody\n")
    parts = [m for m, _ in split_mbox_stream(archive._pieces(io.BytesIO(box)))]
    assert parts == [
        b"Subject: s\n\n" + b"y" * 20 + b"\n\n" + b"z" * 8 + b">From q\n" + b"z" * 8
        + b"From r\n",  # mid-line text is neither a separator nor unquoted
        b"Subject: t\n\nbody\n",  # the long From line is dropped whole
    ]


def test_dangling_link_is_reported_fifo_is_not_a_message(tmp_path: Path):
    import os

    (tmp_path / "a.eml").write_bytes(dsn())
    os.symlink(tmp_path / "gone.eml", tmp_path / "link.eml")
    os.mkfifo(tmp_path / "pipe")
    result, lines = run([str(tmp_path)])
    assert result.exit_code == 1
    assert [Path(d["source"]).name for d in lines] == ["a.eml", "link.eml"]
    assert lines[1]["error"].startswith("cannot read")


# -- reading a small file from memory (the shortcut) is reading it as a stream -------------------

SNIFF_LINE = st.one_of(
    LINE, st.sampled_from([b"From x Mon", b"From x\r", b"\r", b">From y\r", b"Fro", b"PK"]))


def _as_tuples(items):
    return [(i.source, i.data, i.message, i.error, i.notes, i.size) for i in items]


@settings(max_examples=300, deadline=None)
@given(st.lists(SNIFF_LINE, max_size=12), st.sampled_from([b"\n", b"\r\n"]),
       st.booleans(), st.sampled_from(["m.eml", "m.msg", "mbox"]))
def test_memory_items_read_as_the_stream_reader_does(lines, eol, last_eol, name):
    data = eol.join(lines) + (eol if last_eol and lines else b"")
    if data[:2] in (b"\x1f\x8b", b"PK"):  # archives are always read as streams
        return
    stream = io.BufferedReader(io.BytesIO(data))
    general = _as_tuples(archive._sniffed_items("s", stream, name, allow_zip=True))
    assert _as_tuples(archive._memory_items("s", data, name)) == general


@pytest.mark.parametrize("folder", [".", "/", "//", "a", "a/b", "/a/b", "..", "../x"])
def test_join_spells_paths_as_pathlib(folder):
    assert archive._join(str(Path(folder)), "n.eml") == str(Path(folder) / "n.eml")


def _odd_inputs(root: Path) -> None:
    import os

    msg = dsn("a@example.org")
    (root / "sub").mkdir()
    for name, data in {
        "plain.eml": msg, "empty.eml": b"", "fro.eml": b"Fro", "from-only": b"From x",
        "one.mbox": b"From x\n" + msg + b"\n", "two.mbox": mbox(msg, msg),
        "quoted.mbox": b"From x\n" + msg + b">From q\n", "big.eml": msg + b"x" * 70_000,
        "a.gz": gzip.compress(mbox(msg, msg)), "bad.gz": gzip.compress(msg)[:40],
        "PK.eml": b"PKzip? no\n", "n.msg": msg, "sub/x.eml": msg,
    }.items():
        (root / name).write_bytes(data)
    box = io.BytesIO()
    with zipfile.ZipFile(box, "w") as z:
        z.writestr("m1.eml", msg)
        z.writestr("m2.mbox", mbox(msg, msg))
    (root / "z.zip").write_bytes(box.getvalue())
    os.symlink(root / "plain.eml", root / "link.eml")
    os.symlink(root / "gone.eml", root / "dangling.eml")


@pytest.mark.skipif(sys.platform == "win32", reason="symbolic links")
def test_files_read_whole_give_what_the_buffered_stream_gives(tmp_path: Path, monkeypatch):
    _odd_inputs(tmp_path)
    whole = _as_tuples(iter_messages([str(tmp_path)]))
    monkeypatch.setattr(archive, "WHOLE_READ", 1)  # every file through the stream path
    assert _as_tuples(iter_messages([str(tmp_path)])) == whole
    assert len(whole) == 20 and sum(bool(i[3]) for i in whole) == 3


@pytest.mark.skipif(sys.platform == "win32", reason="named pipes")
@pytest.mark.parametrize("payload", [b"", dsn(), mbox(dsn(), dsn()), dsn() * 5000,
                                     gzip.compress(mbox(dsn(), dsn()))])
def test_a_named_pipe_is_read_like_a_file(tmp_path: Path, payload: bytes):
    import os
    import threading

    (tmp_path / "f").write_bytes(payload)
    expected = [(d, m, e, n) for _, d, m, e, n, _ in _as_tuples(iter_messages([str(tmp_path / "f")]))]
    os.mkfifo(tmp_path / "p")

    def write() -> None:
        with open(tmp_path / "p", "wb") as f:
            for k in range(0, len(payload), 4000):  # in several writes: short reads
                f.write(payload[k:k + 4000])
                f.flush()

    t = threading.Thread(target=write)
    t.start()
    got = [(d, m, e, n) for _, d, m, e, n, _ in _as_tuples(iter_messages([str(tmp_path / "p")]))]
    t.join()
    assert got == expected


@pytest.mark.skipif(sys.platform == "win32", reason="symbolic links")
def test_own_output_is_skipped_by_name_and_through_a_link(tmp_path: Path):
    import os

    (tmp_path / "a.eml").write_bytes(dsn())
    (tmp_path / "out.jsonl").write_bytes(b"")
    os.symlink(tmp_path / "out.jsonl", tmp_path / "b-link")
    os.symlink(tmp_path / "a.eml", tmp_path / "c-link.eml")
    got = [Path(i.source).name for i in iter_messages([str(tmp_path)],
                                                      skip=[str(tmp_path / "out.jsonl")])]
    assert got == ["a.eml", "c-link.eml"]
    got = [Path(i.source).name for i in iter_messages([str(tmp_path / "b-link")],
                                                      skip=[str(tmp_path / "out.jsonl")])]
    assert got == []
