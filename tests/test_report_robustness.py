"""Whatever the input and whatever shape diag.checks takes, the report and redaction render
a well-formed page and never raise."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mailcheck import diagnose
from mailcheck.redact import redact_diagnosis
from mailcheck.render import render

from .conftest import FIXTURES
from .htmltree import parse

_PIECES = st.sampled_from([
    "From: \"A <b>\" <a@b.example>\n", "Subject: Re: <script>x</script>\n", "Name: Jo Do\n",
    "Message-ID: <x@y.example>\n", "Final-Recipient: rfc822; a@b.example\n", "Status: 5.7.520\n",
    "Action: failed\n", "Remote Server returned '550 5.7.520 x AS(7555)'\n", "10.0.0.1 ",
    "fe80::1 ", "2001:db8::1 ", "user@sub.corp.example.co.jp ", "\n", "<", ">", "&amp;", "\"",
    "'", "`", "{{ x }}", "\x00", "\u202e", "(state SENT_SECOND_EHLO), code: 421\n",
])
_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                max_size=4),
    max_leaves=20)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_PIECES, max_size=40).map("".join), st.sampled_from(["en", "ja"]), st.booleans())
def test_any_input_renders_a_well_formed_page(text, lang, redact):
    diag = diagnose(text, lang=lang)
    if redact:
        diag = redact_diagnosis(diag)
    for fmt in ("text", "json"):
        render(diag, fmt)
    doc = parse(render(diag, "html"))
    assert len(doc.find_all("h1")) == 1
    assert len(doc.find_all("script")) == 1


@settings(max_examples=60, deadline=None)
@given(st.dictionaries(st.sampled_from(["hops", "auth", "dns", "probe", "other", "x"]), _JSON,
                       max_size=5))
def test_any_checks_shape_renders(checks):
    diag = diagnose((FIXTURES / "report" / "exo-5.7.520-forwarding.eml").read_bytes())
    diag.checks = checks
    doc = parse(render(diag, "html"))
    for name in checks:
        if name in ("hops", "auth", "dns", "probe"):
            continue
        assert any(name in h.text() for h in doc.find_all("h2"))
    redact_diagnosis(diag)
