"""Where batch messages come from: files, folders, mbox, Maildir, .gz, .zip, .msg, stdin.

:func:`iter_messages` turns the paths a user named into a stream of :class:`Item` objects,
one per message, in a stable order (paths as given; folders walked sorted). Archives are
streamed: an mbox is cut into messages while it is read, so a 1 GB file never sits in
memory whole, and no message is held beyond :data:`MAX_MESSAGE_BYTES`. Anything that
cannot be read still yields one Item with ``error`` set, so that the batch report can
count it: nothing is skipped silently.
"""

from __future__ import annotations

import io
import os
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from .ingest.decode import MAX_INPUT_BYTES

#: A message bigger than this is cut while it is read (the rest is skipped, with a note).
MAX_MESSAGE_BYTES = MAX_INPUT_BYTES
#: outlook_msg.OLE_MAGIC, the first bytes of a .msg file (that module, and the email parser
#: it needs, are imported only for a .msg: about 2 ms of start-up otherwise).
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
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
    yield from _mbox_items(source, stream)


def _mbox_items(source: str, stream: BinaryIO) -> Iterator[Item]:
    """Items of a stream that opens with "From " (an mbox), is empty, or is a start of
    "From " and no more (one message then)."""
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
#
# Paths are plain strings here, spelled as ``str(Path(...))`` would spell them (the source a
# user sees): a walk makes one path per file, and pathlib objects would cost more than the
# reading itself. What a folder listing already knows (file or folder, a link or not) is
# taken from its os.DirEntry rather than asked of the file system again.


def is_maildir(path: Path | str) -> bool:
    return os.path.isdir(os.path.join(path, "cur")) and os.path.isdir(os.path.join(path, "new"))


def _join(folder: str, name: str) -> str:
    """``str(Path(folder) / name)`` for a folder spelled as str(Path) spells it and a name
    without slashes: Path drops a leading "./"."""
    if folder == ".":
        return name
    return folder + name if folder.endswith("/") else f"{folder}/{name}"


def _entries(paths: Iterable[str]) -> Iterator[tuple[str, str, bool]]:
    """(path, file name, is a symbolic link) of the files :func:`iter_files` names. The
    link flag is only asked of the file system for a path named by the user (a walk has it
    from the folder listing)."""
    for p in paths:
        path = Path(p)
        if path.is_dir():
            yield from _walk_dir(str(path))
        else:
            yield str(path), path.name, path.is_symlink()


def iter_files(paths: Iterable[str]) -> Iterator[Path]:
    """Files named, and files under folders named (recursive, sorted, hidden ones skipped).

    In a Maildir only ``cur/`` and ``new/`` (and Maildir++ ``.Folder`` subfolders) are read:
    ``tmp/`` holds half-delivered messages and the rest is the mail program's bookkeeping.
    """
    for path, _, _ in _entries(paths):
        yield Path(path)


def _walk_dir(path: str) -> Iterator[tuple[str, str, bool]]:
    try:
        entries = sorted(os.scandir(path), key=lambda e: e.name)
    except OSError:
        yield path, os.path.basename(path), os.path.islink(path)  # reported by read_path
        return
    if is_maildir(path):
        for sub in ("cur", "new"):
            yield from _walk_dir(_join(path, sub))
        for e in entries:
            if e.name.startswith(".") and e.is_dir() and is_maildir(e.path):
                yield from _walk_dir(_join(path, e.name))
        return
    maildir_leaf = os.path.basename(path) in ("cur", "new")
    for e in entries:
        name = e.name
        if name.startswith("."):
            continue
        if e.is_dir(follow_symlinks=False):
            yield from _walk_dir(_join(path, name))
        elif e.is_file():
            if maildir_leaf and name.startswith(_MAILDIR_CLUTTER):
                continue
            yield _join(path, name), name, e.is_symlink()
        elif e.is_symlink() and not os.path.exists(e.path):
            yield _join(path, name), name, True  # a dangling link: reported, not skipped
        # anything else (a FIFO, a socket, a device) is not a message file


#: A file is first read in one piece of this many bytes; a message file is most often
#: smaller, and is then handled from memory (two reads, no buffered stream). Kept below
#: malloc's mmap threshold so that the read buffer is cheap to allocate, and far below
#: MAX_MESSAGE_BYTES (a file read whole needs no cut).
WHOLE_READ = 1 << 16
_O_READ = os.O_RDONLY | getattr(os, "O_BINARY", 0)  # (Windows would translate line ends)


def read_path(path: Path | str, source: str | None = None) -> Iterator[Item]:
    """Every message in one file (plain, mbox, .gz, .zip, .msg); errors become Items."""
    p = os.fspath(path)
    return _read_file(p, os.path.basename(p) if isinstance(path, str) else path.name,
                      source or str(path))


def _read_file(path: str, name: str, src: str) -> Iterator[Item]:
    try:
        data, stream = _open(path)
        if stream is None:
            yield from _memory_items(src, data, name)
            return
        with stream:
            yield from _sniffed_items(src, stream, name, allow_zip=True)
    except IsADirectoryError:
        try:  # a folder we were not allowed to list comes here: say why
            os.listdir(path)
            yield Item(src, error="cannot read: is a directory")
        except OSError as e:
            yield Item(src, error=f"cannot read folder: {e.strerror or e}")
    except OSError as e:
        yield Item(src, error=f"cannot read: {e.strerror or e}")


def _open(path: str) -> tuple[bytes, BinaryIO | None]:
    """(the whole file, None) when it is shorter than :data:`WHOLE_READ` and no archive;
    else (b"", a buffered stream of it from its start), which the caller closes. Gzip and
    zip files are always read from the stream (zipfile seeks in the file)."""
    fd = os.open(path, _O_READ)
    owned = False  # once a FileIO holds fd, closing is its business
    try:
        data = os.read(fd, WHOLE_READ)  # (a folder raises IsADirectoryError here)
        if len(data) < WHOLE_READ:
            more = os.read(fd, 1)  # (1: nothing to allocate for the usual empty answer)
            if not more and data[:2] not in (b"\x1f\x8b", b"PK"):
                return data, None  # the second read met the end: all of it is here
            data += more
        raw = io.FileIO(fd, "rb")
        owned = True
        try:
            return b"", _reopened(raw, data)
        except BaseException:
            raw.close()
            raise
    finally:
        if not owned:
            os.close(fd)


def _memory_items(source: str, data: bytes, name: str) -> Iterator[Item] | tuple[Item]:
    """:func:`_sniffed_items` of a whole file already read (shorter than MAX_MESSAGE_BYTES
    and LINE_PIECE, not gzip or zip), without a stream for the common one-message file."""
    if data.startswith(OLE_MAGIC) or name.lower().endswith(".msg"):
        return (_msg_item(source, data),)
    if data and data[:5] != b"From "[: len(data[:5])]:
        return (Item(source, data, size=len(data)),)  # as _stream_items reads it
    if data[:5] == b"From " and b"\nFrom " not in data and b"\n>" not in data:
        # An mbox of one message with no quoted ">From " line: what split_mbox_stream
        # makes of it is the text after the "From " line, without a closing blank line.
        cut = data.find(b"\n")
        body = data[cut + 1:] if cut >= 0 else b""
        body, _ = _finish([body], len(body), False)  # (no cut: the file is short)
        return (Item(source, body, size=len(body)),)
    return _mbox_items(source, io.BytesIO(data))


def _reopened(raw: io.FileIO, read: bytes) -> io.BufferedReader:
    """A buffered stream of the whole file, of which ``raw`` has already given ``read``."""
    if raw.seekable():  # a file: start again
        raw.seek(0)
        return io.BufferedReader(raw)
    return io.BufferedReader(_Prefixed(read, raw))  # a pipe: what was read, then the rest


class _Prefixed(io.RawIOBase):
    """A raw stream that gives ``prefix`` and then what ``raw`` gives (not seekable)."""

    def __init__(self, prefix: bytes, raw: io.FileIO):
        self._prefix = memoryview(prefix)
        self._raw = raw

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if self._prefix:
            n = min(len(buffer), len(self._prefix))
            buffer[:n] = self._prefix[:n]
            self._prefix = self._prefix[n:]
            return n
        return self._raw.readinto(buffer)

    def close(self) -> None:
        try:
            self._raw.close()
        finally:
            super().close()


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
    import gzip  # (here: most runs read no archive)

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
    import zipfile  # (here: most runs read no archive)

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
    from .outlook_msg import MsgError, msg_to_rfc822

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
        for path, name, link in _entries([p]):
            # (realpath costs several system calls: only for a name or link that could match)
            if skipped and (name in skipped_names or link) and \
                    os.path.realpath(path) in skipped:
                continue
            yield from _read_file(path, name, path)


def total_bytes(paths: Iterable[str]) -> int | None:
    """Sum of the sizes of the files named (for a progress bar); None when unknown."""
    total = 0
    for p in paths:
        if p == "-":
            return None
        for path, _, _ in _entries([p]):
            try:
                total += os.stat(path).st_size
            except OSError:
                pass
    return total
