"""A reader for the YAML subset the shared conformance suites use (no PyYAML dependency).

The SPF (OpenSPF) and ARC (ValiMail) suites are YAML streams built from block mappings and
sequences, plain / single-quoted / double-quoted scalars (with ``\\xHH`` escapes), one-line
flow sequences and ``|`` / ``>`` block scalars. That is all this reader understands; it
raises ``ValueError`` on anything else rather than guessing. ``test_conformance_yaml.py``
checks it against PyYAML where PyYAML happens to be installed.
"""

from __future__ import annotations

import re
from typing import Any

_INT = re.compile(r"[-+]?(?:0|[1-9][0-9_]*)")
_FLOAT = re.compile(r"[-+]?(?:[0-9][0-9_]*)?\.[0-9_]*(?:[eE][-+][0-9]+)?")
_BOOLS = {
    **dict.fromkeys(("yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"), True),
    **dict.fromkeys(("no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"), False),
}
_NULLS = {"~", "null", "Null", "NULL", ""}
_ESCAPES = {
    "0": "\0", "a": "\a", "b": "\b", "t": "\t", "\t": "\t", "n": "\n", "v": "\v", "f": "\f",
    "r": "\r", "e": "\x1b", " ": " ", '"': '"', "/": "/", "\\": "\\", "N": "\x85",
    "_": "\xa0", "L": "\u2028", "P": "\u2029",
}
_HEX_LEN = {"x": 2, "u": 4, "U": 8}


def load_all(text: str) -> list[Any]:
    """Every non-empty document of the stream, in order."""
    docs: list[list[str]] = [[]]
    for line in text.splitlines():
        if line.rstrip() == "---" or line.startswith("--- "):
            docs.append([])
        else:
            docs[-1].append(line)
    out = []
    for lines in docs:
        reader = _Reader(lines)
        i = reader.next_line(0)
        if i is None:
            continue
        value, _ = reader.node(i, 0)
        out.append(value)
    return out


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _plain(text: str) -> Any:
    text = text.strip()
    if text in _NULLS:
        return None
    if text in _BOOLS:
        return _BOOLS[text]
    if _INT.fullmatch(text):
        return int(text.replace("_", ""))
    if _FLOAT.fullmatch(text) and any(c.isdigit() for c in text):
        return float(text.replace("_", ""))
    return text


def _strip_comment(text: str) -> str:
    pos = text.find(" #")
    return text[:pos] if pos >= 0 else text


class _Reader:
    def __init__(self, lines: list[str]) -> None:
        self.lines = lines

    def next_line(self, i: int) -> int | None:
        """Index of the next line holding structure (not blank, not a comment)."""
        while i < len(self.lines):
            s = self.lines[i].strip()
            if s and not s.startswith("#"):
                return i
            i += 1
        return None

    def node(self, i: int, indent: int) -> tuple[Any, int]:
        line = self.lines[i]
        n = _indent(line)
        if n < indent:
            raise ValueError(f"line {i + 1}: unexpected indentation")
        body = line[n:]
        if body == "-" or body.startswith("- "):
            return self.sequence(i, n)
        return self.mapping(i, n)

    # -- collections ------------------------------------------------------------------------
    def mapping(self, i: int, n: int) -> tuple[dict[Any, Any], int]:
        out: dict[Any, Any] = {}
        j: int | None = i
        while j is not None and _indent(self.lines[j]) == n:
            body = self.lines[j][n:]
            if body == "-" or body.startswith("- "):
                break
            key, rest = self._split_key(body, j)
            value, nxt = self.value(rest, j, n, in_mapping=True)
            out[key] = value
            j = self.next_line(nxt)
        return out, (len(self.lines) if j is None else j)

    def sequence(self, i: int, n: int) -> tuple[list[Any], int]:
        out: list[Any] = []
        j: int | None = i
        while j is not None and _indent(self.lines[j]) == n:
            body = self.lines[j][n:]
            if not (body == "-" or body.startswith("- ")):
                break
            rest = body[1:].strip()
            if rest and self._looks_like_key(rest):
                # "- key: value": re-read the line as a mapping indented past the dash
                self.lines[j] = " " * (n + 2) + body[2:].lstrip(" ")
                pad = _indent(self.lines[j])
                value, nxt = self.mapping(j, pad)
                out.append(value)
                j = self.next_line(nxt)
                continue
            value, nxt = self.value(rest, j, n, in_mapping=False)
            out.append(value)
            j = self.next_line(nxt)
        return out, (len(self.lines) if j is None else j)

    @staticmethod
    def _looks_like_key(text: str) -> bool:
        if text[0] in "\"'":
            close = text.find(text[0], 1)
            return close > 0 and text[close + 1 :].lstrip().startswith(":")
        if text[0] in "[{|>":
            return False
        return ": " in text or text.endswith(":")

    def _split_key(self, body: str, j: int) -> tuple[Any, str]:
        if body[0] in "\"'":
            key, end = self._quoted(body, 0)
            rest = body[end:].lstrip()
            if not rest.startswith(":"):
                raise ValueError(f"line {j + 1}: expected ':' after a quoted key")
            return key, rest[1:]
        pos = body.find(": ")
        if pos < 0:
            if not body.rstrip().endswith(":"):
                raise ValueError(f"line {j + 1}: expected 'key: value'")
            return _plain(body.rstrip()[:-1]), ""
        return _plain(body[:pos]), body[pos + 2 :]

    # -- values -----------------------------------------------------------------------------
    def value(self, rest: str, j: int, n: int, in_mapping: bool) -> tuple[Any, int]:
        rest = rest.strip()
        if not rest or rest.startswith("#"):
            k = self.next_line(j + 1)
            if k is None:
                return None, len(self.lines)
            k_indent = _indent(self.lines[k])
            k_body = self.lines[k][k_indent:]
            same_level_seq = in_mapping and k_indent == n and k_body.startswith("- ")
            if k_indent > n or same_level_seq:
                return self.node(k, k_indent)
            return None, j + 1
        if rest[0] in "|>":
            return self.block_scalar(rest, j, n)
        if rest[0] == "[":
            return self.flow_sequence(rest, j), j + 1
        if rest[0] in "\"'":
            value, end = self._quoted(rest, 0)
            if _strip_comment(rest[end:]).strip():
                raise ValueError(f"line {j + 1}: text after a quoted scalar")
            return value, j + 1
        # plain scalar, possibly continued on more-indented lines
        parts = [_strip_comment(rest).strip()]
        k = j + 1
        blank = 0
        while k < len(self.lines):
            line = self.lines[k]
            if not line.strip():
                blank += 1
                k += 1
                continue
            if _indent(line) <= n or line.strip().startswith("#"):
                break
            parts.append("\n" * blank if blank else " ")
            parts.append(_strip_comment(line.strip()).strip())
            blank = 0
            k += 1
        if len(parts) > 1:
            return "".join(parts), k
        return _plain(parts[0]), k

    def flow_sequence(self, text: str, j: int) -> list[Any]:
        text = _strip_comment(text).strip()
        if not text.endswith("]"):
            raise ValueError(f"line {j + 1}: flow sequence must end on its line")
        inner = text[1:-1]
        out: list[Any] = []
        pos = 0
        while pos < len(inner):
            while pos < len(inner) and inner[pos] in " ,":
                pos += 1
            if pos >= len(inner):
                break
            if inner[pos] in "\"'":
                value, pos = self._quoted(inner, pos)
                out.append(value)
            else:
                end = inner.find(",", pos)
                end = len(inner) if end < 0 else end
                out.append(_plain(inner[pos:end]))
                pos = end
        return out

    @staticmethod
    def _quoted(text: str, start: int) -> tuple[str, int]:
        quote = text[start]
        out = []
        pos = start + 1
        while pos < len(text):
            c = text[pos]
            if quote == "'" and c == "'":
                if text[pos + 1 : pos + 2] == "'":
                    out.append("'")
                    pos += 2
                    continue
                return "".join(out), pos + 1
            if quote == '"' and c == '"':
                return "".join(out), pos + 1
            if quote == '"' and c == "\\":
                esc = text[pos + 1 : pos + 2]
                if esc in _HEX_LEN:
                    width = _HEX_LEN[esc]
                    out.append(chr(int(text[pos + 2 : pos + 2 + width], 16)))
                    pos += 2 + width
                    continue
                if esc not in _ESCAPES:
                    raise ValueError(f"unknown escape \\{esc}")
                out.append(_ESCAPES[esc])
                pos += 2
                continue
            out.append(c)
            pos += 1
        raise ValueError("quoted scalar not closed on its line")

    def block_scalar(self, header: str, j: int, n: int) -> tuple[str, int]:
        style = header[0]
        chomp = "-" if "-" in header[1:3] else "+" if "+" in header[1:3] else ""
        k = j + 1
        content: list[str] = []
        base: int | None = None
        while k < len(self.lines):
            line = self.lines[k]
            if not line.strip():
                content.append("")
                k += 1
                continue
            ind = _indent(line)
            if base is None:
                if ind <= n:
                    break
                base = ind
            if ind < base:
                break
            content.append(line[base:])
            k += 1
        # trailing blank lines belong to chomping, not to the text
        trailing = 0
        while content and content[-1] == "":
            content.pop()
            trailing += 1
        if style == "|":
            text = "\n".join(content)
        else:
            text = self._fold(content)
        if not content:
            text = ""
            tail = "\n" * trailing if chomp == "+" else ""
        elif chomp == "-":
            tail = ""
        elif chomp == "+":
            tail = "\n" * (1 + trailing)
        else:
            tail = "\n"
        return text + tail, k

    @staticmethod
    def _fold(lines: list[str]) -> str:
        out: list[str] = []
        blank = 0
        prev_more: bool | None = None
        for line in lines:
            if line == "":
                blank += 1
                continue
            more = line[0] in " \t"
            if prev_more is None:
                out.append("\n" * blank)
            elif blank:
                out.append("\n" * (blank + (1 if (more or prev_more) else 0)))
            else:
                out.append("\n" if (more or prev_more) else " ")
            out.append(line)
            prev_more = more
            blank = 0
        return "".join(out)
