"""The batch summary as plain text for a terminal: totals, tables, top findings with fixes."""

from __future__ import annotations

from typing import Any


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


def render_summary_text(s: dict[str, Any]) -> str:
    lines = [
        f"Messages: {s['messages']}  (analysed {s['analysed']}, could not be read "
        f"{s['errors']})",
        f"Results: {s['results']}  (recipient results {s['recipients']}: "
        f"hard bounces {s['hard_bounces']}, soft {s['soft_bounces']})",
        "",
    ]
    lines += _table("By kind", s["by_kind"], s["messages"])
    lines += _table("By cause", s["by_cause"], s["results"])
    lines += _table("By reason", s["by_reason"], s["recipients"])
    lines += _table("By recipient domain", s["by_recipient_domain"], s["recipients"])
    lines += _table("By remote MTA", s["by_remote_mta"], s["recipients"])
    lines += _table("By sender", s["by_sender"], s["analysed"])
    lines += _table("By day", s["by_day"], s["analysed"], width=12)
    if s["top_findings"]:
        lines.append("Top findings (messages), with what to change:")
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
        lines.append(f"Saved received messages: {rc['messages']} "
                     "(SPF / DKIM / DMARC as the receiver recorded them)")
        for title, rows in (("sending domain", rc["by_sending_domain"]),
                            ("connecting IP", rc["by_connecting_ip"]),
                            ("sending domain at receiver", rc["by_sending_domain_at_receiver"])):
            lines += [f"  By {title}:", head, sub]
            for key, t in [["(all)", rc["overall"]]] + rows:
                lines.append(
                    f"  {str(key)[:36]:<36} {t['messages']:>6} {t['spf_pass_rate']:>5.0%} "
                    f"{t['dkim_pass_rate']:>5.0%} {t['dmarc_pass_rate']:>5.0%} "
                    f"{t['dmarc_fail']:>6} {t['spf_pass_unaligned']:>6} "
                    f"{t['dkim_pass_unaligned']:>6}")
            lines.append("")
        for title, key in (("Hop delay", "hop_delay_seconds"),
                           ("Total delay", "total_delay_seconds")):
            p = rc[key]
            if p["count"]:
                lines.append(f"  {title} ({p['count']}): p50 {_seconds(p['p50'])}, "
                             f"p90 {_seconds(p['p90'])}, p99 {_seconds(p['p99'])}, "
                             f"max {_seconds(p['max'])}")
        lines.append("")
    own = s.get("rechecked") or {}
    if own.get("messages"):
        lines.append(f"Re-checked against DNS (--verify): {own['messages']} messages")
        lines += [head, sub]
        for key, t in [["(all)", own["overall"]]] + own["by_sending_domain"]:
            lines.append(
                f"  {str(key)[:36]:<36} {t['messages']:>6} {t['spf_pass_rate']:>5.0%} "
                f"{t['dkim_pass_rate']:>5.0%} {t['dmarc_pass_rate']:>5.0%} "
                f"{t['dmarc_fail']:>6} {t['spf_pass_unaligned']:>6} "
                f"{t['dkim_pass_unaligned']:>6}")
        dns = own.get("dns")
        if dns:
            lines.append(f"  DNS: {dns['queries']} look-ups, {dns['cache_hits']} answered from "
                         f"the run's cache, {dns['over_budget']} not made (time budget)")
        lines.append("")
    if s["errors"]:
        lines += _table("Could not be read", s["error_reasons"], s["errors"], width=70)
    return "\n".join(lines).rstrip() + "\n"
