"""Compiled regular expressions kept from one run to the next.

The re module compiles a pattern in Python (a parser, then a code generator) before it
hands the code to the regex engine. mailcheck compiles about 200 patterns per run: its
modules' own at import, and the rule packs' when first searched. That is about 19 ms, an
eighth of a one-process batch run's start-up. The code depends only on the pattern, its
flags and the Python build, so it is kept in the user's cache folder beside the packs'
parse (see :mod:`mailcheck.tomlcache`). At the next start each module's pattern is built
straight from its code and put in re's own cache, where any ``re.compile`` of it then finds
it; a rule's pattern is built from its code when the rule engine first needs it
(:func:`compile`). Every rule's pattern is kept, searched or not, so that the first run of
a version (even one that reads no message) keeps them all and later runs never write.

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
_VERSION = f"regex-2 {sys.version} {_sre.MAGIC} {_sre.CODESIZE}"
#: At most this many module patterns are put in re's own cache (it holds 512).
_MAX_MODULE = 300

#: Entries read from the file, by re's cache key (type, pattern, flags): the modules'
#: patterns (put in re's cache) and the rules' (built when first wanted).
_modules: dict[tuple, tuple] = {}
_rules: dict[tuple, tuple] = {}
#: The rules' patterns of this run (all of them: see above).
_rule_keys: set[tuple] = set()
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


def _build(entry: tuple) -> Any:
    pattern, _flags, *built = entry
    return _sre.compile(pattern, *built)


def warm() -> None:
    """Put the kept module patterns in re's cache, and keep new patterns at exit. Called
    once, first thing when mailcheck is imported."""
    global _path
    cache = _re_cache()
    _path = _cache_file()
    if cache is None or _path is None:
        return
    atexit.register(_save)
    modules, rules = _read(_path)
    for entry in modules:
        try:
            key = (type(entry[0]), entry[0], entry[1])
            compiled = _build(entry)
        except Exception:  # (not what _entry wrote: skip it)
            continue
        if key not in cache and len(cache) < _MAX_MODULE:
            cache[key] = compiled
        # (also one re compiled before mailcheck was imported, say json's in a program that
        # imported json first: the file has it, and need not be written again for it)
        _modules[key] = entry
    for entry in rules:
        try:
            _rules[(type(entry[0]), entry[0], entry[1])] = entry
        except Exception:
            continue


def _read(path: str) -> tuple[list, list]:
    try:
        with open(path, "rb") as f:
            stored = marshal.loads(f.read())  # (load(f) reads the file in small pieces)
        version, check, blob = stored
        if version != _VERSION or check != zlib.crc32(blob):
            return [], []
        modules, rules = marshal.loads(blob)
    except Exception:  # missing, unreadable, damaged: compile as ever
        return [], []
    if not (isinstance(modules, list) and isinstance(rules, list)):
        return [], []
    return modules, rules


def want(pattern: str, flags: int) -> None:
    """Keep this rule pattern (each is named when its pack loads)."""
    if _path is not None:
        _rule_keys.add((type(pattern), pattern, int(flags)))


def compile(pattern: str, flags: int) -> re.Pattern:  # noqa: A001 - re.compile's stand-in
    """``re.compile(pattern, flags)``, built from its kept code when there is some."""
    entry = _rules.get((type(pattern), pattern, int(flags)))
    if entry is not None:
        try:
            return _build(entry)
        except Exception:  # (a damaged entry: compile as ever)
            pass
    return re.compile(pattern, flags)


#: Packages besides mailcheck whose modules' own patterns a run compiles at import (the
#: standard library's email, json, locale and dataclasses: ~1 ms of start-up).
_ALSO = frozenset({__package__, "email", "json", "locale", "dataclasses"})


def _module_patterns(cache: dict) -> set[tuple]:
    """re's cache keys of the patterns the modules of mailcheck (and of :data:`_ALSO`) hold
    (as names, or in a tuple, list or dict they name). Only these and the rules' are kept:
    other patterns may be made from input, or from a set whose order changes from run to
    run."""
    by_id = {id(compiled): key for key, compiled in cache.items()}
    found = set()
    for name, module in list(sys.modules.items()):
        if name.partition(".")[0] not in _ALSO:
            continue
        for value in list(vars(module).values()):
            values = value.values() if isinstance(value, dict) else \
                value if isinstance(value, (tuple, list)) else (value,)
            for v in values:
                key = by_id.get(id(v)) if isinstance(v, re.Pattern) else None
                if key is not None:
                    found.add(key)
    return found


def _entry(key: tuple, compiled: Any) -> tuple | None:
    """What :func:`_build` builds ``compiled`` from, when that gives the same pattern."""
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
    rebuilt = _build(entry)
    # (patterns compare equal when their flags, code and source are the same)
    if rebuilt == compiled and rebuilt.groups == compiled.groups and \
            rebuilt.groupindex == compiled.groupindex:
        return entry
    return None


def _entries(keys: set[tuple], kept: dict[tuple, tuple], compiled_for) -> list[tuple]:
    """Entries for ``keys``: the ones read from the file as they were, new ones made."""
    out = []
    for key in sorted(keys, key=repr):
        entry = kept.get(key)
        if entry is None:
            try:
                compiled = compiled_for(key)
                entry = _entry(key, compiled) if compiled is not None else None
            except Exception:  # another Python's internals: keep nothing of it
                entry = None
        if entry is not None:
            out.append(entry)
    return out


def _save() -> None:
    """Write the kept patterns when this run has patterns the file does not keep."""
    cache = _re_cache()
    if cache is None or _path is None:
        return
    module_keys = set(list(_module_patterns(cache))[:_MAX_MODULE])
    if module_keys <= _modules.keys() and _rule_keys <= _rules.keys():
        return
    from re import _compiler

    modules = _entries(module_keys, _modules, cache.get)
    rules = _entries(_rule_keys, _rules, lambda key: _compiler.compile(key[1], key[2]))
    try:
        blob = marshal.dumps((modules, rules))
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
