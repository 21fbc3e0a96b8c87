"""Batch analysis: many inputs, one JSON line each, nothing skipped silently."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

from .diagnosis import diagnose
from .model import Diagnosis
from .rules import RuleSet


def iter_files(paths: tuple[str, ...] | list[str]) -> Iterator[Path]:
    """Files named, and files under folders named (recursive, sorted, hidden ones skipped)."""
    for p in paths:
        path = Path(p)
        if path.is_dir():
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(files):
                    if not name.startswith("."):
                        yield Path(root) / name
        else:
            yield path


def split_mbox(data: bytes) -> list[bytes]:
    """Messages of an mbox file (a line starting with ``From `` begins each one).

    A single message that merely starts with a ``From `` line comes back as one item.
    """
    if not data.startswith(b"From "):
        return [data]
    parts = re.split(rb"\r?\n(?=From [^\r\n]{0,300}\r?\n)", data)
    return [p for p in parts if p.strip()]


def diagnose_file(path: Path, *, lang: str = "en", rules: RuleSet | None = None) -> list[Diagnosis]:
    try:
        data = path.read_bytes()
    except OSError as e:
        return [Diagnosis(source=str(path), kind="unknown",
                          error=f"cannot read: {e.strerror or e}")]
    out = []
    for m in split_mbox(data):
        try:
            out.append(diagnose(m, lang=lang, source=str(path), rules=rules))
        except Exception as e:  # a bug must not cost the other inputs their lines
            out.append(Diagnosis(source=str(path), kind="unknown",
                                 error=f"internal error: {type(e).__name__}: {e}"[:300]))
    return out


def run_batch(paths, out: TextIO, *, lang: str = "en", rules: RuleSet | None = None) -> int:
    """Write one JSON line per input to ``out``; return how many inputs had an error."""
    errors = 0
    for path in iter_files(paths):
        for diag in diagnose_file(path, lang=lang, rules=rules):
            errors += diag.error is not None
            out.write(json.dumps(diag.to_dict(), ensure_ascii=False) + "\n")
    return errors
