"""Where batch messages come from: files, folders, mbox, Maildir, .gz, .zip, .msg, stdin.

:func:`iter_messages` turns the paths a user named into a stream of :class:`Item` objects,
one per message, in a stable order (paths as given; folders walked sorted). Archives are
streamed: an mbox is cut into messages while it is read, so a 1 GB file never sits in
memory whole, and no message is held beyond :data:`MAX_MESSAGE_BYTES`. Anything that
cannot be read still yields one Item with ``error`` set, so that the batch report can
count it: nothing is skipped silently.
"""

from __future__ import annotations

import gzip
import os
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from .ingest.decode import MAX_INPUT_BYTES
from .outlook_msg import OLE_MAGIC, MsgError, msg_to_rfc822

#: A message bigger than this is cut while it is read (the rest is skipped, with a note).
MAX_MESSAGE_BYTES = MAX_INPUT_BYTES
#: mbox lines are read in pieces of at most this many bytes (a "From " separator or a
#: ">From " quote is recognised from the first piece of its line).
LINE_PIECE = 1 << 16
#: Zip members larger than this (uncompressed) are not read (zip bombs).
MAX_ZIP_MEMBER_BYTES = 1 << 30

#: Files a mail program keeps beside the messages; they are not messages.
_MAILDIR_CLUTTER = ("dovecot", "courierimap", "maildirfolder", "maildirsize", "subscriptions",
                    ".", "tmp")


@dataclass(slots=True)
class Item:
    """One input message (or one input that could not be read)."""

    source: str  # the path as the user would recognise it ("-" for stdin)
    data: bytes = b""
    message: int | None = None  # 1-based position inside an mbox, None for a one-message file
    error: str | None = None  # why it could not be read; data is empty then
    notes: list[str] = field(default_factory=list)
    size: int = 0  # bytes consumed from the input, for the progress bar


class ReadError(Exception):
    """An input that cannot be read at all; the message is one line."""


# -- mbox -----------------------------------------------------------------------------------


def _unquote(line: bytes) -> bytes:
    """mboxrd: a body line ``>From `` (any number of ``>``) loses one ``>``."""
    if line[:1] == b">" and line.lstrip(b">").startswith(b"From "):
        return line[1:]
    return line


def split_mbox_stream(lines: Iterable[bytes]) -> Iterator[tuple[bytes, list[str]]]:
    """Messages of an mbox stream as (bytes, notes), read line by line.

    A message starts at a ``From `` line at the start of the stream or after a blank line
    (the mbox convention); the ``From `` line itself is dropped and ``>From `` quoting is
    undone. A stream that does not start with ``From `` is one message. Messages are cut
    at :data:`MAX_MESSAGE_BYTES` (with a note), so memory stays bounded.
    """
    buf: list[bytes] = []
    size = 0
    cut = False
    blank_before = True
    started = False
    first = True
    line_start = True  # a piece longer than a read is continued by the next one
    in_separator = False  # the rest of a long "From " line is dropped with it
    for line in lines:
        at_start, line_start = line_start, line.endswith(b"\n")
        if in_separator:
            in_separator = not line_start
            continue
        if first:
            first = False
            started = line.startswith(b"From ")
            if started:
                blank_before = False
                in_separator = not line_start
                continue
        elif started and blank_before and at_start and line.startswith(b"From "):
            yield _finish(buf, size, cut)
            buf, size, cut = [], 0, False
            blank_before = False
            in_separator = not line_start
            continue
        if started:
            blank_before = at_start and line in (b"\n", b"\r\n")
            if at_start:
                line = _unquote(line)
        if size + len(line) > MAX_MESSAGE_BYTES:
            cut = True
            size += len(line)
            continue
        buf.append(line)
        size += len(line)
    if not first:
        yield _finish(buf, size, cut, started)


def _pieces(stream: BinaryIO) -> Iterator[bytes]:
    """Lines of ``stream``, a line longer than :data:`LINE_PIECE` in several pieces (so that
    a file without line breaks never sits in memory whole)."""
    return iter(lambda: stream.readline(LINE_PIECE), b"")


def _finish(buf: list[bytes], size: int, cut: bool, mbox: bool = True) -> tuple[bytes, list[str]]:
    notes = []
    if cut:
        notes.append(f"message is {size} bytes; only the first {MAX_MESSAGE_BYTES} were read")
    data = b"".join(buf)
    # the blank line that separates messages belongs to the mbox, not to the message
    if not mbox:
        pass
    elif data.endswith(b"\n\n"):
        data = data[:-1]
    elif data.endswith(b"\r\n\r\n"):
        data = data[:-2]
    return data, notes


def _stream_items(source: str, stream: BinaryIO) -> Iterator[Item]:
    """Items of one stream: one message, or every message of an mbox."""
    head = stream.peek(5)[:5] if hasattr(stream, "peek") else b""
    if head and head[:5] != b"From "[: len(head[:5])]:
        # the common case, one message per file: read it at once (bounded)
        data = _read_bounded(stream, MAX_MESSAGE_BYTES + 1)
        notes = []
        if len(data) > MAX_MESSAGE_BYTES:
            data = data[:MAX_MESSAGE_BYTES]
            notes.append(f"message is larger than {MAX_MESSAGE_BYTES} bytes; "
                         "only the first part was read")
        yield Item(source, data, notes=notes, size=len(data))
        return
    messages = split_mbox_stream(_pieces(stream))
    first = next(messages, None)
    if first is None:
        yield Item(source, b"", size=0)  # an empty file: diagnose says "input is empty"
        return
    second = next(messages, None)
    if second is None:
        yield Item(source, first[0], notes=first[1], size=len(first[0]))
        return
    k = 1
    for data, notes in _chain(first, second, messages):
        yield Item(source, data, message=k, notes=notes, size=len(data))
        k += 1


def _read_bounded(stream: BinaryIO, limit: int) -> bytes:
    """At most ``limit`` bytes, without asking for (and allocating) ``limit`` at once."""
    chunks = []
    total = 0
    while total < limit:
        chunk = stream.read(min(1 << 20, limit - total))
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def _chain(a, b, rest):
    yield a
    yield b
    yield from rest


# -- files and folders ------------------------------------------------------------------------


def is_maildir(path: Path) -> bool:
    return (path / "cur").is_dir() and (path / "new").is_dir()


def iter_files(paths: Iterable[str]) -> Iterator[Path]:
    """Files named, and files under folders named (recursive, sorted, hidden ones skipped).

    In a Maildir only ``cur/`` and ``new/`` (and Maildir++ ``.Folder`` subfolders) are read:
    ``tmp/`` holds half-delivered messages and the rest is the mail program's bookkeeping.
    """
    for p in paths:
        path = Path(p)
        if path.is_dir():
            yield from _walk_dir(path)
        else:
            yield path


def _walk_dir(path: Path) -> Iterator[Path]:
    try:
        entries = sorted(os.scandir(path), key=lambda e: e.name)
    except OSError:
        yield path  # reported as unreadable by read_path
        return
    if is_maildir(path):
        for sub in ("cur", "new"):
            yield from _walk_dir(path / sub)
        for e in entries:
            if e.name.startswith(".") and e.is_dir() and is_maildir(Path(e.path)):
                yield from _walk_dir(Path(e.path))
        return
    for e in entries:
        if e.name.startswith("."):
            continue
        if e.is_dir(follow_symlinks=False):
            yield from _walk_dir(Path(e.path))
        elif e.is_file():
            if path.name in ("cur", "new") and e.name.startswith(_MAILDIR_CLUTTER):
                continue
            yield Path(e.path)
        elif e.is_symlink() and not os.path.exists(e.path):
            yield Path(e.path)  # a dangling link: reported as unreadable, not skipped
        # anything else (a FIFO, a socket, a device) is not a message file


def read_path(path: Path, source: str | None = None) -> Iterator[Item]:
    """Every message in one file (plain, mbox, .gz, .zip, .msg); errors become Items."""
    src = source or str(path)
    try:
        with open(path, "rb") as f:
            yield from _sniffed_items(src, f, path.name, allow_zip=True)
    except IsADirectoryError:
        try:  # a folder we were not allowed to list comes here: say why
            os.listdir(path)
            yield Item(src, error="cannot read: is a directory")
        except OSError as e:
            yield Item(src, error=f"cannot read folder: {e.strerror or e}")
    except OSError as e:
        yield Item(src, error=f"cannot read: {e.strerror or e}")


def _sniffed_items(source: str, f: BinaryIO, name: str, allow_zip: bool) -> Iterator[Item]:
    """Items of a stream whose kind is told by its first bytes (or a .msg file name)."""
    head = f.peek(8)[:8] if hasattr(f, "peek") else b""
    if head.startswith(b"\x1f\x8b"):
        yield from _gzip_items(source, f)
    elif head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        if allow_zip:
            yield from _zip_items(source, f)
        else:
            yield Item(source, error="cannot read: zip archives inside archives are not read")
    elif head.startswith(OLE_MAGIC) or name.lower().endswith(".msg"):
        yield _msg_item(source, _read_bounded(f, MAX_MESSAGE_BYTES + 1))
    else:
        yield from _stream_items(source, f)


def _gzip_items(source: str, f: BinaryIO) -> Iterator[Item]:
    count = 0
    try:
        with gzip.open(f, "rb") as g:
            for item in _stream_items(source, g):
                count += 1
                yield item
    except (OSError, EOFError, zlib.error) as e:
        yield Item(source, message=count + 1 if count else None,
                   error=f"cannot read: corrupt gzip data after {count} message(s) ({e})")


def _zip_items(source: str, f: BinaryIO) -> Iterator[Item]:
    try:
        zf = zipfile.ZipFile(f)
        members = [m for m in zf.infolist() if not m.is_dir()]
    except (zipfile.BadZipFile, OSError, ValueError) as e:
        yield Item(source, error=f"cannot read: not a readable zip file ({e})")
        return
    with zf:
        for m in members:
            name = f"{source}!{m.filename}"
            base = m.filename.rsplit("/", 1)[-1]
            if base.startswith(".") or m.filename.startswith("__MACOSX/"):
                continue
            if m.file_size > MAX_ZIP_MEMBER_BYTES:
                yield Item(name, error=f"cannot read: zip member is {m.file_size} bytes")
                continue
            count = 0
            try:
                with zf.open(m) as member:
                    for item in _sniffed_items(name, member, base, allow_zip=False):
                        count += 1
                        yield item
            except (zipfile.BadZipFile, OSError, EOFError, zlib.error, RuntimeError,
                    NotImplementedError) as e:
                yield Item(name, message=count + 1 if count else None,
                           error=f"cannot read: corrupt zip member ({e})")


def _msg_item(source: str, data: bytes) -> Item:
    try:
        return Item(source, msg_to_rfc822(data), size=len(data))
    except MsgError as e:
        return Item(source, error=str(e), size=len(data))


def iter_messages(paths: Iterable[str], stdin: BinaryIO | None = None,
                  skip: Iterable[str] = ()) -> Iterator[Item]:
    """Every message of every input named; ``-`` is an mbox stream on ``stdin``.

    Files in ``skip`` (the run's own output file) are not read.
    """
    skipped = {os.path.realpath(p) for p in skip}
    skipped_names = {os.path.basename(p) for p in skipped}
    for p in paths:
        if p == "-":
            if stdin is None:
                yield Item("-", error="cannot read: no standard input")
                continue
            yield from _stream_items("-", stdin)
            continue
        for path in iter_files([p]):
            # (realpath costs several system calls: only for a name or link that could match)
            if skipped and (path.name in skipped_names or path.is_symlink()) and \
                    os.path.realpath(path) in skipped:
                continue
            yield from read_path(path)


def total_bytes(paths: Iterable[str]) -> int | None:
    """Sum of the sizes of the files named (for a progress bar); None when unknown."""
    total = 0
    for p in paths:
        if p == "-":
            return None
        for path in iter_files([p]):
            try:
                total += path.stat().st_size
            except OSError:
                pass
    return total
