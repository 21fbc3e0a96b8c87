

def test_japanese_wrapping_keeps_words_and_follows_kinsoku():
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from mailcheck.render.text import _NO_END, _NO_START, wrap

    # ASCII words stand between spaces, as in the rule texts (a word longer than the
    # line would be cut, and is not what this checks)
    pieces = st.sampled_from(["設定", "を", "「オフ」", "。", "、", "(既定)", " smtp.office365.com ",
                              " SENT_SECOND_EHLO ", " ", "ユーザー", " Exchange ", "管理センター"])

    @settings(max_examples=300, deadline=None)
    @given(st.lists(pieces, min_size=1, max_size=40), st.integers(min_value=30, max_value=60))
    def check(parts, width):
        text = "".join(parts)
        lines = wrap(text, width, "  ", "  ")
        assert "".join(ln.strip() for ln in lines).replace(" ", "") == text.replace(" ", "")
        if not text.strip():
            return
        for i, ln in enumerate(lines):
            body = ln[2:]
            assert sum(2 if ord(c) > 0x2E7F else 1 for c in ln) <= width + 2
            if i:
                assert body[:1] not in _NO_START, lines
            if i < len(lines) - 1:
                assert body[-1:] not in _NO_END or len(body) == 1, lines
        words = [w for w in ("smtp.office365.com", "SENT_SECOND_EHLO", "Exchange") if w in text]
        joined = "\n".join(lines)
        for w in words:
            assert w in joined.replace("\n  ", "\n") or w in joined

    check()
