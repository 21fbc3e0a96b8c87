"""Outlook .msg files built in code, for the tests that read them through extract-msg.

Written from the public specifications, not from any library:

- [MS-CFB] Compound File Binary format, version 3 (512-byte sectors): a 512-byte header
  with the first 109 DIFAT entries, the FAT, the directory (128-byte entries whose
  siblings form a tree ordered by name length, then by upper-cased name; every node is
  black, which the spec allows), and the mini stream (64-byte mini sectors, chained by the
  mini FAT) that holds every stream shorter than the 4,096-byte cutoff.
- [MS-OXMSG] the .msg layout on top of it: a ``__properties_version1.0`` stream per object
  (a 32-byte header for the top-level message, 24 for an embedded message, 8 for a
  recipient or an attachment, then one 16-byte entry per property), one
  ``__substg1.0_TTTTTTTT`` stream per variable-length property, ``__recip_version1.0_#N``
  and ``__attach_version1.0_#N`` storages, and the ``__nameid_version1.0`` storage.

``outlook_message(...)`` builds the common case; ``cfb(tree)`` and ``message_tree(...)`` are
there for tests that need something unusual (a damaged file, ANSI strings).
"""

from __future__ import annotations

import datetime as dt
import struct
from dataclasses import dataclass, field

SECTOR = 512
MINI_SECTOR = 64
MINI_CUTOFF = 4096
FREESECT, ENDOFCHAIN, FATSECT = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD
NOSTREAM = 0xFFFFFFFF
SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
#: CLSID of the root storage of an Outlook message ({00020D0B-0000-0000-C000-000000000046}).
MSG_CLSID = bytes.fromhex("0b0d020000000000c000000000000046")

# property types ([MS-OXCDATA] 2.11.1)
PT_LONG, PT_BOOLEAN, PT_OBJECT = 0x0003, 0x000B, 0x000D
PT_STRING8, PT_UNICODE, PT_SYSTIME, PT_BINARY = 0x001E, 0x001F, 0x0040, 0x0102

# property tags used below (id << 16 | type)
PR_MESSAGE_CLASS = 0x001A001F
PR_SUBJECT = 0x0037001F
PR_CLIENT_SUBMIT_TIME = 0x00390040
PR_TRANSPORT_MESSAGE_HEADERS = 0x007D001F
PR_SENDER_NAME = 0x0C1A001F
PR_SENDER_EMAIL_ADDRESS = 0x0C1F001F
PR_DISPLAY_TO = 0x0E04001F
PR_MESSAGE_DELIVERY_TIME = 0x0E060040
PR_MESSAGE_FLAGS = 0x0E070003
PR_BODY = 0x1000001F
PR_HTML = 0x10130102
PR_STORE_SUPPORT_MASK = 0x340D0003
PR_MESSAGE_CODEPAGE = 0x3FFD0003
PR_INTERNET_CPID = 0x3FDE0003
PR_SENDER_SMTP_ADDRESS = 0x5D01001F
# recipients
PR_RECIPIENT_TYPE = 0x0C150003
PR_DISPLAY_NAME = 0x3001001F
PR_ADDRTYPE = 0x3002001F
PR_EMAIL_ADDRESS = 0x3003001F
PR_SMTP_ADDRESS = 0x39FE001F
# attachments
PR_ATTACH_NUM = 0x0E210003
PR_ATTACH_DATA = 0x37010102
PR_ATTACH_DATA_OBJ = 0x3701000D
PR_ATTACH_FILENAME = 0x3704001F
PR_ATTACH_METHOD = 0x37050003
PR_ATTACH_LONG_FILENAME = 0x3707001F
PR_ATTACH_MIME_TAG = 0x370E001F
ATTACH_BY_VALUE, ATTACH_EMBEDDED_MSG = 1, 5

STORE_UNICODE_OK = 0x00040000
MSGFLAG_READ = 0x01
PROPATTR_READABLE_WRITABLE = 0x02 | 0x04


# --- [MS-CFB] ------------------------------------------------------------------------------


def _sort_key(name: str) -> tuple[int, str]:
    # shorter names first, then code unit by code unit, upper-cased ([MS-CFB] 2.6.4)
    return (len(name.encode("utf-16-le")), "".join(c.upper() if len(c.upper()) == 1 else c
                                                   for c in name))


@dataclass
class _Entry:
    name: str
    kind: int  # 1 storage, 2 stream, 5 root
    data: bytes = b""
    clsid: bytes = b"\0" * 16
    left: int = NOSTREAM
    right: int = NOSTREAM
    child: int = NOSTREAM
    start: int = ENDOFCHAIN
    size: int = 0
    children: list[int] = field(default_factory=list)


def _flatten(tree: dict, entries: list[_Entry], parent: int) -> None:
    ids = []
    for name in sorted(tree, key=_sort_key):
        if len(name) > 31:
            raise ValueError(f"CFB names have at most 31 characters: {name!r}")
        value = tree[name]
        entries.append(_Entry(name, 1 if isinstance(value, dict) else 2,
                              b"" if isinstance(value, dict) else bytes(value)))
        ids.append(len(entries) - 1)
        if isinstance(value, dict):
            _flatten(value, entries, ids[-1])
    entries[parent].child = _balanced(ids, entries)


def _balanced(ids: list[int], entries: list[_Entry]) -> int:
    """The root of a balanced binary search tree over ids (already in sibling order)."""
    if not ids:
        return NOSTREAM
    mid = len(ids) // 2
    node = entries[ids[mid]]
    node.left = _balanced(ids[:mid], entries)
    node.right = _balanced(ids[mid + 1:], entries)
    return ids[mid]


def _chain(fat: list[int], first: int, count: int) -> None:
    for i in range(count):
        fat[first + i] = first + i + 1 if i + 1 < count else ENDOFCHAIN


def cfb(tree: dict, root_clsid: bytes = MSG_CLSID) -> bytes:
    """A version 3 compound file: ``tree`` maps names to bytes (streams) or dicts (storages)."""
    entries = [_Entry("Root Entry", 5, clsid=root_clsid)]
    _flatten(tree, entries, 0)

    # small streams go into the mini stream, one run of 64-byte mini sectors each
    mini = bytearray()
    minifat: list[int] = []
    big: list[_Entry] = []
    for e in entries:
        if e.kind != 2:
            continue
        e.size = len(e.data)
        if e.size == 0:
            e.start = ENDOFCHAIN
        elif e.size < MINI_CUTOFF:
            n = -(-e.size // MINI_SECTOR)
            e.start = len(minifat)
            minifat.extend([0] * n)
            _chain(minifat, e.start, n)
            mini += e.data.ljust(n * MINI_SECTOR, b"\0")
        else:
            big.append(e)

    def sectors(n_bytes: int) -> int:
        return -(-n_bytes // SECTOR)

    n_mini = sectors(len(mini))
    n_big = [sectors(e.size) for e in big]
    n_minifat = sectors(len(minifat) * 4)
    n_dir = sectors(len(entries) * 128)
    content = n_mini + sum(n_big) + n_minifat + n_dir
    n_fat = 1
    while n_fat * (SECTOR // 4) < content + n_fat:
        n_fat += 1
    if n_fat > 109:
        raise ValueError("too large for a header-only DIFAT (the tests never need one)")

    fat = [FREESECT] * (n_fat * SECTOR // 4)
    at = 0
    mini_start = at if n_mini else ENDOFCHAIN
    _chain(fat, at, n_mini)
    at += n_mini
    for e, n in zip(big, n_big, strict=True):
        e.start = at
        _chain(fat, at, n)
        at += n
    minifat_start = at if n_minifat else ENDOFCHAIN
    _chain(fat, at, n_minifat)
    at += n_minifat
    dir_start = at
    _chain(fat, at, n_dir)
    at += n_dir
    fat_sectors = list(range(at, at + n_fat))
    for s in fat_sectors:
        fat[s] = FATSECT

    root = entries[0]
    root.start, root.size = mini_start, len(mini)

    body = bytearray()
    body += bytes(mini).ljust(n_mini * SECTOR, b"\0")
    for e, n in zip(big, n_big, strict=True):
        body += e.data.ljust(n * SECTOR, b"\0")
    minifat_bytes = struct.pack(f"<{len(minifat)}I", *minifat)
    body += minifat_bytes.ljust(n_minifat * SECTOR, b"\xff")  # unused entries: FREESECT
    directory = b"".join(_dir_entry(e) for e in entries)
    unused = _dir_entry(_Entry("", 0, start=0))
    body += directory + unused * (n_dir * (SECTOR // 128) - len(entries))
    body += struct.pack(f"<{len(fat)}I", *fat)

    difat = fat_sectors + [FREESECT] * (109 - n_fat)
    header = (SIGNATURE + b"\0" * 16
              + struct.pack("<HHHHH", 0x003E, 0x0003, 0xFFFE, 9, 6) + b"\0" * 6
              + struct.pack("<IIIIIIIII", 0, n_fat, dir_start, 0, MINI_CUTOFF,
                            minifat_start, n_minifat, ENDOFCHAIN, 0)
              + struct.pack("<109I", *difat))
    assert len(header) == SECTOR
    return header + bytes(body)


def _dir_entry(e: _Entry) -> bytes:
    name = (e.name + "\0").encode("utf-16-le") if e.name else b""
    return (name.ljust(64, b"\0") + struct.pack("<HBB", len(name), e.kind, 1)
            + struct.pack("<III", e.left, e.right, e.child) + e.clsid
            + struct.pack("<I", 0) + b"\0" * 16
            + struct.pack("<IQ", e.start, e.size))


# --- [MS-OXMSG] ----------------------------------------------------------------------------


def filetime(when: dt.datetime) -> int:
    """100-nanosecond intervals since 1601-01-01 UTC."""
    return int((when - dt.datetime(1601, 1, 1, tzinfo=dt.UTC)).total_seconds() * 10_000_000)


def properties(props: dict[int, object], header: bytes, codepage: str = "cp1252") -> dict:
    """The property stream and the variable-length value streams of one object.

    Values: str for PT_UNICODE / PT_STRING8, bytes for PT_BINARY, int for PT_LONG and
    PT_BOOLEAN, datetime for PT_SYSTIME, a dict (an object tree) for PT_OBJECT.
    """
    out: dict = {}
    stream = bytearray(header)
    for tag, value in props.items():
        ptype = tag & 0xFFFF
        name = f"__substg1.0_{tag:08X}"
        if ptype == PT_UNICODE:
            data = str(value).encode("utf-16-le")
            out[name], size = data, len(data) + 2
        elif ptype == PT_STRING8:
            data = str(value).encode(codepage)
            out[name], size = data, len(data) + 1
        elif ptype == PT_BINARY:
            out[name], size = bytes(value), len(value)  # type: ignore[arg-type]
        elif ptype == PT_OBJECT:
            out[name], size = value, 0xFFFFFFFF
        else:
            if ptype in (PT_LONG, PT_BOOLEAN):
                fixed = struct.pack("<Q", int(value))  # type: ignore[call-overload]
            elif ptype == PT_SYSTIME:
                fixed = struct.pack("<Q", filetime(value))  # type: ignore[arg-type]
            else:
                raise ValueError(f"property type {ptype:#06x} is not supported here")
            stream += struct.pack("<II", tag, PROPATTR_READABLE_WRITABLE) + fixed
            continue
        stream += struct.pack("<IIII", tag, PROPATTR_READABLE_WRITABLE, size, 0)
    out["__properties_version1.0"] = bytes(stream)
    return out


def message_tree(props: dict[int, object], recipients: list[dict[int, object]] = (),
                 attachments: list[dict[int, object]] = (), embedded: bool = False,
                 codepage: str = "cp1252") -> dict:
    """The storages and streams of a Message object (top-level or embedded)."""
    recipients, attachments = list(recipients), list(attachments)
    counts = struct.pack("<IIII", len(recipients), len(attachments), len(recipients),
                         len(attachments))
    header = b"\0" * 8 + counts + (b"" if embedded else b"\0" * 8)
    tree = properties(props, header, codepage)
    for i, r in enumerate(recipients):
        tree[f"__recip_version1.0_#{i:08X}"] = properties(r, b"\0" * 8, codepage)
    for i, a in enumerate(attachments):
        tree[f"__attach_version1.0_#{i:08X}"] = properties(a, b"\0" * 8, codepage)
    if not embedded:  # one named-property map, at the top only (empty: no named properties)
        tree["__nameid_version1.0"] = {"__substg1.0_00020102": b"",
                                       "__substg1.0_00030102": b"",
                                       "__substg1.0_00040102": b""}
    return tree


def recipient(address: str, name: str | None = None, kind: int = 1) -> dict[int, object]:
    """A recipient row: kind 1 To, 2 Cc, 3 Bcc."""
    return {PR_RECIPIENT_TYPE: kind, PR_DISPLAY_NAME: name or address, PR_ADDRTYPE: "SMTP",
            PR_EMAIL_ADDRESS: address, PR_SMTP_ADDRESS: address}


def file_attachment(filename: str, data: bytes, mime: str = "application/octet-stream",
                    num: int = 0) -> dict[int, object]:
    return {PR_ATTACH_NUM: num, PR_ATTACH_METHOD: ATTACH_BY_VALUE, PR_ATTACH_DATA: data,
            PR_ATTACH_FILENAME: filename[:12], PR_ATTACH_LONG_FILENAME: filename,
            PR_ATTACH_MIME_TAG: mime}


def embedded_attachment(message: dict, name: str = "original message",
                        num: int = 0) -> dict[int, object]:
    """An attachment that is itself a message (``message`` from message_tree(embedded=True))."""
    return {PR_ATTACH_NUM: num, PR_ATTACH_METHOD: ATTACH_EMBEDDED_MSG,
            PR_ATTACH_DATA_OBJ: message, PR_DISPLAY_NAME: name}


def outlook_message(*, message_class: str = "IPM.Note", subject: str | None = None,
                    body: str | None = None, html: bytes | None = None,
                    headers: str | None = None, sender: tuple[str, str] | None = None,
                    to: list[str] = (), date: dt.datetime | None = None,
                    attachments: list[dict[int, object]] = (), cpid: int = 65001,
                    extra: dict[int, object] | None = None) -> bytes:
    """A Unicode .msg file as Outlook saves one ("Save as" > Outlook Message Format - Unicode).

    ``headers`` is PR_TRANSPORT_MESSAGE_HEADERS: the header block of the message as it
    arrived (CRLF line ends, like Exchange stores it); ``sender`` is (name, address).
    """
    props: dict[int, object] = {
        PR_MESSAGE_CLASS: message_class,
        PR_STORE_SUPPORT_MASK: STORE_UNICODE_OK,
        PR_MESSAGE_FLAGS: MSGFLAG_READ,
        PR_INTERNET_CPID: cpid,
    }
    if subject is not None:
        props[PR_SUBJECT] = subject
    if body is not None:
        props[PR_BODY] = body
    if html is not None:
        props[PR_HTML] = html
    if headers is not None:
        props[PR_TRANSPORT_MESSAGE_HEADERS] = headers
    if sender:
        props[PR_SENDER_NAME] = sender[0]
        props[PR_SENDER_EMAIL_ADDRESS] = sender[1]
        props[PR_SENDER_SMTP_ADDRESS] = sender[1]
    if to:
        props[PR_DISPLAY_TO] = "; ".join(to)
    if date:
        props[PR_CLIENT_SUBMIT_TIME] = date
        props[PR_MESSAGE_DELIVERY_TIME] = date
    props.update(extra or {})
    return cfb(message_tree(props, [recipient(a) for a in to], attachments))
