"""Turning input bytes into text: charset guessing, size limits, binary detection.

Bounces arrive as UTF-8, ISO-2022-JP, Shift_JIS, EUC-JP, Windows code pages and the odd
UTF-16 paste from a Windows clipboard. Nothing here raises on bad bytes: undecodable
sequences become U+FFFD, and input that is plainly not text is reported as such.
"""

from __future__ import annotations

import codecs

#: Inputs larger than this are cut before analysis (and the Diagnosis says so).
MAX_INPUT_BYTES = 10 * 1024 * 1024


class InputError(ValueError):
    """The input cannot be analysed at all (empty, binary). The message is one line."""


def looks_binary(data: bytes) -> bool:
    """True when a sample of ``data`` is mostly control bytes (an image, an archive...)."""
    sample = data[:8192]
    if not sample:
        return False
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return False
    if b"\x00" in sample:
        return True
    controls = sum(1 for b in sample if b < 32 and b not in (9, 10, 12, 13, 27))
    return controls > len(sample) // 20


def _has_jis_escape(data: bytes) -> bool:
    return b"\x1b$B" in data or b"\x1b$@" in data or b"\x1b(J" in data


def _valid(data: bytes, codec: str) -> bool:
    try:
        data.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return False
    return True


def guess_charset(data: bytes) -> str:
    """Pick the most plausible charset for ``data`` (which is not declared anywhere)."""
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if _has_jis_escape(data):
        return "iso-2022-jp"
    sample = data[:65536]
    if _valid(sample, "utf-8") or _valid(sample[:-3], "utf-8"):
        return "utf-8"
    # Legacy Japanese encodings: whichever decodes the sample without errors wins; when
    # both do, prefer the one whose decoding yields more kana/kanji.
    candidates = [c for c in ("cp932", "euc_jp") if _valid(sample, c)]
    if len(candidates) == 1:
        return candidates[0]
    if candidates:
        return max(candidates, key=lambda c: _japanese_score(sample.decode(c)))
    return "cp1252"


def _japanese_score(text: str) -> int:
    return sum(1 for ch in text if "\u3040" <= ch <= "\u30ff" or "\u4e00" <= ch <= "\u9fff")


def decode_bytes(data: bytes, charset: str | None = None) -> str:
    """Decode with the declared charset when it works, otherwise guess; never raises."""
    if charset:
        cs = normalise_charset(charset)
        try:
            return data.decode(cs)
        except (UnicodeDecodeError, LookupError):
            pass
    cs = guess_charset(data)
    return data.decode(cs, errors="replace")


_ALIASES = {
    "shift-jis": "cp932",
    "shift_jis": "cp932",
    "sjis": "cp932",
    "x-sjis": "cp932",
    "windows-31j": "cp932",
    "iso-2022-jp": "iso2022_jp_ext",
    "iso-2022-jp-2": "iso2022_jp_2",
    "euc-jp": "euc_jp",
    "x-euc-jp": "euc_jp",
    "ks_c_5601-1987": "cp949",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "us-ascii": "utf-8",  # ASCII labels routinely carry UTF-8 or Latin-1 in the wild
    "ascii": "utf-8",
    "unknown-8bit": "utf-8",
    "iso-8859-1": "cp1252",
    "latin1": "cp1252",
}


#: normalise_charset's answer for each charset label seen (a few labels make up most).
_NORMALISED: dict[str, str] = {}


def normalise_charset(charset: str) -> str:
    """The codec name for a declared charset label (UTF-8 for an unknown one)."""
    cs = _NORMALISED.get(charset)
    if cs is None:
        cs = _normalise_charset(charset)
        if len(_NORMALISED) < 1000 and len(charset) < 100:
            _NORMALISED[charset] = cs
    return cs


def _normalise_charset(charset: str) -> str:
    cs = charset.strip().strip('"').lower()
    cs = _ALIASES.get(cs, cs)
    try:
        codecs.lookup(cs)
    except LookupError:
        return "utf-8"
    return cs


def to_text(data: bytes | str) -> str:
    """Input (bytes or str) to text, raising :class:`InputError` for empty or binary input."""
    if isinstance(data, str):
        text = data
    else:
        if looks_binary(data):
            raise InputError("input looks binary (not a message, bounce or text)")
        text = decode_bytes(data)
    if not text.strip():
        raise InputError("input is empty")
    return text
