"""Rule packs and tables read once per content, not once per process.

Parsing the shipped TOML (about 340 KB of rules, phrases and status tables) is the largest
part of mailcheck's start-up: tomllib is pure Python. The parsed form of each file is kept
in the user's cache folder (``$XDG_CACHE_HOME/mailcheck``, else ``~/.cache/mailcheck``) in
``marshal`` form, under a key made of the file's bytes and the Python version, so an
edited pack (or another Python) is parsed afresh. One cache file per pack path,
replaced on change: the folder does not grow. ``MAILCHECK_NO_CACHE=1`` turns it off.

Nothing here may change a result: a cache that cannot be read, written or trusted is
ignored and the file is parsed as before (with the same errors for a broken file).
"""

from __future__ import annotations

import hashlib
import marshal
import os
import sys
import tomllib
from pathlib import Path
from typing import Any

#: The parse of the same bytes changes only with the parser: the Python version.
_SALT = f"tomllib of python {sys.version} marshal {marshal.version}\n".encode()


def cache_dir() -> Path | None:
    """Where parsed packs are kept, or None when caching is off or there is no home."""
    if os.environ.get("MAILCHECK_NO_CACHE"):
        return None
    base = os.environ.get("XDG_CACHE_HOME")
    if not base:
        try:
            base = str(Path.home() / ".cache")
        except RuntimeError:  # no home directory to be found
            return None
    return Path(base) / "mailcheck" / "packs"


def load(path: Path) -> dict[str, Any]:
    """``tomllib.loads`` of the file at ``path``, from the cache when the same bytes were
    parsed before. Raises what reading, tomllib and the UTF-8 decoder raise."""
    raw = path.read_bytes()
    folder = cache_dir()
    if folder is None:
        return tomllib.loads(raw.decode("utf-8"))
    key = hashlib.sha256(_SALT + raw).hexdigest()
    where = os.fsencode(path.resolve())
    entry = folder / (hashlib.sha256(where).hexdigest()[:24] + ".marshal")
    cached = _read(entry, key)
    if cached is not None:
        return cached
    data = tomllib.loads(raw.decode("utf-8"))
    _write(folder, entry, key, data)
    return data


def _read(entry: Path, key: str) -> dict[str, Any] | None:
    try:
        with open(entry, "rb") as f:
            stored = marshal.load(f)
    except (OSError, EOFError, ValueError, TypeError):
        return None
    if isinstance(stored, tuple) and len(stored) == 2 and stored[0] == key and \
            isinstance(stored[1], dict):
        return stored[1]
    return None


def _write(folder: Path, entry: Path, key: str, data: dict[str, Any]) -> None:
    try:
        blob = marshal.dumps((key, data))
    except ValueError:  # a value marshal cannot keep (TOML dates): parse each time
        return
    tmp = entry.with_name(f"{entry.name}.{os.getpid()}.tmp")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with open(tmp, "wb") as f:
            f.write(blob)
        os.replace(tmp, entry)  # readers see the old file or the new one, never half
    except OSError:
        try:
            tmp.unlink(missing_ok=True)
        except OSError:
            pass
