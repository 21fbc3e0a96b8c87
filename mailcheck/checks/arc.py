"""ARC (RFC 8617) chain validation with dkimpy, keys fetched through our resolver."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import dkim as dkimpy

from mailcheck.checks.dkim import dkimpy_clock, txt_lookup
from mailcheck.checks.dns import Resolver


@dataclass(slots=True)
class ARCResult:
    cv: str  # pass | fail | none
    reason: str
    sets: list[dict[str, Any]] = field(default_factory=list)  # newest instance first

    def to_dict(self) -> dict[str, Any]:
        return {"cv": self.cv, "reason": self.reason, "sets": self.sets}


def _word(value: Any) -> str:
    if isinstance(value, bytes):
        return value.decode("ascii", "replace").lower()
    return str(value).lower()


def verify_arc(message: bytes, resolver: Resolver, *, now: float | None = None) -> ARCResult:
    """The chain validation status of ``message`` (``none`` when it carries no ARC sets).

    dkimpy returns no status when the newest seal already says ``cv=fail``; RFC 8617 5.2
    calls such a chain failed, and so does this function.
    """
    try:
        with dkimpy_clock(now):
            cv, results, reason = dkimpy.arc_verify(message, dnsfunc=txt_lookup(resolver))
    except Exception as exc:  # noqa: BLE001 - never a traceback for bad input
        return ARCResult("fail", f"the ARC headers could not be checked: {exc}")
    sets = [
        {
            "instance": r.get("instance"),
            "ams_domain": _word(r.get("ams-domain", b"")) or None,
            "ams_valid": bool(r.get("ams-valid")),
            "as_domain": _word(r.get("as-domain", b"")) or None,
            "as_valid": bool(r.get("as-valid")),
            "cv": _word(r.get("cv", b"")) or None,
        }
        for r in results or []
    ]
    if cv is None:
        return ARCResult("fail", f"{reason} (RFC 8617 5.2: the chain has failed)", sets)
    return ARCResult(_word(cv), str(reason), sets)
