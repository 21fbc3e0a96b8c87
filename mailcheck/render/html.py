"""The HTML report: one self-contained file a helpdesk engineer attaches to a ticket.

Bounce content is attacker-controlled, so the page is built to keep it inert:

- jinja2 with autoescaping on for every template; nothing from the input is marked safe.
- A Content-Security-Policy meta tag: nothing may be fetched (``default-src 'none'``),
  the one inline stylesheet and the one inline script are allowed by their SHA-256 hash,
  so an injected ``<style>``/``<script>`` would not run even if escaping failed.
- No inline event handlers and no ``style=`` attributes anywhere; links only for the rule
  packs' reference URLs, never for URLs found in the input.

Other pages (the batch summary, verify and probe reports) extend ``base.html.j2`` through
:func:`render_page`, which supplies the stylesheet, the script and the CSP. The view model
is built here in Python, so the templates only lay it out and a schema change in
``diag.checks`` falls back to a generic key/value table instead of breaking the page.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Mapping, Sequence
from functools import cache
from importlib import resources
from typing import Any

import jinja2
import markupsafe

from .. import __version__
from ..i18n import labels, reason_label
from ..ingest.authresults import NO_AUTHSERV_ID
from ..messages import localize, localize_tree
from ..model import Diagnosis, Finding, Line

#: Lines of input shown before and after a cited evidence line.
CONTEXT_LINES = 2
#: A hop slower than this is flagged "slow" in the route timeline.
SLOW_HOP_SECONDS = 300
#: Generic rendering of unknown check shapes stops descending here.
MAX_DEPTH = 6
#: Lines of the raw input the report includes (a ticket attachment, not an archive).
MAX_RAW_LINES = 5000
#: Recipients named in the verdict sentence before "and N more".
VERDICT_RECIPIENTS = 2

SEVERITY_ICONS = {"error": "✖", "warning": "⚠", "info": "ℹ"}


# -- the page shell: template environment, stylesheet, script, CSP ---------------------------

@cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("mailcheck.render", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.globals["severity_icon"] = lambda sev: SEVERITY_ICONS.get(sev, "•")
    env.filters["inline_code"] = inline_code
    return env


#: Characters that would act instead of showing: C0 controls and the bidirectional
#: overrides and isolates a hostile bounce can use to make a line read differently.
_INVISIBLE = re.compile("[\x00-\x08\x0b-\x1f\x7f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def visible(text: str | None) -> str | None:
    """Input text with controls and bidi overrides shown as ``\\u202e`` instead of acting."""
    if not text:
        return text
    return _INVISIBLE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def inline_code(text: str | None) -> markupsafe.Markup:
    """Rule text with `backquoted` commands shown as <code>; every piece is escaped."""
    parts = (text or "").split("`")
    if len(parts) % 2 == 0:  # an unmatched backquote: show the text as it is
        return markupsafe.escape(text or "")
    return markupsafe.Markup("").join(
        markupsafe.Markup("<code>{}</code>").format(p) if i % 2 else markupsafe.escape(p)
        for i, p in enumerate(parts))


def _asset(name: str) -> str:
    return resources.files("mailcheck.render").joinpath("templates", name).read_text("utf-8")


def _sha256(text: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode()


@cache
def page_assets() -> dict[str, Any]:
    """The inline stylesheet and script, and the CSP that allows exactly those two."""
    css = _asset("report.css")
    script = _asset("report.js")
    csp = (f"default-src 'none'; style-src '{_sha256(css)}'; script-src '{_sha256(script)}'; "
           "img-src data:; base-uri 'none'; form-action 'none'")
    # Our own static assets, inlined verbatim (escaping them would break them and their hash).
    return {"css": markupsafe.Markup(css), "script": markupsafe.Markup(script), "csp": csp}


def render_page(template: str, *, lang: str = "en", title: str, redacted: bool = False,
                **context: Any) -> str:
    """Render ``template`` (which extends ``base.html.j2``) into a complete HTML page.

    The base template needs ``lang``, ``L`` (the labels), ``title``, ``redacted`` and the
    page assets; callers pass their own data as keyword arguments.
    """
    tmpl = environment().get_template(template)
    return tmpl.render(lang=lang, L=labels(lang), title=title, redacted=redacted,
                       page=page_assets(), version=__version__, **context)


# -- the diagnosis report --------------------------------------------------------------------

def render_html(diag: Diagnosis) -> str:
    """The diagnosis as one self-contained HTML page in ``diag.lang``."""
    view = report_view(diag)
    return render_page("report.html.j2", lang=diag.lang, title=view["verdict"],
                       redacted=diag.redacted, r=view)


def report_view(diag: Diagnosis) -> dict[str, Any]:
    """Everything the report template shows, as plain dicts, lists and strings."""
    L = labels(diag.lang)
    lines = diag.evidence.lines if diag.evidence else []
    findings = [_finding_view(f, lines, L, diag.lang) for f in diag.findings]
    top = diag.top
    first_step = top.fix[0] if top and top.fix else None
    return {
        "source": L["source.stdin"] if diag.source == "-" else diag.source,
        "kind": L.get(f"kind.{diag.kind}", diag.kind),
        "verdict": verdict(diag),
        "error": diag.error,
        "severity": top.severity if top else None,
        "actor": _actor(top, L),
        "first_step": {"text": first_step.text, "powershell": first_step.powershell}
        if first_step else None,
        "findings": findings,
        "recipients": [r.to_dict() | {"diagnostic": visible(r.diagnostic),
                                      "reason_text": reason_label(r.reason, diag.lang),
                                      "reason_hard": _hardness(r.hard_bounce, L)}
                       for r in diag.recipients],
        "systems": list(diag.systems),
        "notes": list(diag.notes),
        **_checks_view(dict(diag.checks or {}), L, diag.lang),
        "raw": [{"number": ln.number, "part": ln.part,
                 "text": visible(localize(ln.text, diag.lang))}
                for ln in lines[:MAX_RAW_LINES]],
        "raw_total": len(lines),
        "nothing": _nothing(diag, L),
    }


def _nothing(diag: Diagnosis, L: Mapping[str, str]) -> str:
    """What to say when no finding was made: nothing recognised, or no cause identified."""
    recognised = diag.kind != "unknown" and (diag.recipients or diag.systems)
    return L["no_cause"] if recognised else L["nothing"]


def verdict(diag: Diagnosis) -> str:
    """One sentence: what failed, for whom, why."""
    L = labels(diag.lang)
    if diag.error:
        return L["report.verdict.error"].format(error=diag.error)
    top = diag.top
    if top is None:
        return _nothing(diag, L)
    why = top.title.rstrip(".。")
    if top.severity == "info":  # all is well: no failure to attribute to anyone
        return L["report.verdict.other"].format(why=why)
    also = next((f for f in diag.findings[1:] if not f.generic and f.severity != "info"), None)
    if also is not None:
        second = also.title.rstrip(".。")
        if second.startswith(("A ", "An ", "The ")):
            second = second[0].lower() + second[1:]
        why = L["report.verdict.also"].format(why=why, also=second)
    named = top.recipients or [r.recipient for r in diag.recipients
                               if r.recipient and r.reason != "delivered"]
    if not named:
        return L["report.verdict.other"].format(why=why)
    who = ", ".join(named[:VERDICT_RECIPIENTS])
    if len(named) > VERDICT_RECIPIENTS:
        who = L["report.verdict.more"].format(first=who, n=len(named) - VERDICT_RECIPIENTS)
    actions = [r.action for r in diag.recipients if r.recipient in named]
    delayed = bool(actions) and all(a == "delayed" for a in actions)
    key = "report.verdict.delayed" if delayed else "report.verdict.failed"
    return L[key].format(who=who, why=why)


def _actor(top: Finding | None, L: Mapping[str, str]) -> str | None:
    """Who must act on the top finding; nobody, when it only says that all is well."""
    if top is None or top.severity == "info":
        return None
    return L.get(f"actor.{top.actor}", top.actor) if top.actor else L["report.actor_unknown"]


def _hardness(hard: bool | None, L: Mapping[str, str]) -> str | None:
    if hard is None:
        return None
    return L["hard"] if hard else L["soft"]


def _finding_view(f: Finding, lines: Sequence[Line], L: Mapping[str, str],
                  lang: str = "en") -> dict[str, Any]:
    return {
        "rule": f.rule,
        "title": f.title,
        "severity": f.severity,
        "severity_label": L.get(f"severity.{f.severity}", f.severity),
        "confidence": f"{f.confidence:.2f}",
        "generic": f.generic,
        "actor": L.get(f"actor.{f.actor}", f.actor) if f.actor else None,
        "recipients": list(f.recipients),
        "cause": f.cause,
        "evidence": [_context(ln, lines, lang) for ln in _unique(f.evidence)],
        "fix": [{"text": s.text, "powershell": s.powershell} for s in f.fix],
        "tradeoff": f.tradeoff,
        "confirm": list(f.confirm),
        "references": [u for u in f.references if _is_web_url(u)],
    }


def _unique(evidence: Sequence[Line]) -> list[Line]:
    seen: set[tuple[int, str]] = set()
    out = []
    for ln in evidence:
        key = (ln.number, ln.text)
        if key not in seen:
            seen.add(key)
            out.append(ln)
    return out


def _context(cited: Line, lines: Sequence[Line], lang: str = "en") -> dict[str, Any]:
    """The cited line with a few input lines around it, the cited one marked.

    A finding may cite a line the engine synthesised (a recipient's diagnostic joined from
    several lines); when the input line at that number does not hold the cited text, the
    cited text is shown on its own.
    """
    i = cited.number - 1
    here = lines[i] if 0 <= i < len(lines) else None
    if here is None or cited.text.strip() not in here.text:
        shown = visible(localize(cited.text, lang))
        rows = [{"number": cited.number, "text": shown, "cited": True}]
    else:
        lo, hi = max(0, i - CONTEXT_LINES), min(len(lines), i + CONTEXT_LINES + 1)
        rows = [{"number": ln.number, "text": visible(localize(ln.text, lang)), "cited": j == i}
                for j, ln in enumerate(lines[lo:hi], lo)]
    return {"number": cited.number, "part": cited.part, "rows": rows}


def _is_web_url(url: str) -> bool:
    return isinstance(url, str) and url.startswith(("https://", "http://")) and \
        not any(c in url for c in "\"'<> \t\r\n")


# -- checks (header reading, verify, probe): known shapes, else a generic table ------------
#
# diag.checks as issue 4 fills it (docs/json-schema.md): "received" (+ "boundary",
# "received_total_delay_seconds"), "authentication" (what the receiver recorded),
# "comparison" (recorded vs re-checked), "antispam", "dns", and verify's "envelope", "spf",
# "dkim", "dmarc", "arc". The shorter shapes "hops" and "auth" ({"recorded", "computed",
# "disagreements"}) are read too. Anything else, or a known key in an unexpected shape,
# is laid out as a generic table, so a schema change never breaks the page.

_RECHECK_KEYS = ("envelope", "spf", "dkim", "dmarc", "arc")


def _checks_view(c: dict[str, Any], L: Mapping[str, str], lang: str) -> dict[str, Any]:
    route = None
    if "received" in c or "hops" in c:
        hops = c.pop("received") if "received" in c else c.pop("hops")
        route = _route_view(hops, c.pop("boundary", None),
                            c.pop("received_total_delay_seconds", None), L)
    if "comparison" in c:
        auth = _comparison_view(c.pop("comparison"), c.pop("authentication", None), L)
    elif "authentication" in c:
        auth = _recorded_view(c.pop("authentication"), L)
    elif "auth" in c:
        auth = _auth_view(c.pop("auth"), L)
    else:
        auth = None
    return {
        "hops": route,
        "auth": auth,
        "antispam": _antispam_view(c.pop("antispam"), lang) if "antispam" in c else None,
        "dns": _dns_view(c.pop("dns")) if "dns" in c else None,
        "probe": _generic(localize_tree(c.pop("probe"), lang)) if "probe" in c else None,
        "recheck": [{"name": k, "value": _generic(localize_tree(c.pop(k), lang))}
                    for k in _RECHECK_KEYS if k in c],
        "other_checks": [{"name": str(k), "value": _generic(v)} for k, v in c.items()],
    }


def _duration(seconds: float, L: Mapping[str, str]) -> str:
    s = int(round(abs(seconds)))
    sign = "−" if seconds < 0 else ""
    if s < 60:
        return sign + L["report.seconds"].format(n=s)
    if s < 3600:
        return sign + L["report.minutes"].format(m=s // 60, s=s % 60)
    return sign + L["report.hours"].format(h=s // 3600, m=(s % 3600) // 60)


def _number(v: Any) -> float | None:
    return float(v) if isinstance(v, int | float) and not isinstance(v, bool) else None


_HOP_SHOWN = {"number", "from", "from_rdns", "from_ip", "ip", "by", "with", "tls", "tls_version",
              "encrypted", "timestamp", "delay_seconds"}


def _route_view(value: Any, boundary: Any, total: Any, L: Mapping[str, str]) -> dict[str, Any]:
    if not (isinstance(value, list) and value and all(isinstance(h, dict) for h in value)):
        return {"generic": _generic(value)}
    edge = boundary.get("hop") if isinstance(boundary, dict) else None
    hops = []
    for i, h in enumerate(value, 1):
        delay = _number(h.get("delay_seconds"))
        delay_text, flag = None, None
        if delay is not None:
            delay_text = _duration(delay, L)
            if delay < 0:
                flag = L["report.clock_skew"]
            elif delay >= SLOW_HOP_SECONDS:
                flag = L["report.slow"]
        source = _text(h.get("from"))
        rdns = _text(h.get("from_rdns"))
        if rdns and rdns != source:
            source = f"{source} ({rdns})" if source else rdns
        with_ = " ".join(str(h[k]) for k in ("with", "tls_version", "tls")
                         if h.get(k) not in (None, ""))
        encrypted = h.get("encrypted")
        extra = {k: v for k, v in h.items() if k not in _HOP_SHOWN and v not in (None, "", [], {})}
        number = h.get("number", i)
        hops.append({
            "from": source, "ip": _text(h.get("from_ip") or h.get("ip")), "by": _text(h.get("by")),
            "with": with_ or None,
            "encrypted": encrypted if isinstance(encrypted, bool) else None,
            "time": _text(h.get("timestamp")), "delay": delay_text, "flag": flag,
            "boundary": edge is not None and number == edge,
            "extra": _generic(extra) if extra else None,
        })
    total_s = _number(total)
    return {"hops": hops, "generic": None,
            "total": _duration(total_s, L) if total_s is not None else None,
            "boundary_ip": _text(boundary.get("ip")) if isinstance(boundary, dict) else None}


def _auth_rows_from_comparison(value: list) -> list[dict[str, Any]]:
    rows = []
    for r in value:
        agree = r.get("agree")
        rows.append({
            "method": _text(r.get("method")) or "?", "subject": _text(r.get("subject")),
            "recorded": _generic(r["recorded"]) if r.get("recorded") is not None else None,
            "computed": _generic(r["computed"]) if r.get("computed") is not None else None,
            "agree": agree if isinstance(agree, bool) else None,
            "explanation": _text(r.get("explanation")),
        })
    return rows


def _comparison_view(value: Any, recorded: Any, L: Mapping[str, str]) -> dict[str, Any]:
    if not (isinstance(value, list) and all(isinstance(r, dict) for r in value)):
        return {"generic": _generic({"comparison": value, "authentication": recorded})}
    view = _auth_base(recorded, L)
    view["rows"] = _auth_rows_from_comparison(value)
    view["verified"] = True
    return view


def _auth_base(recorded: Any, L: Mapping[str, str]) -> dict[str, Any]:
    """The receiver's name and the rest of what it recorded (signatures, ignored results)."""
    receiver, rest = None, None
    if isinstance(recorded, dict):
        receiver = _text(recorded.get("receiver"))
        if receiver == NO_AUTHSERV_ID:
            receiver = L["report.no_authserv_id"]
        more = {k: v for k, v in recorded.items() if k not in ("receiver", "results")
                and v not in (None, "", [], {})}
        rest = _generic(more) if more else None
    return {"rows": [], "receiver": receiver, "verified": False, "more": rest,
            "disagreements": None, "generic": None}


def _recorded_view(value: Any, L: Mapping[str, str]) -> dict[str, Any]:
    results = value.get("results") if isinstance(value, dict) else None
    if not (isinstance(results, list) and all(isinstance(r, dict) for r in results)):
        return {"generic": _generic(value)}
    view = _auth_base(value, L)
    for r in results:
        said = " ".join(str(r[k]) for k in ("result",) if r.get(k))
        extra = "; ".join(str(r[k]) for k in ("comment", "reason") if r.get(k))
        view["rows"].append({
            "method": _text(r.get("method")) or "?", "subject": _text(r.get("domain")),
            "recorded": _generic(f"{said} ({extra})" if extra else said),
            "computed": None, "agree": None, "explanation": None})
    return view


def _auth_view(value: Any, L: Mapping[str, str]) -> dict[str, Any]:
    """The short shape {"recorded": {method: result}, "computed": {...}, "disagreements"}."""
    if not isinstance(value, dict) or not (
            isinstance(value.get("recorded", {}), dict)
            and isinstance(value.get("computed", {}), dict)):
        return {"generic": _generic(value)}
    recorded = value.get("recorded") or {}
    computed = value.get("computed") or {}
    view = _auth_base(None, L)
    view["verified"] = bool(computed)
    for method in list(dict.fromkeys([*recorded, *computed])):
        a, b = recorded.get(method), computed.get(method)
        ra, rb = _auth_result(a), _auth_result(b)
        view["rows"].append({
            "method": str(method), "subject": None,
            "recorded": _generic(a) if a is not None else None,
            "computed": _generic(b) if b is not None else None,
            "agree": ra.lower() == rb.lower() if ra is not None and rb is not None else None,
            "explanation": None})
    others = {k: v for k, v in value.items() if k not in ("recorded", "computed", "disagreements")}
    view["more"] = _generic(others) if others else None
    dis = value.get("disagreements")
    view["disagreements"] = _generic(dis) if dis else None
    return view


def _auth_result(v: Any) -> str | None:
    if isinstance(v, str):
        return v.split()[0] if v.split() else None
    if isinstance(v, dict) and isinstance(v.get("result"), str):
        return v["result"]
    return None


def _antispam_view(value: Any, lang: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        return {"generic": _generic(value)}
    words = value.get("words_ja") if lang == "ja" and value.get("words_ja") else value.get("words")
    if not (isinstance(words, list) and words):
        return {"generic": _generic(value)}
    fields = value.get("fields")
    return {"provider": _text(value.get("provider")), "words": [_text(w) or "" for w in words],
            "fields": _generic(fields) if fields else None, "generic": None}


def _dns_value(v: Any) -> str:
    """One DNS record: TXT strings joined, MX ``[10, "mx"]`` as ``10 mx``."""
    if isinstance(v, list | tuple):
        parts = [_text(x) or "" for x in v]
        return "".join(parts) if all(isinstance(x, str) for x in v) else " ".join(parts)
    return _text(v) or ""


def _dns_view(value: Any) -> dict[str, Any]:
    if not (isinstance(value, list) and all(isinstance(d, dict) for d in value)):
        return {"generic": _generic(value)}
    rows = []
    for d in value:
        answers = d.get("records", d.get("answers"))
        if isinstance(answers, list | tuple):
            answers = [_dns_value(a) for a in answers]
        elif answers is not None:
            answers = [_dns_value(answers)]
        result = _text(d.get("result"))
        error = _text(d.get("error"))
        if error is None and result not in (None, "answer"):
            error = result
        detail = _text(d.get("detail"))
        if error and detail:
            error = f"{error}: {detail}"
        rows.append({"name": _text(d.get("name")), "type": _text(d.get("type")),
                     "answers": answers or [], "error": error, "ttl": _text(d.get("ttl"))})
    return {"rows": rows, "generic": None}


def _text(v: Any) -> str | None:
    if v is None or v == "":
        return None
    if isinstance(v, bool):
        return "true" if v else "false"
    return visible(str(v))


def _generic(value: Any, depth: int = 0) -> dict[str, Any]:
    """Any JSON-like value as a small tree the ``value`` macro lays out.

    ``{"kind": "text"}`` for scalars, ``"list"`` for sequences, ``"table"`` for a list of
    dicts (columns = keys in order of first appearance), ``"map"`` for a dict.
    """
    if depth >= MAX_DEPTH:
        return {"kind": "text", "text": visible(str(value)[:2000])}
    if isinstance(value, Mapping):
        return {"kind": "map", "items": [(visible(str(k)), _generic(v, depth + 1))
                                          for k, v in value.items()]}
    if isinstance(value, list | tuple):
        if value and all(isinstance(v, Mapping) for v in value):
            cols = list(dict.fromkeys(str(k) for v in value for k in v))
            rows = [[_generic(_find(v, c), depth + 1) for c in cols]
                    for v in value]
            return {"kind": "table", "columns": cols, "rows": rows}
        return {"kind": "list", "items": [_generic(v, depth + 1) for v in value]}
    return {"kind": "text", "text": _text(value) or ""}


def _find(mapping: Mapping, key: str) -> Any:
    """A dict's value for ``key`` when its keys are not strings (``{1: ...}``)."""
    for k, v in mapping.items():
        if str(k) == key:
            return v
    return None
