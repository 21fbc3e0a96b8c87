"""Compiled regular expressions kept from one run to the next.

The re module compiles a pattern in Python (a parser, then a code generator) before it
hands the code to the regex engine. mailcheck compiles about 200 patterns per run: its
modules' own at import, and the rule packs' when first searched. That is about 19 ms, an
eighth of a one-process batch run's start-up. The code depends only on the pattern, its
flags and the Python build, so it is kept in the user's cache folder beside the packs'
parse (see :mod:`mailcheck.tomlcache`). At the next start each pattern is built straight
from its code and put in re's own cache, where any ``re.compile`` of it, in any module,
then finds it.

Nothing here may change a result. An entry is written only when the pattern built from it
equals the one re compiled (the same code, flags and groups); the engine checks the code
it is given; a file that cannot be read, is damaged or was written by another Python is
ignored, and a pattern that is not in it is compiled as ever. ``MAILCHECK_NO_CACHE=1``
turns it off.
"""

from __future__ import annotations

import _sre
import atexit
import marshal
import os
import re
import sys
import zlib
from typing import Any

#: What the kept code depends on (the first word is the format of the file).
_VERSION = f"regex-1 {sys.version} {_sre.MAGIC} {_sre.CODESIZE}"
#: At most this many patterns are kept: re's own cache holds 512.
_MAX_KEPT = 400

#: re's cache keys (type, pattern, flags) filled from the file, and those worth keeping.
_loaded: set[tuple] = set()
_wanted: set[tuple] = set()
_path: str | None = None


def _cache_file() -> str | None:
    if os.environ.get("MAILCHECK_NO_CACHE"):
        return None
    base = os.environ.get("XDG_CACHE_HOME")
    if not base:
        home = os.path.expanduser("~")
        if home == "~":  # no home directory to be found
            return None
        base = os.path.join(home, ".cache")
    return os.path.join(base, "mailcheck", "regexes.marshal")


def _re_cache() -> dict | None:
    cache = getattr(re, "_cache", None)
    return cache if isinstance(cache, dict) else None


def warm() -> None:
    """Put the kept patterns in re's cache; keep new ones at exit. Called once, first thing
    when mailcheck is imported."""
    global _path
    cache = _re_cache()
    _path = _cache_file()
    if cache is None or _path is None:
        return
    atexit.register(_save)
    for entry in _read(_path):
        try:
            pattern, flags, *built = entry
            compiled = _sre.compile(pattern, *built)
        except Exception:  # (not what _entry wrote: skip it)
            continue
        key = (type(pattern), pattern, flags)
        if key not in cache and len(cache) < _MAX_KEPT:
            cache[key] = compiled
            _loaded.add(key)


def _read(path: str) -> list:
    try:
        with open(path, "rb") as f:
            stored = marshal.loads(f.read())  # (load(f) reads the file in small pieces)
        version, check, blob = stored
        if version != _VERSION or check != zlib.crc32(blob):
            return []
        entries = marshal.loads(blob)
    except Exception:  # missing, unreadable, damaged: compile as ever
        return []
    return entries if isinstance(entries, list) else []


def _module_patterns(cache: dict) -> set[tuple]:
    """re's cache keys of the patterns mailcheck's modules hold (as names, or in a tuple,
    list or dict they name). Only these and the rules' are kept: other patterns may be
    made from input, or from a set whose order changes from run to run."""
    by_id = {id(compiled): key for key, compiled in cache.items()}
    found = set()
    for name, module in list(sys.modules.items()):
        if name != __package__ and not name.startswith(f"{__package__}."):
            continue
        for value in list(vars(module).values()):
            values = value.values() if isinstance(value, dict) else \
                value if isinstance(value, (tuple, list)) else (value,)
            for v in values:
                key = by_id.get(id(v)) if isinstance(v, re.Pattern) else None
                if key is not None:
                    found.add(key)
    return found


def want(pattern: str, flags: int) -> None:
    """Keep this pattern (a rule's, compiled when first searched)."""
    if _path is not None:
        _wanted.add((type(pattern), pattern, int(flags)))


def _entry(key: tuple, compiled: Any) -> tuple | None:
    """What :func:`warm` builds ``compiled`` from, when that gives the same pattern."""
    _, pattern, flags = key
    if flags & (re.DEBUG | re.TEMPLATE):
        return None
    # What re._compiler.compile does, up to the engine's constructor.
    from re import _compiler, _parser

    p = _parser.parse(pattern, flags)
    code = [int(x) for x in _compiler._code(p, flags)]  # (opcodes are int subclasses)
    groupindex = dict(p.state.groupdict)
    indexgroup = [None] * p.state.groups
    for name, i in groupindex.items():
        indexgroup[i] = name
    entry = (pattern, flags, flags | p.state.flags, code, p.state.groups - 1, groupindex,
             tuple(indexgroup))
    rebuilt = _sre.compile(pattern, *entry[2:])
    # (patterns compare equal when their flags, code and source are the same)
    if rebuilt == compiled and rebuilt.groups == compiled.groups and \
            rebuilt.groupindex == compiled.groupindex:
        return entry
    return None


def _save() -> None:
    """Write the kept patterns when some were compiled afresh in this run."""
    cache = _re_cache()
    if cache is None or _path is None:
        return
    _wanted.update(_module_patterns(cache))
    if _wanted <= _loaded:
        return
    entries = []
    for key in sorted(_wanted, key=repr)[:_MAX_KEPT]:
        compiled = cache.get(key)
        if compiled is None:  # (dropped from re's cache meanwhile)
            continue
        try:
            entry = _entry(key, compiled)
        except Exception:  # another Python's internals: keep nothing of it
            entry = None
        if entry is not None:
            entries.append(entry)
    try:
        blob = marshal.dumps(entries)
        data = marshal.dumps((_VERSION, zlib.crc32(blob), blob))
    except ValueError:
        return
    tmp = f"{_path}.{os.getpid()}.tmp"
    try:
        os.makedirs(os.path.dirname(_path), exist_ok=True)
        with open(tmp, "wb") as f:
            f.write(data)
        os.replace(tmp, _path)  # readers see the old file or the new one, never half
    except OSError:
        try:
            os.unlink(tmp)
        except OSError:
            pass
