"""Generic meanings of enhanced status codes (RFC 3463 + IANA registry) and reply codes.

The table is data (``rules/rfc3463.toml``); this module loads it once and answers
"what does 5.7.1 mean, in English or Japanese, and which generic reason does it imply?".
"""

from __future__ import annotations

from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from . import tomlcache
from .rules import builtin_pack_files


def _data_file(name: str) -> Path:
    for p in builtin_pack_files():
        if p.name == name:
            return p
    raise FileNotFoundError(f"mailcheck data file {name} is missing from the installation")


@cache
def table() -> dict[str, Any]:
    return tomlcache.load(_data_file("rfc3463.toml"))


@lru_cache(maxsize=1024)  # per code: a message's codes are asked about several times
def split(status: str) -> tuple[str, str, str] | None:
    parts = status.split(".")
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        return None
    return parts[0], parts[1], parts[2]


@lru_cache(maxsize=1024)
def detail(status: str) -> str | None:
    """The class-independent detail of ``status`` ("5.01.1" -> "1.1"), or None."""
    p = split(status)
    if not p:
        return None
    return f"{int(p[1])}.{int(p[2])}"


def status_info(status: str) -> dict[str, Any] | None:
    """{reason, en, ja} for ``status`` (class-independent detail), or None if unregistered."""
    d = detail(status)
    if not d:
        return None
    return table()["codes"].get(d)


def subject_info(status: str) -> dict[str, Any] | None:
    p = split(status)
    if not p:
        return None
    return table()["subjects"].get(str(int(p[1])))


def class_info(code: str) -> dict[str, str] | None:
    return table()["classes"].get(code[:1])


def reply_info(code: str) -> dict[str, Any] | None:
    return table()["replies"].get(code)


def text_in(info: dict[str, Any], lang: str) -> str:
    """The text of a table entry (status_info, subject_info, reply_info) in ``lang``, else
    in English."""
    return info.get(lang) or info["en"]


def meaning(status: str | None, reply: str | None, lang: str = "en") -> str | None:
    """A one-line meaning for a status code (preferred) or a reply code."""
    if status:
        info = status_info(status) or subject_info(status)
        if info:
            return text_in(info, lang)
    if reply:
        info = reply_info(reply)
        if info:
            return text_in(info, lang)
    return None
