"""CSV output of a batch: one row per recipient result (columns in docs/batch.md).

A message without recipient results (a saved received message, a pasted dialog) still
gets one row, with the recipient columns empty, and so does a message that could not be
read (``error`` set): every input message appears in the CSV.
"""

from __future__ import annotations

import csv
from typing import Any, TextIO

#: The columns, in order. Documented in docs/batch.md; add at the end, never reorder.
COLUMNS = (
    "source", "message", "kind", "error", "date", "sender", "recipient", "recipient_domain",
    "action", "status", "reply_code", "reason", "hard_bounce", "remote_mta", "rule",
    "top_finding", "diagnostic",
)

#: Cells are cut to this many characters (a spreadsheet cell holds at most 32,767).
MAX_CELL = 2000
#: Characters that make a spreadsheet treat a cell as a formula (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value).replace("\r", " ").replace("\n", " ")[:MAX_CELL]
    if text.startswith(_FORMULA_START):
        text = "'" + text
    return text


def record_rows(rec: dict[str, Any]) -> list[list[str]]:
    """The CSV rows of one batch record."""
    base = [rec.get("source"), rec.get("message"), rec.get("kind"), rec.get("error"),
            rec.get("date"), rec.get("sender")]
    recipients = rec.get("recipients") or [{}]
    rows = []
    for r in recipients:
        rows.append([_cell(v) for v in base + [
            r.get("recipient"), r.get("domain"), r.get("action"), r.get("status"),
            r.get("reply_code"), r.get("reason"), r.get("hard_bounce"), r.get("remote_mta"),
            r.get("rule"), rec.get("top_rule"), r.get("diagnostic")]])
    return rows


class CsvWriter:
    """Writes the header once, then the rows of each record as it arrives."""

    def __init__(self, out: TextIO) -> None:
        self._w = csv.writer(out, lineterminator="\n")
        self._w.writerow(COLUMNS)

    def write(self, rec: dict[str, Any]) -> None:
        self._w.writerows(record_rows(rec))
