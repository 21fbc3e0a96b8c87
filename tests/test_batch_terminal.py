"""`mailcheck batch` under a real pseudo-terminal: the default format and the progress bar.

docs/batch.md: `--format summary` is the default when standard output is a terminal, jsonl
otherwise (a pipe, a file, `-o FILE`); the progress bar is drawn on standard error when
standard error is a terminal, and nothing is written there otherwise. These run the real
command in a child process whose stdout / stderr are the slave side of `os.openpty()`.
"""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
from pathlib import Path

import pytest

from .batch_messages import dsn, received

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pty")

SUMMARY_MARK = "Messages: 3  (analysed 3, could not be read 0)"


def archive(root: Path) -> Path:
    (root / "in").mkdir()
    (root / "in" / "a.eml").write_bytes(dsn("one@example.org"))
    (root / "in" / "b.eml").write_bytes(received())
    (root / "in" / "c.eml").write_bytes(dsn("two@example.org", status="4.2.2",
                                            diagnostic="452 4.2.2 Mailbox full"))
    return root / "in"


def run(args: list[str], stdout_tty: bool, stderr_tty: bool, tmp_path: Path,
        ) -> tuple[int, str, str]:
    """Run `mailcheck batch ARGS`; each of stdout / stderr is a pty or a pipe."""
    ptys = {}
    targets = {}
    for name, tty in (("stdout", stdout_tty), ("stderr", stderr_tty)):
        if tty:
            master, slave = os.openpty()
            ptys[name] = (master, slave)
            targets[name] = slave
        else:
            targets[name] = subprocess.PIPE
    env = {**os.environ, "TERM": "xterm", "COLUMNS": "100"}
    env.pop("NO_COLOR", None)
    proc = subprocess.Popen([sys.executable, "-m", "mailcheck", "batch", "--jobs", "1", *args],
                            stdin=subprocess.DEVNULL, stdout=targets["stdout"],
                            stderr=targets["stderr"], env=env, cwd=tmp_path)
    for _, slave in ptys.values():
        os.close(slave)  # the child holds its own copy; EOF (EIO) comes when it exits
    out: dict[str, bytearray] = {"stdout": bytearray(), "stderr": bytearray()}
    readers = {master: name for name, (master, _) in ptys.items()}
    for name in ("stdout", "stderr"):
        pipe = getattr(proc, name)
        if pipe is not None:
            readers[pipe.fileno()] = name
    while readers:
        ready, _, _ = select.select(list(readers), [], [], 60)
        assert ready, "mailcheck batch produced nothing for 60 s"
        for fd in ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:  # EIO: the pty's slave side is closed
                chunk = b""
            if chunk:
                out[readers[fd]] += chunk
            else:
                del readers[fd]
    code = proc.wait(timeout=60)
    for master, _ in ptys.values():
        os.close(master)
    text = {k: v.decode("utf-8", "replace").replace("\r\n", "\n") for k, v in out.items()}
    return code, text["stdout"], text["stderr"]


def is_jsonl(text: str, n: int) -> bool:
    lines = [x for x in text.splitlines() if x.strip()]
    return len(lines) == n and all(json.loads(x)["schema"] == 1 for x in lines)


def test_summary_is_the_default_on_a_terminal(tmp_path: Path):
    code, out, _ = run([str(archive(tmp_path))], stdout_tty=True, stderr_tty=False,
                       tmp_path=tmp_path)
    assert code == 0
    assert SUMMARY_MARK in out and "Top findings" in out
    assert '"schema"' not in out


def test_jsonl_is_the_default_when_stdout_is_a_pipe(tmp_path: Path):
    code, out, _ = run([str(archive(tmp_path))], stdout_tty=False, stderr_tty=False,
                       tmp_path=tmp_path)
    assert code == 0
    assert is_jsonl(out, 3)


def test_jsonl_is_the_default_with_output_file_even_on_a_terminal(tmp_path: Path):
    src = archive(tmp_path)
    code, out, _ = run([str(src), "-o", "result.out"], stdout_tty=True, stderr_tty=False,
                       tmp_path=tmp_path)
    assert code == 0 and out == ""
    assert is_jsonl((tmp_path / "result.out").read_text(), 3)


def test_jsonl_is_the_default_when_stdout_is_a_file(tmp_path: Path):
    src = archive(tmp_path)
    with open(tmp_path / "redirected.out", "wb") as f:
        proc = subprocess.run([sys.executable, "-m", "mailcheck", "batch", "--jobs", "1",
                               str(src)], stdout=f, stderr=subprocess.PIPE,
                              stdin=subprocess.DEVNULL, cwd=tmp_path, timeout=120)
    assert proc.returncode == 0 and proc.stderr == b""
    assert is_jsonl((tmp_path / "redirected.out").read_text(), 3)


def test_explicit_format_wins_on_a_terminal(tmp_path: Path):
    code, out, _ = run([str(archive(tmp_path)), "--format", "jsonl"], stdout_tty=True,
                       stderr_tty=False, tmp_path=tmp_path)
    assert code == 0 and is_jsonl(out, 3)


def test_progress_bar_on_stderr_when_stderr_is_a_terminal(tmp_path: Path):
    code, out, err = run([str(archive(tmp_path))], stdout_tty=False, stderr_tty=True,
                         tmp_path=tmp_path)
    assert code == 0
    assert "Analysing" in err and "100%" in err
    assert is_jsonl(out, 3)  # the bar never mixes into the output


def test_progress_bar_silent_when_stderr_is_not_a_terminal(tmp_path: Path):
    code, out, err = run([str(archive(tmp_path))], stdout_tty=True, stderr_tty=False,
                         tmp_path=tmp_path)
    assert code == 0 and SUMMARY_MARK in out
    assert err == ""
    assert "Analysing" not in out
