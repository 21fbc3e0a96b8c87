"""Turn the OpenSPF suite's ``zonedata`` into resolvers (memory, and zone text for NSD)."""

from __future__ import annotations

from typing import Any

from mailcheck.checks.dns import Fault, FaultResolver, TableResolver, normalise


def _strings(value: Any) -> tuple[str, ...]:
    if isinstance(value, list):
        return tuple(str(v) for v in value)
    return (str(value),)


def _text(value: Any) -> str:
    """YAML may read a value as int/float; the zone data means its text."""
    return str(value)


def memory_resolver(zonedata: dict[str, list[Any]]) -> FaultResolver:
    table = TableResolver()
    faults = []
    for owner, items in zonedata.items():
        name = normalise(str(owner))
        has_txt = any(isinstance(i, dict) and "TXT" in i for i in items)
        seen: set[str] = set()
        for item in items:
            if item == "TIMEOUT":
                faults.append(Fault(name, "timeout", spare=frozenset(seen)))
                continue
            ((rdtype, value),) = item.items()
            if rdtype == "SPF":
                if not has_txt:
                    table.add(name, "TXT", _strings(value))
                    seen.add("TXT")
                seen.add("SPF")
                continue
            if rdtype == "TXT":
                if value == "NONE":
                    continue  # no TXT records here: TXT is not spared from a TIMEOUT
                seen.add("TXT")
                table.add(name, "TXT", _strings(value))
            elif rdtype == "MX":
                pref, exchange = value
                table.add(name, "MX", (int(pref), normalise(_text(exchange))))
                seen.add("MX")
            elif rdtype in ("PTR", "CNAME"):
                table.add(name, rdtype, normalise(_text(value)))
                seen.add(rdtype)
            else:
                table.add(name, rdtype, _text(value))
                seen.add(rdtype)
        # an owner listed with nothing served is still a name that exists (NODATA)
        if not any(k[0] == name for k in table.records):
            table.records.setdefault((name, "NULL"), [])
    return FaultResolver(table, faults)


def _quote(s: str) -> str:
    """One TXT character-string in zone-file syntax (bytes are the latin-1 code points)."""
    out = []
    for ch in s:
        o = ord(ch)
        if ch in '"\\':
            out.append("\\" + ch)
        elif 0x20 <= o <= 0x7E:
            out.append(ch)
        else:
            out.append(f"\\{o:03d}")
    return '"' + "".join(out) + '"'


def _owner(name: str) -> str | None:
    """A zone-file owner for ``name``, or None when no DNS name can hold it."""
    labels = name.split(".")
    if len(name) > 253 or any(not label or len(label) > 63 for label in labels):
        return None
    return ".".join(label.replace("\\", "\\\\").replace(" ", "\\032") for label in labels) + "."


def root_zone(zonedata: dict[str, list[Any]]) -> str:
    """The scenario as one zone for the root '.': what a zone file can express of it.

    Left out (the tests cover them with fault injection instead): TIMEOUT items, the
    zero-string TXT record, and owners that are not valid DNS names.
    """
    lines = [
        "$TTL 300",
        ". IN SOA ns.test. hostmaster.test. 1 3600 600 86400 300",
        ". IN NS ns.test.",
        "ns.test. IN A 127.0.0.1",
    ]
    for owner, items in zonedata.items():
        name = _owner(normalise(str(owner)))
        if name is None:
            continue
        has_txt = any(isinstance(i, dict) and "TXT" in i for i in items)
        for item in items:
            if item == "TIMEOUT":
                continue
            ((rdtype, value),) = item.items()
            if rdtype == "SPF" and has_txt:
                continue
            if rdtype in ("SPF", "TXT"):
                if value == "NONE" or value == []:
                    continue
                lines.append(f"{name} IN TXT " + " ".join(_quote(s) for s in _strings(value)))
            elif rdtype == "MX":
                pref, exchange = value
                target = normalise(_text(exchange))
                lines.append(f"{name} IN MX {int(pref)} {target + '.' if target else '.'}")
            elif rdtype in ("PTR", "CNAME"):
                lines.append(f"{name} IN {rdtype} {normalise(_text(value))}.")
            else:
                lines.append(f"{name} IN {rdtype} {_text(value)}")
    return "\n".join(lines) + "\n"


def timeout_faults(zonedata: dict[str, list[Any]]) -> list[Fault]:
    """The TIMEOUT items as faults, for wrapping a live resolver that talks to NSD."""
    return list(memory_resolver(zonedata).faults_list())
