"""The batch summary as plain text for a terminal: totals, tables, top findings with fixes."""

from __future__ import annotations

from typing import Any

from ..i18n import batch_labels


def _table(title: str, rows: list[list[Any]], total: int, width: int = 44) -> list[str]:
    if not rows:
        return []
    out = [f"{title}:"]
    for key, count in rows:
        share = f"{100 * count / total:5.1f}%" if total else ""
        label = str(key)
        if len(label) > width:
            label = label[: width - 1] + "…"
        out.append(f"  {label:<{width}} {count:>8}  {share}")
    out.append("")
    return out


def _seconds(v: float | None) -> str:
    if v is None:
        return "-"
    if v < 120:
        return f"{v:.0f}s"
    if v < 7200:
        return f"{v / 60:.1f}m"
    return f"{v / 3600:.1f}h"


def render_summary_text(s: dict[str, Any], lang: str = "en") -> str:
    """The summary for a terminal (column headers of the authentication tables stay the
    protocol names in every language)."""
    w = batch_labels(lang)
    hard_soft = w["hard_soft"].format(hard=s["hard_bounces"], soft=s["soft_bounces"])
    lines = [
        w["messages_line"].format(messages=s["messages"], analysed=s["analysed"],
                                  errors=s["errors"]),
        w["results_line"].format(results=s["results"], recipients=s["recipients"],
                                 hard_soft=hard_soft),
        "",
    ]
    lines += _table(w["by_kind"], s["by_kind"], s["messages"])
    lines += _table(w["by_cause"], s["by_cause"], s["results"])
    lines += _table(w["by_reason"], s["by_reason"], s["recipients"])
    lines += _table(w["by_domain"], s["by_recipient_domain"], s["recipients"])
    lines += _table(w["by_mta"], s["by_remote_mta"], s["recipients"])
    lines += _table(w["by_sender"], s["by_sender"], s["analysed"])
    lines += _table(w["by_day"], s["by_day"], s["analysed"], width=12)
    if s["top_findings"]:
        lines.append(w["top_findings"] + ":")
        for f in s["top_findings"]:
            lines.append(f"  {f['messages']:>6}  {f['rule']}: {f['title'] or ''}")
            for i, step in enumerate(f["fix"], 1):
                lines.append(f"            {i}. {step}")
        lines.append("")
    head = f"  {'':<36} {'msgs':>6} {'SPF':>5} {'DKIM':>5} {'DMARC':>5} {'DMARC':>6} " \
           f"{'SPF':>6} {'DKIM':>6}"
    sub = f"  {'':<36} {'':>6} {'pass':>5} {'pass':>5} {'pass':>5} {'fail':>6} " \
          f"{'unal.':>6} {'unal.':>6}"
    rc = s["received"]
    if rc["messages"]:
        lines.append(w["received_title"].format(n=rc["messages"]))
        for title, rows in ((w["by_sending_domain"], rc["by_sending_domain"]),
                            (w["by_ip"], rc["by_connecting_ip"]),
                            (w["by_domain_receiver"], rc["by_sending_domain_at_receiver"])):
            lines += [f"  {title}:", head, sub]
            for key, t in [["(all)", rc["overall"]]] + rows:
                lines.append(
                    f"  {str(key)[:36]:<36} {t['messages']:>6} {t['spf_pass_rate']:>5.0%} "
                    f"{t['dkim_pass_rate']:>5.0%} {t['dmarc_pass_rate']:>5.0%} "
                    f"{t['dmarc_fail']:>6} {t['spf_pass_unaligned']:>6} "
                    f"{t['dkim_pass_unaligned']:>6}")
            lines.append("")
        for title, key in ((w["hop_delay"], "hop_delay_seconds"),
                           (w["total_delay"], "total_delay_seconds")):
            p = rc[key]
            if p["count"]:
                lines.append(f"  {title} ({p['count']}): p50 {_seconds(p['p50'])}, "
                             f"p90 {_seconds(p['p90'])}, p99 {_seconds(p['p99'])}, "
                             f"max {_seconds(p['max'])}")
        lines.append("")
    own = s.get("rechecked") or {}
    if own.get("messages"):
        lines.append(w["rechecked_title"].format(n=own["messages"]))
        lines += [head, sub]
        for key, t in [["(all)", own["overall"]]] + own["by_sending_domain"]:
            lines.append(
                f"  {str(key)[:36]:<36} {t['messages']:>6} {t['spf_pass_rate']:>5.0%} "
                f"{t['dkim_pass_rate']:>5.0%} {t['dmarc_pass_rate']:>5.0%} "
                f"{t['dmarc_fail']:>6} {t['spf_pass_unaligned']:>6} "
                f"{t['dkim_pass_unaligned']:>6}")
        dns = own.get("dns")
        if dns:
            lines.append("  " + w["dns_line"].format(queries=dns["queries"],
                                                      hits=dns["cache_hits"],
                                                      over=dns["over_budget"]))
        lines.append("")
    if s["errors"]:
        lines += _table(w["errors_title"], s["error_reasons"], s["errors"], width=70)
    return "\n".join(lines).rstrip() + "\n"
