"""The HTML report: structure, languages, checks sections, and that hostile input stays inert."""

from __future__ import annotations

import base64
import hashlib
import re

import pytest
from click.testing import CliRunner

from mailcheck.cli import main
from mailcheck.diagnosis import diagnose
from mailcheck.model import Diagnosis
from mailcheck.render import render
from mailcheck.render.html import render_page, report_view, verdict

from .conftest import FIXTURES
from .htmltree import Node, parse

EXO = FIXTURES / "report" / "exo-5.7.520-forwarding.eml"
GMAIL = FIXTURES / "report" / "gmail-sendas-with-signin-log.txt"
HOSTILE = FIXTURES / "report" / "hostile-ndr.eml"


def report(path, lang="en", checks=None) -> tuple[Diagnosis, str, Node]:
    diag = diagnose(path.read_bytes(), lang=lang, source=path.name)
    if checks is not None:
        diag.checks = checks
    html = render(diag, "html")
    return diag, html, parse(html)


def csp_of(doc: Node) -> str:
    meta = doc.find("meta", **{"http-equiv": "Content-Security-Policy"})
    assert meta is not None
    return meta.attrs["content"] or ""


def sha(text: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()


def assert_tables_have_headers(doc: Node) -> None:
    tables = doc.find_all("table")
    for t in tables:
        head = t.find("thead")
        assert head is not None and head.find_all("th"), "table without a header row"
        assert all(th.attrs.get("scope") == "col" for th in head.find_all("th"))
        for tr in t.find("tbody").children:
            if isinstance(tr, Node):
                for th in tr.children:
                    if isinstance(th, Node) and th.tag == "th":
                        assert th.attrs.get("scope") == "row"


# -- structure ---------------------------------------------------------------------------------

def test_exchange_ndr_report_structure():
    diag, html, doc = report(EXO)
    assert doc.attrs["doctype"].lower() == "doctype html"
    assert doc.find("html").attrs["lang"] == "en"
    h1s = doc.find_all("h1")
    assert len(h1s) == 1
    sentence = h1s[0].text()
    assert "hanako.suzuki+outlook@gmail.com" in sentence
    assert "was not delivered" in sentence
    assert "blocked automatic forwarding" in sentence
    assert doc.find("title").text() == sentence == verdict(diag)

    facts = doc.find("dl", class_="facts").text()
    assert "error" in facts  # severity as a word, not only a colour
    assert "the sender's administrator" in facts
    assert "Narrow fix (recommended)" in facts
    assert "New-HostedOutboundSpamFilterPolicy" in facts

    h2 = [h.text() for h in doc.find_all("h2")]
    assert {"Findings", "Recipients", "The input as read"} <= set(h2)
    findings = doc.find_all("article", class_="finding")
    assert len(findings) == len(diag.findings) == 1
    f = findings[0]
    assert f.find("h3").text().endswith("Exchange Online blocked automatic forwarding to an "
                                        "external address")
    h4 = [h.text().strip() for h in f.find_all("h4")]
    for want in ("Cause", "Evidence", "Fix", "Security trade-off", "Confirm the fix",
                 "References"):
        assert any(want in h for h in h4), want

    # Evidence quoted in context: the cited line marked, its neighbours shown unmarked.
    fig = f.find("figure", class_="evidence")
    cited = fig.find_all("mark", class_="cited")
    assert len(cited) == 1 and "550 5.7.520 Access denied" in cited[0].text()
    rows = fig.find("pre").find_all(None, class_="ln")
    assert len(rows) == 5
    n = int(cited[0].attrs["data-n"])
    assert [int(r.attrs["data-n"]) for r in rows] == list(range(n - 2, n + 3))
    assert fig.find("a").attrs["href"] == f"#L{n}"
    raw_line = doc.find("span", id=f"L{n}")
    assert raw_line is not None and raw_line.text() == diag.evidence.lines[n - 1].text

    # Fix steps with PowerShell in copyable blocks.
    steps = f.find("ol", class_="steps").find_all("li")
    assert len(steps) == 3
    codes = [p.find("code").text() for p in f.find_all("pre", class_="code")]
    assert "Set-HostedOutboundSpamFilterPolicy -Identity Default -AutoForwardingMode On" in codes
    refs = [a.attrs["href"] for a in f.find("ul", class_="refs").find_all("a")]
    assert refs == diag.findings[0].references

    # Recipients table.
    table = doc.find("section", id="recipients").find("table")
    assert_tables_have_headers(doc)
    row = table.find("tbody").find("tr")
    assert row.find("th").text() == "hanako.suzuki+outlook@gmail.com"
    assert "5.7.520" in row.text() and "policyviolation" in row.text()

    # The raw input, collapsed, every line present.
    details = doc.find("section", id="raw").find("details")
    assert details is not None and "open" not in details.attrs
    assert len(details.find_all("span", class_="ln")) == len(diag.evidence.lines)


def test_gmail_dialog_report_names_both_layers():
    diag, html, doc = report(GMAIL)
    sentence = doc.find("h1").text()
    assert sentence.startswith("Gmail gave up waiting to log in")
    assert "Conditional Access" in sentence
    assert len(doc.find_all("article", class_="finding")) == len(diag.findings) == 2
    assert "Recipients" not in [h.text() for h in doc.find_all("h2")]  # none named: no table
    # Backquoted commands in rule texts become <code>, still escaped.
    assert any("mailcheck probe smtp.office365.com" in c.text() for c in doc.find_all("code"))


def test_japanese_report():
    diag, html, doc = report(EXO, lang="ja")
    assert doc.find("html").attrs["lang"] == "ja"
    sentence = doc.find("h1").text()
    assert sentence.startswith("hanako.suzuki+outlook@gmail.com 宛てのメールは配信されませんでした")
    assert "Exchange Online が外部アドレスへの自動転送をブロックしました" in sentence
    h2 = {h.text() for h in doc.find_all("h2")}
    assert {"診断結果", "受信者", "読み込んだ入力"} <= h2
    body = doc.find("main").text()
    for english in ("Findings", "Recipients", "Security trade-off", "Confirm the fix",
                    "Who must act", "Narrow fix"):
        assert english not in body, english
    assert "送信側の管理者" in doc.find("dl", class_="facts").text()
    assert "範囲を絞った修正(推奨)" in doc.find("dl", class_="facts").text()
    assert doc.find("body").attrs["data-copy"] == "コピー"


def test_csp_allows_exactly_the_inline_style_and_script():
    _, html, doc = report(EXO)
    csp = csp_of(doc)
    assert "default-src 'none'" in csp
    assert "unsafe-inline" not in csp and "http" not in csp
    styles, scripts = doc.find_all("style"), doc.find_all("script")
    assert len(styles) == 1 and len(scripts) == 1
    assert f"style-src '{sha(styles[0].text())}'" in csp
    assert f"script-src '{sha(scripts[0].text())}'" in csp
    # The CSP comes before anything it governs.
    assert html.index("Content-Security-Policy") < html.index("<style>")


def test_page_is_self_contained():
    for path in (EXO, GMAIL, HOSTILE):
        _, html, doc = report(path)
        for n in doc.iter():
            assert "style" not in n.attrs, n.tag  # the CSP forbids style attributes
            for attr in ("src", "srcset", "poster", "data", "action", "formaction"):
                assert attr not in n.attrs, (n.tag, attr)
        assert not doc.find_all("link") and not doc.find_all("img")
        hrefs = [a.attrs["href"] for a in doc.find_all("a")]
        assert all(h.startswith(("#", "https://learn.microsoft.com", "https://support.google",
                                 "https://aka.ms", "https://www.rfc-editor.org",
                                 "https://www.iana.org")) for h in hrefs), hrefs
        for a in doc.find_all("a"):
            if a.attrs["href"].startswith("http"):
                assert a.attrs["rel"] == "noreferrer noopener"


# -- hostile input -----------------------------------------------------------------------------

HOSTILE_CHECKS = {
    "hops": [{"from": "<script>document.title='PWNED'</script>", "by": "\"><img src=x onerror=alert(1)>",
              "with": "ESMTPS", "tls": "javascript:alert(1)", "timestamp": "<b>now</b>",
              "delay_seconds": 5, "ip": "<svg onload=alert(1)>", "id": "<i>x</i>"}],
    "auth": {"recorded": {"<script>x</script>": "pass <img src=x onerror=alert(1)>"},
             "computed": {"spf": {"result": "fail", "<b>": "</td></tr></table><script>"}},
             "disagreements": ["<script>alert(1)</script>"]},
    "dns": [{"name": "<iframe src=javascript:alert(1)>", "type": "TXT",
             "answers": ["\"><script>alert(1)</script>"], "ttl": "<b>1</b>"},
            {"name": "x", "type": "MX", "error": "<img src=x onerror=alert(2)>"}],
    "probe": [{"step": "<script>", "reply": "javascript:alert(1)"}],
    "<script>alert('key')</script>": {"<img src=x onerror=alert(1)>": ["<svg onload=x>"]},
}

PAYLOAD_MARKERS = ("<script", "<img", "<svg", "<iframe", "<style", "<meta", "<base", "<form",
                   "<link", "<input", "<a href=\"javascript")


def assert_inert(html: str, doc: Node) -> None:
    scripts = doc.find_all("script")
    assert len(scripts) == 1, "a script element besides the report's own"
    assert f"'{sha(scripts[0].text())}'" in csp_of(doc)
    assert "PWNED" not in scripts[0].text()
    assert len(doc.find_all("style")) == 1
    for tag in ("iframe", "img", "svg", "form", "input", "base", "link", "object", "embed"):
        assert not doc.find_all(tag), tag
    metas = doc.find_all("meta")
    assert not [m for m in metas if (m.attrs.get("http-equiv") or "").lower() == "refresh"]
    for n in doc.iter():
        for k, v in n.attrs.items():
            assert not k.lower().startswith("on"), (n.tag, k)
            value = re.sub(r"[\s\x00-\x1f]", "", (v or "")).lower()
            assert not value.startswith(("javascript:", "vbscript:", "data:text")), (n.tag, k, v)
    # Markup from the input survives only as text: its angle brackets are escaped, so the
    # raw page holds no tag but the report's own.
    low = html.lower()
    assert low.count("<script") == 1 and low.count("<style") == 1
    assert low.count("<meta") == len(metas)
    for marker in PAYLOAD_MARKERS:
        if marker not in ("<script", "<style", "<meta"):
            assert marker not in low, marker


def test_hostile_bounce_is_inert():
    diag, html, doc = report(HOSTILE, checks=HOSTILE_CHECKS)
    assert diag.findings and diag.findings[0].rule == "exo-external-forwarding-blocked"
    assert_inert(html, doc)
    text = doc.find("main").text()
    # The payloads are visible as text, exactly as the input had them.
    assert "<script>document.body.setAttribute('data-pwned', '1');" in text
    assert "&lt;script&gt;alert('encoded')&lt;/script&gt;" in text  # not decoded a second time
    assert "{{ 7*7 }}" in text  # no template injection
    assert '<a href="javascript:alert(document.domain)">click to fix</a>' in text
    assert "</pre></details></main><script>alert('breakout')</script>" in text
    # Every check section rendered, with the hostile values as text.
    for sid in ("route", "auth", "dns", "probe", "check-1"):
        assert doc.find("section", id=sid) is not None, sid
    assert "<script>alert('key')</script>" in doc.find("section", id="check-1").text()
    assert "PWNED" not in doc.find("title").text()


def test_hostile_source_name_and_japanese_page_are_inert():
    data = HOSTILE.read_bytes()
    diag = diagnose(data, lang="ja", source='"><script>alert(1)</script>.eml')
    html = render(diag, "html")
    assert_inert(html, parse(html))


# -- checks from verify / probe ----------------------------------------------------------------

CHECKS = {
    "hops": [
        {"from": "mail-gw.fabrikam.co.jp", "by": "TYWP286MB1999.mail.protection.outlook.com",
         "with": "ESMTPS", "tls": "TLS1.3", "id": "abc", "for": None,
         "timestamp": "2025-06-02T09:12:04+00:00", "delay_seconds": None, "ip": "203.0.113.45"},
        {"from": "TYWP286MB1999.JPNP286.PROD.OUTLOOK.COM", "by": "TYCP286MB2345.JPNP286.PROD.OUTLOOK.COM",
         "with": "mapi", "tls": None, "id": None, "for": None,
         "timestamp": "2025-06-02T09:19:06+00:00", "delay_seconds": 422, "ip": None},
        {"from": "a", "by": "b", "timestamp": "2025-06-02T09:19:01+00:00", "delay_seconds": -5},
    ],
    "auth": {"recorded": {"spf": "pass", "dkim": "pass", "dmarc": "pass"},
             "computed": {"spf": {"result": "pass", "domain": "fabrikam.co.jp"},
                          "dkim": {"result": "fail", "reason": "body hash mismatch"}},
             "disagreements": ["dkim: recorded pass, re-checked fail"]},
    "dns": [{"name": "fabrikam.co.jp", "type": "TXT", "answers": ["v=spf1 ip4:203.0.113.0/24 -all"],
             "ttl": 3600},
            {"name": "_dmarc.fabrikam.co.jp", "type": "TXT", "error": "NXDOMAIN", "ttl": None}],
    "probe": [{"step": "connect", "reply": "220 ready"}, {"step": "EHLO", "reply": "250"}],
    "tls_report": {"chain": "none"},
}


def test_checks_sections_render_when_present():
    _, html, doc = report(EXO, checks=CHECKS)
    route = doc.find("section", id="route")
    hops = route.find("ol", class_="timeline").find_all("li")
    assert len(hops) == 3
    assert "mail-gw.fabrikam.co.jp [203.0.113.45]" in hops[0].text()
    assert "7 min 2 s" in hops[1].text() and "slow" in hops[1].text()
    assert "clocks disagree" in hops[2].text()
    auth = doc.find("section", id="auth").find("table")
    heads = [th.text() for th in auth.find("thead").find_all("th")]
    assert heads == ["Check", "Recorded by the receiver", "Re-checked by mailcheck", "Agreement"]
    body = auth.find("tbody")
    rows = {r.find("th").text().strip(): r for r in body.children if isinstance(r, Node)}
    assert "same" in rows["spf"].find_all("td")[-1].text()
    assert "differs" in rows["dkim"].find_all("td")[-1].text()
    assert "—" in rows["dmarc"].find_all("td")[-1].text()  # nothing to compare against
    assert "body hash mismatch" in rows["dkim"].text()
    dns = doc.find("section", id="dns")
    assert "v=spf1 ip4:203.0.113.0/24 -all" in dns.text() and "NXDOMAIN" in dns.text()
    assert "220 ready" in doc.find("section", id="probe").text()
    other = doc.find("section", id="check-1")
    assert other.find("h2").text() == "Check: tls_report" and "none" in other.text()
    assert_tables_have_headers(doc)
    toc = [a.attrs["href"] for a in doc.find("nav").find_all("a")]
    assert {"#route", "#auth", "#dns", "#probe", "#check-1"} <= set(toc)


def test_checks_of_unexpected_shape_fall_back_to_a_table():
    odd = {"hops": "not a list", "auth": ["pass"], "dns": {"a": 1},
           "probe": "220 hello", "nested": [[1, [2, {"deep": {"deeper": [3]}}]]],
           "numbers": {1: 2.5, "flag": True, "none": None}}
    _, html, doc = report(EXO, checks=odd)
    assert "not a list" in doc.find("section", id="route").text()
    assert "pass" in doc.find("section", id="auth").text()
    assert "a" in doc.find("section", id="dns").find("th", scope="row").text()
    assert "220 hello" in doc.find("section", id="probe").text()
    assert "deeper" in html and "true" in doc.find("main").text()


def test_no_checks_no_check_sections():
    _, _, doc = report(EXO)
    for sid in ("route", "auth", "dns", "probe", "check-1"):
        assert doc.find("section", id=sid) is None


# -- edges ---------------------------------------------------------------------------------

def test_unreadable_and_unrecognised_inputs_render():
    err = diagnose(b"", source="empty.txt")
    doc = parse(render(err, "html"))
    assert doc.find("h1").text().startswith("The input could not be read")
    nothing = diagnose(b"hello there\nnothing to see\n", source="note.txt")
    doc = parse(render(nothing, "html"))
    assert doc.find("h1").text().startswith("Nothing recognised")
    assert doc.find("section", id="raw") is not None


def test_verdict_counts_recipients_beyond_two():
    diag = diagnose(EXO.read_bytes())
    diag.findings[0].recipients = ["a@x.example", "b@x.example", "c@x.example", "d@x.example"]
    assert verdict(diag).startswith("Mail to a@x.example, b@x.example and 2 more was not")


def test_render_page_for_other_pages():
    """The base template serves other pages: batch/verify/probe extend it the same way."""
    html = render_page("report.html.j2", lang="ja", title="<t>", redacted=True,
                       r=report_view(diagnose(GMAIL.read_bytes(), lang="ja")))
    doc = parse(html)
    assert doc.find("title").text() == "<t>"
    assert "匿名化済み" in doc.find("aside").text()


def test_cli_writes_html(tmp_path):
    out = tmp_path / "report.html"
    res = CliRunner().invoke(main, ["diagnose", str(EXO), "--format", "html", "-o", str(out),
                                    "--lang", "ja"])
    assert res.exit_code == 0, res.output
    doc = parse(out.read_text("utf-8"))
    assert doc.find("html").attrs["lang"] == "ja"
    assert "5.7.520" in doc.find("main").text()


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_print_stylesheet_expands_collapsed_parts(lang):
    _, _, doc = report(EXO, lang=lang)
    css = doc.find("style").text()
    assert "@media print" in css and "@page" in css and "A4" in css
    assert "details::details-content" in css  # CSS-only expansion where supported
    assert "beforeprint" in doc.find("script").text()  # and the hashed script elsewhere


def test_long_input_is_cut_in_the_raw_section(monkeypatch):
    from mailcheck.render import html as html_module

    monkeypatch.setattr(html_module, "MAX_RAW_LINES", 10)
    diag, _, doc = report(EXO)
    raw = doc.find("section", id="raw")
    assert len(raw.find_all("span", class_="ln")) == 10
    total = len(diag.evidence.lines)
    assert f"{total} lines" in raw.find("summary").text()
    assert f"first 10 of the {total} lines" in raw.find("p", class_="note").text()
    # Evidence beyond the cut is still quoted in its finding.
    assert "550 5.7.520" in doc.find("mark", class_="cited").text()


def _verified(name: str, lang: str = "en") -> Diagnosis:
    from mailcheck.auth_commands import build_resolver
    from mailcheck.verify import verify_message

    zones = tuple(str(z) for z in sorted((FIXTURES / "verify" / "zones").glob("*.zone")))
    resolver = build_resolver(zones, None, None, 3.0)
    path = FIXTURES / "verify" / name
    return verify_message(path.read_bytes(), resolver, now=1700000100, source=name, lang=lang)


def test_verify_report_shows_route_auth_side_by_side_and_dns():
    """The checks as `mailcheck verify` fills them (docs/json-schema.md, issue 4)."""
    diag = _verified("gmail-own-servers.eml")
    doc = parse(render(diag, "html"))
    route = doc.find("section", id="route")
    hops = [n for n in route.find("ol", class_="timeline").children if isinstance(n, Node)]
    assert len(hops) == len(diag.checks["received"])
    edge = [h for h in hops if "boundary" in (h.attrs.get("class") or "")]
    assert len(edge) == 1 and "the receiving organisation took the message here" in edge[0].text()
    assert "not encrypted" in hops[0].text()  # said in words, not only by colour
    auth = doc.find("section", id="auth").find("table")
    rows = [r for r in auth.find("tbody").children if isinstance(r, Node)]
    assert [r.find("th").text().split()[0] for r in rows] == [
        c["method"] for c in diag.checks["comparison"]]
    dmarc = rows[[c["method"] for c in diag.checks["comparison"]].index("dmarc")]
    assert "kaisha.example" in dmarc.find("th").text()
    assert "NOT aligned" in dmarc.text()
    dns = doc.find("section", id="dns")
    assert "v=DMARC1; p=quarantine" in dns.text()
    assert "SFV:SPM" in doc.find("section", id="antispam").text()
    assert {s.text() for s in doc.find("section", id="recheck").find_all("summary")} >= {
        "spf", "dkim", "dmarc"}
    assert_tables_have_headers(doc)
    ja = parse(render(_verified("gmail-own-servers.eml", "ja"), "html"))
    assert "ここで受信側の組織が受け取りました" in ja.find("section", id="route").text()
    assert "スパム" in ja.find("section", id="antispam").text()


def test_header_reading_without_verify_says_results_are_the_receivers():
    diag = diagnose((FIXTURES / "verify" / "gmail-own-servers.eml").read_bytes())
    assert "authentication" in diag.checks and "comparison" not in diag.checks
    doc = parse(render(diag, "html"))
    auth = doc.find("section", id="auth")
    assert "mailcheck verify" in auth.find("p", class_="note").text()
    assert "dmarc" in auth.find("tbody").text() and "fail" in auth.find("tbody").text()


def test_bidi_overrides_and_controls_are_shown_not_obeyed():
    text = ("Remote Server returned '550 5.7.520 Access denied \u202egnp.exe\u202c"
            " \x1b[31mred\x07 AS(7555)'\n")
    diag = diagnose(text.encode())
    html = render(diag, "html")
    for ch in ("\u202e", "\u202c", "\x1b", "\x07"):
        assert ch not in html
    doc = parse(html)
    assert "\\u202egnp.exe\\u202c" in doc.find("mark", class_="cited").text()
    assert "\\u001b[31mred\\u0007" in doc.find("section", id="raw").text()
