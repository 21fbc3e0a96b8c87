"""The header-reading part of a text report: authentication results, the route, provider verdicts.

Reads what :func:`mailcheck.ingest.authentication.header_checks` put into
``Diagnosis.checks`` (``authentication``, ``received``, ``antispam``), so JSON and text
show the same facts.
"""

from __future__ import annotations

from ..ingest.antispam import compauth_words
from ..ingest.authresults import NO_AUTHSERV_ID
from ..model import Diagnosis

_LABELS = {
    "en": {"auth": "Authentication recorded by", "route": "Route", "hops": "hops",
           "total": "in all", "boundary": "Receiver's boundary: hop {n}, connecting IP {ip}",
           "verdicts": "Provider verdicts", "untrusted": "ignored (other authserv-id)",
           "no_id": "the receiver (no authserv-id, as Exchange Online writes it)"},
    "ja": {"auth": "受信側が記録した認証結果", "route": "経路", "hops": "ホップ",
           "total": "合計", "boundary": "受信組織の境界: ホップ {n}、接続元 IP {ip}",
           "verdicts": "プロバイダーの判定", "untrusted": "無視(別の authserv-id)",
           "no_id": "受信側(Exchange Online の形式で authserv-id なし)"},
}


def _seconds(value: float | None) -> str:
    if value is None:
        return ""
    value = float(value)
    if abs(value) < 120:
        return f"{value:+.0f} s"
    return f"{value / 60:+.1f} min"


def auth_section(diag: Diagnosis) -> list[str]:
    """Lines for the text report (empty when the input had no such headers)."""
    words = _LABELS.get(diag.lang, _LABELS["en"])
    checks = diag.checks or {}
    out: list[str] = []
    auth = checks.get("authentication")
    if auth and auth.get("results"):
        out.append("")
        receiver = auth.get("receiver") or "?"
        if receiver == NO_AUTHSERV_ID:
            receiver = words["no_id"]
        out.append(f"{words['auth']} {receiver}:")
        for r in auth["results"]:
            about = r.get("domain")
            extra = f" ({r['comment']})" if r.get("comment") else ""
            if r["method"] == "compauth" and r.get("reason"):
                extra = f" reason={r['reason']}: {compauth_words(r['reason'], diag.lang)}"
            out.append(f"  {r['method']}={r['result']}" + (f" [{about}]" if about else "") + extra)
    if auth and (auth.get("dkim_signatures") or auth.get("arc_instances")):
        if not auth.get("results"):
            out.append("")
        for tags in auth.get("dkim_signatures") or []:
            shown = " ".join(f"{k}={tags[k]}" for k in ("d", "s", "a", "c", "l", "t", "x", "i")
                             if tags.get(k))
            heads = tags.get("h", "")
            out.append(f"  DKIM-Signature: {shown}" + (f" h={heads}" if heads else ""))
        if auth.get("arc_instances"):
            out.append("  ARC sets: " + ", ".join(f"i={i}" for i in sorted(auth["arc_instances"])))
    if auth and auth.get("results"):
        if auth.get("untrusted"):
            ids = sorted({r["authserv_id"] for r in auth["untrusted"]})
            out.append(f"  {words['untrusted']}: {', '.join(ids)}")
    hops = checks.get("received") or []
    if hops:
        out.append("")
        total = checks.get("received_total_delay_seconds")
        head = f"{words['route']} ({len(hops)} {words['hops']}"
        out.append(head + (f", {_seconds(total).lstrip('+')} {words['total']})" if total is not None
                           else ")") + ":")
        for h in hops:
            src = h.get("from") or "?"
            if h.get("from_ip"):
                src += f" [{h['from_ip']}]"
            bits = [b for b in (h.get("with"), h.get("tls_version")) if b]
            line = f"  {h['number']}. {src} -> {h.get('by') or '?'}"
            if bits:
                line += "  " + " ".join(bits)
            if h.get("delay_seconds") is not None:
                line += f"  {_seconds(h['delay_seconds'])}"
            out.append(line)
        edge = checks.get("boundary")
        if edge:
            out.append("  " + words["boundary"].format(n=edge["hop"], ip=edge["ip"]))
    spam = checks.get("antispam")
    if spam and spam.get("words"):
        out.append("")
        out.append(f"{words['verdicts']} ({spam.get('provider') or '?'}):")
        said = spam.get("words_ja") if diag.lang == "ja" and spam.get("words_ja") else spam["words"]
        out.extend(f"  {w}" for w in said)
    return out
