"""Compiled patterns kept from run to run (mailcheck.regexcache) are the ones re compiles."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from mailcheck import regexcache

from .conftest import ROOT

#: In a fresh process: import mailcheck, run a message through, report what was loaded
#: and whether each loaded pattern equals re's own compile of it (code, flags, groups).
_CHECK = r"""
import json, re, sys
from re import _compiler
import mailcheck
from mailcheck import regexcache
from mailcheck.diagnosis import diagnose
diagnose(open(sys.argv[1], "rb").read())
bad = []
kept = [(key, re._cache[key]) for key in regexcache._modules]
kept += [(key, regexcache.compile(key[1], key[2])) for key in regexcache._rules]
for key, compiled in kept:
    _, pattern, flags = key
    fresh = _compiler.compile(pattern, flags)
    if not (compiled == fresh and compiled.groups == fresh.groups
            and compiled.groupindex == fresh.groupindex and compiled is not fresh):
        bad.append(pattern)
print(json.dumps({"modules": len(regexcache._modules), "rules": len(regexcache._rules),
                  "loaded": len(kept), "bad": bad}))
"""


def _run(cache: Path, *env_extra: tuple[str, str]) -> dict:
    env = dict(os.environ, XDG_CACHE_HOME=str(cache), PYTHONPATH=str(ROOT))
    env.pop("MAILCHECK_NO_CACHE", None)
    env.update(env_extra)
    bounce = ROOT / "fixtures" / "bounces" / "postfix" / "user-unknown.eml"
    if not bounce.exists():
        bounce = sorted((ROOT / "fixtures" / "bounces").rglob("*.eml"))[0]
    out = subprocess.run([sys.executable, "-c", _CHECK, str(bounce)], env=env, cwd=ROOT,
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def test_kept_patterns_are_what_re_compiles(tmp_path):
    first = _run(tmp_path)
    assert first["loaded"] == 0
    kept = tmp_path / "mailcheck" / "regexes.marshal"
    assert kept.exists()
    written = kept.stat().st_mtime_ns
    second = _run(tmp_path)
    assert second["modules"] > 50 and second["rules"] > 100  # every rule's pattern is kept
    assert second["bad"] == []
    assert kept.stat().st_mtime_ns == written  # nothing new: not written again


def test_a_damaged_or_foreign_file_is_ignored(tmp_path):
    _run(tmp_path)
    kept = tmp_path / "mailcheck" / "regexes.marshal"
    data = kept.read_bytes()
    kept.write_bytes(data[:-100] + b"x" * 100)  # damaged
    assert _run(tmp_path)["loaded"] == 0
    assert _run(tmp_path)["loaded"] > 50  # (rewritten by the run before)
    kept.write_bytes(b"not marshal at all")
    assert _run(tmp_path)["loaded"] == 0


def test_no_cache_when_asked(tmp_path):
    assert _run(tmp_path, ("MAILCHECK_NO_CACHE", "1"))["loaded"] == 0
    assert not (tmp_path / "mailcheck" / "regexes.marshal").exists()


def test_entries_rebuild_the_same_pattern():
    for pattern, flags in [(r"(?P<code>[245])\.(\d{1,3})\.(?P<x>\d)", 0),
                           (r"user (?:unknown|not found)", re.I | re.M),
                           (rb"\n[ \t]+", 0), (r"", 0), (r"(?x) a b # c", re.S)]:
        compiled = re.compile(pattern, flags)
        entry = regexcache._entry((type(pattern), pattern, int(flags)), compiled)
        assert entry is not None
        rebuilt = regexcache._build(entry)
        assert rebuilt == compiled and rebuilt.groupindex == compiled.groupindex
        assert rebuilt.groups == compiled.groups and rebuilt.flags == compiled.flags
    # a pattern whose code differs from the one given is refused, not kept
    assert regexcache._entry((str, "a+", 0), re.compile("a*")) is None
