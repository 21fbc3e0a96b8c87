"""The one-pass literal scan and the gates the rule engine derives from patterns."""

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from mailcheck import textscan
from mailcheck.diagnosis import default_rules, diagnose
from mailcheck.model import Evidence, Line
from mailcheck.rules import _required_literal, _start_strings
from mailcheck.textscan import LiteralSet

from .conftest import ROOT

WORDS = ["user unknown", "unknown", "user", "known", "5.7.520", "スパム", "ユーザー", "x",
         "mailbox full", "full", "ll", "aa", "aaa"]


def test_overlapping_and_nested_literals_are_all_found():
    s = LiteralSet(WORDS)
    assert s.present("550 5.1.1 user unknown; mailbox full") == {
        "user unknown", "unknown", "user", "known", "mailbox full", "full", "ll", "x"}
    assert s.present("aaaa") == {"aa", "aaa"}
    assert s.present("宛先のユーザーは存在しません") == {"ユーザー"}
    assert s.present("") == frozenset()
    assert LiteralSet([]).present("anything") == frozenset()


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(WORDS + [" ", "-", "550 ", "a", "u", "ー"]), max_size=20))
def test_automaton_and_plain_loop_agree(pieces):
    text = "".join(pieces)
    s = LiteralSet(WORDS)
    fast = s.present(text)
    textscan._FORCE_PLAIN = True
    try:
        plain = s.present(text)
    finally:
        textscan._FORCE_PLAIN = False
    assert fast == plain == {w for w in WORDS if w in text}


def test_engine_gives_the_same_answers_without_the_c_extension():
    files = sorted((ROOT / "fixtures" / "bounces").rglob("*.eml"))[:40]
    assert files
    with_ac = [diagnose(f.read_bytes()).to_dict() for f in files]
    textscan._FORCE_PLAIN = True
    textscan._shared = None
    try:
        plain = [diagnose(f.read_bytes()).to_dict() for f in files]
    finally:
        textscan._FORCE_PLAIN = False
        textscan._shared = None
    assert plain == with_ac


@pytest.mark.parametrize("pattern, literals", [
    (r"\b(?:user|mailbox) (?:unknown|not found)\b",
     ("mailbox not found", "mailbox unknown", "user not found", "user unknown")),
    (r"message (?:size )?too big", ("message size too big", "message too big")),
    (r"[Ss]ender address rejected", ("sender address rejected",)),
    (r"5\.7\.520", ("5.7.520",)),
    (r"\d{3} [45]\.\d\.\d", (" 4.", " 5.")),
    (r"\d{3}-\d", None),  # no fixed string of three characters
])
def test_gates_spell_out_small_alternations(pattern, literals):
    assert _required_literal(pattern) == literals


def test_every_gate_is_sound_on_every_rule_example():
    """Whenever a rule's pattern matches one of the packs' examples, one of the pattern's
    gate literals occurs in it: a gate never hides a match."""
    rs = default_rules()
    examples = [e for r in rs.rules for e in (*r.examples, *r.counterexamples)]
    checked = 0
    for rule in rs.rules:
        for alt in rule.alternatives:
            for p in (*alt.text, *alt.all_text, *alt.not_text):
                if not p.literal:
                    continue
                for ex in examples:
                    if p.regex.search(ex):
                        checked += 1
                        assert any(x in ex.lower() for x in p.literal), (rule.id, p.source, ex)
    assert checked > 50


@pytest.mark.parametrize("pattern, starts", [
    (r"\b(?:user|mailbox) (?:unknown|not found)\b",
     ("mailbox not found", "mailbox unknown", "user not found", "user unknown")),
    (r"[Ss]ender address rejected", ("sender address rejected",)),
    (r"^550 ", ("550 ",)),
    (r"5\.7\.520", None),  # opens with a literal: the regex engine skips ahead itself
    (r"mailbox (?:is )?full", ("mailbox full", "mailbox is full")),  # ...but not to a letter
    (r"(?:a|b)c", None),  # too short to be worth a look-up
    (r"\w{1,5} unknown", None),  # no fixed start
])
def test_start_strings_are_what_every_match_opens_with(pattern, starts):
    assert _start_strings(pattern) == starts


_FRAGMENTS = ["user unknown", "USER Unknown", "superuser unknown", "mailbox not found",
              "Recipient Not Found", "sender address rejected", "SENDER", "\n", " ", "x",
              "550 ", "probe: host-not-found:", "dkim=temperror", "user", "unknownx", "ü",
              # not ASCII: lower-cased to two characters (İ), matched to i and s by the
              # regex engine but not lower-cased to them (ı, ſ), Kelvin sign, wide text
              "İ", "uſer unknown", "MAİLBOX FULL", "mailbox fuLL", "\u212a", "ı", "ſ",
              "宛先", "Mailbox is full"]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(_FRAGMENTS), max_size=20))
@example(["uſer unknown", " ", "user unknown"])  # the engine's first match is before str.find's
@example(["ı", "x", "\n", "İ", "mailbox fuLL", " ", "user unknown"])  # offsets move in .lower()
def test_searching_from_the_first_start_string_finds_the_same_first_match(parts):
    """A pattern with start strings finds exactly what a search from the top finds: same
    span, or no match (\\b and ^ still look at the text before the starting point). Only
    the start strings the shared scan found are looked for."""
    text = "".join(parts)
    patterns = [p for r in default_rules().rules for a in r.alternatives
                for p in (*a.text, *a.all_text, *a.not_text) if p.starts]
    assert patterns
    ev = Evidence(lines=[Line("text/plain", i + 1, t) for i, t in enumerate(text.split("\n"))])
    for p in patterns:
        present = ev.present_literals()
        got = p.search(ev, present)
        # the regex over the whole text, where the literal gate lets it run (the gate is
        # the shared scan of the lower-cased text: it does not see "uſer" as "user")
        gated = p.literal and present.isdisjoint(p.literal)
        want = None if gated else p.regex.search(ev.haystack())
        assert (got and got.span()) == (want and want.span()), p.source


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(WORDS + ["\udc80", "\udcff", "é", "\ud800x", " "]),
                max_size=20))
def test_text_with_lone_surrogates_is_scanned_too(pieces):
    # undecodable input bytes survive as lone surrogates; the automaton takes UTF-8 only
    text = "".join(pieces)
    for words in (WORDS, WORDS + ["\udc80u", "\udcff\udc80"]):
        assert LiteralSet(words).present(text) == {w for w in words if w in text}


def test_the_automaton_is_used_for_text_with_surrogates():
    s = LiteralSet(WORDS)  # ahocorasick_rs is a dependency: the automaton must be there
    assert s._automaton is not None
    assert s.present("\udc80user unknown\udcff") == {"user unknown", "user", "unknown",
                                                     "known"}
    assert s._bytes_automaton is not None
