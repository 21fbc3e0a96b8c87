"""Rule packs and tables read once per content, not once per process.

Parsing the shipped TOML (about 340 KB of rules, phrases and status tables) is the largest
part of mailcheck's start-up: tomllib is pure Python. The parsed form of each file is kept
in the user's cache folder (``$XDG_CACHE_HOME/mailcheck``, else ``~/.cache/mailcheck``) in
``marshal`` form, under a key made of the file's bytes and the Python version, so an
edited pack (or another Python) is parsed afresh. One cache file per pack path,
replaced on change: the folder does not grow. ``MAILCHECK_NO_CACHE=1`` turns it off.

:func:`load_derived` keeps, beside the parse, what a loader works out from it (the rule
engine's analysis of each pattern), under a key that also holds the version of the code
that worked it out.

Nothing here may change a result: a cache that cannot be read, written or trusted is
ignored and the file is parsed as before (with the same errors for a broken file).
"""

from __future__ import annotations

import marshal
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

try:  # the built-in BLAKE2: importing hashlib loads OpenSSL (2 ms of every start-up)
    from _blake2 import blake2b as _hash
except ImportError:  # pragma: no cover - a Python without it
    from hashlib import blake2b as _hash


def _tomllib():
    """tomllib, imported when a file is parsed (not when every parse comes from the cache)."""
    import tomllib

    return tomllib


def __getattr__(name: str) -> Any:
    if name == "tomllib":  # (tests replace its functions)
        return _tomllib()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

#: The parse of the same bytes changes only with the parser: the Python version. (The
#: first word is the format of an entry: change it when the format changes.)
_SALT = f"entry-3 tomllib of python {sys.version} marshal {marshal.version}\n".encode()


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
    return load_derived(path)[0]


def load_derived(path: Path, derive: Callable[[dict[str, Any]], Any] | None = None,
                 version: bytes = b"") -> tuple[dict[str, Any], Any]:
    """(``tomllib.loads`` of the file at ``path``, ``derive`` of that parse), both from the
    cache when the same bytes were parsed and derived by code of the same ``version``
    before. The derived part is None when caching is off or ``derive`` fails: the caller
    then works it out itself. It must be something ``marshal`` keeps."""
    raw = path.read_bytes()
    folder = cache_dir()
    if folder is None:
        return _tomllib().loads(raw.decode("utf-8")), None
    key = _hash(_SALT + version + b"\n" + raw).hexdigest()
    where = os.fsencode(path.resolve())
    entry = folder / (_hash(where).hexdigest()[:24] + ".marshal")
    cached = _read(entry, key)
    if cached is not None:
        return cached
    data = _tomllib().loads(raw.decode("utf-8"))
    derived = None
    if derive is not None:
        try:
            derived = derive(data)
        except Exception:  # a bug there must not stop the pack from loading
            return data, None
    _write(folder, entry, key, data, derived)
    return data, derived


def load_computed(path: Path, compute: Callable[[bytes], Any], version: bytes) -> Any:
    """``compute`` of the bytes of the file at ``path``, from the cache when the same bytes
    were computed by code of the same ``version`` before. The result must be something
    ``marshal`` keeps (else it is computed each time)."""
    raw = path.read_bytes()
    folder = cache_dir()
    if folder is None:
        return compute(raw)
    key = _hash(_SALT + b"computed " + version + b"\n" + raw).hexdigest()
    where = os.fsencode(path.resolve())
    entry = folder / (_hash(b"computed " + where).hexdigest()[:24] + ".marshal")
    cached = _read(entry, key)
    if cached is not None and "value" in cached[0]:
        return cached[0]["value"]
    value = compute(raw)
    _write(folder, entry, key, {"value": value}, None)
    return value


def _read(entry: Path, key: str) -> tuple[dict[str, Any], Any] | None:
    try:
        with open(entry, "rb") as f:
            stored = marshal.loads(f.read())  # (load(f) reads the file in small pieces)
    except (OSError, EOFError, ValueError, TypeError):
        return None
    if isinstance(stored, tuple) and len(stored) == 3 and stored[0] == key and \
            isinstance(stored[1], dict):
        return stored[1], stored[2]
    return None


def _write(folder: Path, entry: Path, key: str, data: dict[str, Any], derived: Any) -> None:
    try:
        blob = marshal.dumps((key, data, derived))
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
