"""Outlook ``.msg`` files (OLE compound documents) turned into RFC 5322 bytes.

Reading them needs the optional extra ``mailcheck[msg]`` (the extract-msg library). Without
it, a ``.msg`` input is reported with a one-line explanation instead of being analysed;
everything else in a batch still runs.
"""

from __future__ import annotations

import email.utils
from typing import Any

#: The first bytes of every OLE compound document (.msg, .doc, .xls...).
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

NOT_INSTALLED = ("cannot read Outlook .msg files: the optional extract-msg library is not "
                 "installed (pip install 'mailcheck[msg]')")

#: Transport headers that describe the original MIME body, which is not what we rebuild.
_BODY_HEADERS = {"content-type", "content-transfer-encoding", "mime-version"}


class MsgError(Exception):
    """A .msg input that cannot be turned into a message; the text is one line."""


def _load_library() -> Any:
    try:
        import extract_msg  # type: ignore[import-not-found]
    except ImportError:
        raise MsgError(NOT_INSTALLED) from None
    return extract_msg


def msg_to_rfc822(data: bytes) -> bytes:
    """The headers and readable body of an Outlook .msg file as an RFC 5322 message.

    Raises :class:`MsgError` when the data is not a .msg file, when extract-msg is not
    installed, or when the library cannot read the file.
    """
    if not data.startswith(OLE_MAGIC):
        raise MsgError("cannot read: not an Outlook .msg file (no OLE signature)")
    library = _load_library()
    try:
        msg = library.openMsg(data, delayAttachments=True)
    except Exception as e:  # the library raises many types on damaged files
        raise MsgError(f"cannot read: damaged Outlook .msg file ({type(e).__name__})") from None
    try:
        return _compose(msg)
    except Exception as e:
        raise MsgError(f"cannot read: Outlook .msg content ({type(e).__name__})") from None
    finally:
        close = getattr(msg, "close", None)
        if close:
            close()


def _compose(msg: Any) -> bytes:
    rows: list[tuple[str, str]] = []
    header = getattr(msg, "header", None)
    if header is not None:
        rows = [(k, str(v)) for k, v in header.items() if k.lower() not in _BODY_HEADERS]
    have = {k.lower() for k, _ in rows}
    for name, attr in (("From", "sender"), ("To", "to"), ("Cc", "cc"), ("Subject", "subject")):
        value = getattr(msg, attr, None)
        if value and name.lower() not in have:
            rows.append((name, str(value)))
    date = getattr(msg, "date", None)
    if date and "date" not in have:
        rows.append(("Date", email.utils.format_datetime(date) if hasattr(date, "tzinfo")
                     else str(date)))
    body = getattr(msg, "body", None) or ""
    ctype = "text/plain"
    if not body.strip():
        html = getattr(msg, "htmlBody", None) or b""
        body = html.decode("utf-8", "replace") if isinstance(html, bytes) else str(html)
        ctype = "text/html"
    rows += [("MIME-Version", "1.0"), ("Content-Type", f"{ctype}; charset=utf-8"),
             ("Content-Transfer-Encoding", "8bit")]
    head = "".join(f"{k}: {' '.join(v.split())}\n" for k, v in rows)
    return (head + "\n" + body.replace("\r\n", "\n")).encode("utf-8", "surrogateescape")
