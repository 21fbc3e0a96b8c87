"""Parsed rule packs are cached per file content; the cache can never change a result."""

from __future__ import annotations

import tomllib

import pytest

from mailcheck import tomlcache
from mailcheck.rules import RuleError, builtin_pack_files, load_pack

PACK = """\
[pack]
name = "cached"

[[rule]]
id = "cached-rule"
reason = "filtered"
confidence = 0.75
severity = "error"
examples = ["550 5.7.1 cached example"]
[[rule.match]]
text = "cached example"
[rule.en]
title = "A cached rule"
cause = "Because."
fix = ["Do this."]
confirm = ["Check."]
[rule.ja]
title = "キャッシュされたルール"
cause = "理由。"
fix = ["これをする。"]
confirm = ["確認する。"]
"""


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("MAILCHECK_NO_CACHE", raising=False)
    return tmp_path / "cache" / "mailcheck" / "packs"


def _no_parsing(monkeypatch):
    def refuse(_text):
        raise AssertionError("parsed again although the cache holds this content")
    monkeypatch.setattr(tomlcache.tomllib, "loads", refuse)


def test_second_load_comes_from_the_cache_and_equals_the_parse(tmp_path, cache, monkeypatch):
    pack = tmp_path / "p.toml"
    pack.write_text(PACK, encoding="utf-8")
    first = tomlcache.load(pack)
    assert first == tomllib.loads(PACK)
    assert len(list(cache.iterdir())) == 1
    _no_parsing(monkeypatch)
    assert tomlcache.load(pack) == first


def test_an_edited_file_is_parsed_afresh_and_replaces_its_entry(tmp_path, cache):
    pack = tmp_path / "p.toml"
    pack.write_text(PACK, encoding="utf-8")
    tomlcache.load(pack)
    pack.write_text(PACK.replace("0.75", "0.5"), encoding="utf-8")
    assert tomlcache.load(pack)["rule"][0]["confidence"] == 0.5
    assert len(list(cache.iterdir())) == 1  # one entry per pack path: the folder stays small


@pytest.mark.parametrize("garbage", [b"", b"\x00\x01junk", b"\xe9" * 50])
def test_a_damaged_cache_entry_is_ignored(tmp_path, cache, garbage):
    pack = tmp_path / "p.toml"
    pack.write_text(PACK, encoding="utf-8")
    tomlcache.load(pack)
    (entry,) = cache.iterdir()
    entry.write_bytes(garbage)
    assert tomlcache.load(pack) == tomllib.loads(PACK)


def test_an_unwritable_cache_folder_changes_nothing(tmp_path, monkeypatch):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder would go")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    pack = tmp_path / "p.toml"
    pack.write_text(PACK, encoding="utf-8")
    assert tomlcache.load(pack) == tomllib.loads(PACK)


def test_caching_can_be_turned_off(tmp_path, cache, monkeypatch):
    monkeypatch.setenv("MAILCHECK_NO_CACHE", "1")
    pack = tmp_path / "p.toml"
    pack.write_text(PACK, encoding="utf-8")
    assert tomlcache.load(pack) == tomllib.loads(PACK)
    assert not cache.exists()


def test_a_broken_pack_is_reported_as_before(tmp_path, cache):
    pack = tmp_path / "broken.toml"
    pack.write_text("[pack\nname = 1\n", encoding="utf-8")
    with pytest.raises(RuleError, match="not valid TOML"):
        load_pack(pack)
    pack.write_bytes(b"[pack]\nname = \"\xff\"\n")
    with pytest.raises(RuleError, match="not valid TOML"):
        load_pack(pack)


def test_a_cached_pack_gives_the_same_rules(tmp_path, cache):
    shipped = next(p for p in builtin_pack_files() if p.name == "gmail.toml")
    pack = tmp_path / "gmail.toml"
    pack.write_bytes(shipped.read_bytes())
    fresh = load_pack(pack)
    assert len(list(cache.iterdir())) == 1
    again = load_pack(pack)  # from the cache
    assert [(r.id, r.confidence, r.texts, r.fix, r.examples) for r in again.rules] == \
        [(r.id, r.confidence, r.texts, r.fix, r.examples) for r in fresh.rules]


def _patterns_of(pack):
    return [(r.id, i, p.source, p.literal, p.starts) for r in pack.rules
            for i, a in enumerate(r.alternatives) for p in (*a.text, *a.all_text, *a.not_text)]


def test_cached_pattern_analyses_equal_fresh_ones_and_compile_on_use(tmp_path, cache):
    import re

    from mailcheck import rules

    for shipped in builtin_pack_files():
        if shipped.name in rules._DATA_FILES:
            continue
        pack = tmp_path / shipped.name
        pack.write_bytes(shipped.read_bytes())
        fresh = load_pack(pack.name, shipped.read_text(encoding="utf-8"))  # no cache at all
        load_pack(pack)  # fills the cache
        again = load_pack(pack)  # from the cache: analyses kept, regexes compiled on use
        assert _patterns_of(again) == _patterns_of(fresh)
        for r in again.rules:
            for a in r.alternatives:
                for p in (*a.text, *a.all_text, *a.not_text):
                    assert isinstance(p.regex, rules._LazyRegex)
                    assert p.regex.pattern == p.source  # compiles...
                    assert isinstance(p.regex, re.Pattern)  # ...and takes its place
                    assert p.regex.flags & (re.I | re.M) == re.I | re.M


BAD = """\
[[rule]]
id = "bad-rule"
title = "t"
cause = "c"
reason = "filtered"
[[rule.match]]
text = ["cached example", "(a+)+b"]
"""


def test_a_bad_pattern_is_reported_also_when_the_pack_is_cached(tmp_path, cache):
    pack = tmp_path / "bad.toml"
    pack.write_text(BAD, encoding="utf-8")
    for _ in range(2):  # parsed, then from the cache
        with pytest.raises(RuleError, match="bad-rule: nested repeats"):
            load_pack(pack)


def test_derived_part_is_worked_out_again_for_other_code(tmp_path, cache):
    pack = tmp_path / "p.toml"
    pack.write_text(PACK, encoding="utf-8")
    calls = []

    def derive(data):
        calls.append(1)
        return len(data["rule"])

    assert tomlcache.load_derived(pack, derive, b"v1") == (tomllib.loads(PACK), 1)
    assert tomlcache.load_derived(pack, derive, b"v1")[1] == 1 and len(calls) == 1
    assert tomlcache.load_derived(pack, derive, b"v2")[1] == 1 and len(calls) == 2


def test_a_failing_derivation_leaves_it_to_the_caller(tmp_path, cache):
    pack = tmp_path / "p.toml"
    pack.write_text(PACK, encoding="utf-8")
    assert tomlcache.load_derived(pack, lambda data: 1 / 0) == (tomllib.loads(PACK), None)
