"""batch._encode keeps one C encoder; held to JSONEncoder.encode with the same options."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from mailcheck.batch import _encode

_reference = json.JSONEncoder(ensure_ascii=False, check_circular=False).encode

_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner,
                                                                max_size=4),
    max_leaves=20)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.text(max_size=8), _values, max_size=6))
def test_encode_is_json_encoder(d: dict) -> None:
    assert _encode(d) == _reference(d)


def test_encode_twice_and_nested() -> None:
    d = {"schema": 1, "findings": [{"confidence": 0.3, "fix": ["a\u3042\n\"x\""]}],
         "checks": {}, "error": None}
    assert _encode(d) == _reference(d) == _encode(d)


# -- the JSON line, written from the Diagnosis (batch._line) -----------------------------------
# held to the general form it replaces: the encoder over Diagnosis.to_dict() with the locator

from mailcheck import batch  # noqa: E402
from mailcheck.archive import Item  # noqa: E402
from mailcheck.diagnosis import default_rules, diagnose  # noqa: E402
from mailcheck.model import Diagnosis, Finding, FixStep, Line, RecipientResult  # noqa: E402

from .conftest import FIXTURES  # noqa: E402


def _general_line(diag: Diagnosis, item: Item) -> str:
    return _reference(batch._with_locator(diag.to_dict(), item))


_odd_text = st.text(alphabet=st.sampled_from(['a', '"', "\\", "\n", "\x00", "\u3042", "\ud800",
                                               "\u2028", " "]), max_size=6)
_texty = _odd_text | st.none() | st.sampled_from(["same", "same title", "5.1.1"])
# what a careless rule pack or caller could put where text belongs
_anything = _texty | st.integers(-2, 2) | st.booleans() | st.floats(allow_nan=True) | st.lists(
    st.sampled_from(["a", "b"]), max_size=2)
_lines = st.builds(Line, st.sampled_from(["body", "headers"]), st.integers(0, 99) | st.booleans(),
                   _odd_text)
_steps = st.builds(FixStep, _texty | _anything, _texty | _anything)
_findings = st.builds(
    Finding, rule=_texty, title=_texty, reason=_texty | _anything,
    confidence=st.floats(allow_nan=True) | st.integers(0, 1) | st.sampled_from([0.85, -0.0]),
    cause=_texty, evidence=st.lists(_lines, max_size=3),
    fix=st.lists(_steps, max_size=3), tradeoff=_texty | _anything,
    confirm=st.lists(_texty | _anything, max_size=2),
    references=st.lists(_texty, max_size=2), severity=_texty, actor=_texty,
    generic=st.booleans() | st.sampled_from([0, 1, None]), pack=_texty,
    recipients=st.lists(_texty, max_size=2))
_recipients = st.builds(
    RecipientResult, recipient=_texty, action=_texty, status=_texty, reply_code=_texty,
    diagnostic=_texty, remote_mta=_texty, reason=_texty | _anything,
    hard_bounce=st.none() | st.booleans(), rule=_texty, feedback_type=_texty | _anything)
_diagnoses = st.builds(
    Diagnosis, source=_odd_text, kind=_texty, recipients=st.lists(_recipients, max_size=2),
    findings=st.lists(_findings, max_size=3), systems=st.lists(_odd_text, max_size=2),
    error=_texty, lang=st.sampled_from(["en", "ja"]), notes=st.lists(_odd_text, max_size=2),
    checks=st.dictionaries(st.text(max_size=3), _values, max_size=2), redacted=st.booleans())


@settings(max_examples=400, deadline=None)
@given(_diagnoses, st.none() | st.integers(1, 3))
def test_line_is_the_encoded_dict(diag: Diagnosis, message: int | None) -> None:
    item = Item(source=diag.source, message=message)
    # the second time from the kept pieces; the store is shared by all examples (pieces of
    # one example are served to the next)
    for _ in range(2):
        assert batch._line(diag, item) == _general_line(diag, item)


def test_line_on_the_fixtures_in_both_languages() -> None:
    files = sorted(FIXTURES.rglob("*.eml"))
    assert len(files) > 40
    rules = default_rules()
    kept = (batch._statics,)
    for pieces in kept:
        pieces.texts.clear()
    for _ in range(2):
        for f in files:
            data = f.read_bytes()
            for lang in ("en", "ja"):
                diag = diagnose(data, lang=lang, source=str(f), rules=rules)
                for item in (Item(source=str(f)), Item(source=str(f), message=2)):
                    assert batch._line(diag, item) == _general_line(diag, item), (f, lang)
    assert all(p.texts for p in kept)  # (the pieces were kept and then served)


def test_kept_pieces_are_bounded(monkeypatch) -> None:
    monkeypatch.setattr(batch._Pieces, "LIMIT", 3)
    pieces = batch._Pieces()
    for i in range(10):
        assert pieces.get((str(i),), lambda k: k[0] + "!") == f"{i}!"
        assert len(pieces.texts) <= 3
    assert pieces.get(([1],), lambda k: "unhashable") == "unhashable"
    assert pieces.get((1,), lambda k: "not text") == "not text" and (1,) not in pieces.texts


def test_pieces_of_different_kinds_with_equal_keys() -> None:
    # the head of one finding (rule, title, reason) and the fix texts of another are both
    # ("a", "b", "c"): each kind of piece has its own store
    one = Finding("a", "b", "c", 0.5, "cause", [], [], None, [], [])
    two = Finding("r", "t", "userunknown", 0.5, "cause", [], [FixStep(x) for x in "abc"],
                  None, [], [])
    diag = Diagnosis(source="s", kind="bounce", findings=[one, two, two, one])
    item = Item(source="s")
    assert batch._line(diag, item) == _general_line(diag, item)
