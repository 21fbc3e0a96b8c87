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
