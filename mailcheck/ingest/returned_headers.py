"""Fields the returned message's header holds twice, when the refusal was about its format.

A receiver that refuses a message as "not RFC 5322 compliant" seldom says which field was
wrong, and when it does ("duplicate headers") it does not say which. A bounce often carries
the header of the refused message, so the second occurrence of a field that RFC 5322
section 3.6 allows only once can be shown as evidence. This runs only when the text names
that refusal; it records the fact ``returned_duplicate_field`` (the field's lower-case name)
with the line of its second occurrence.
"""

from __future__ import annotations

import re

from .. import textscan
from ..model import Evidence

NAME = "returned-headers"

#: Lower-case literals of a format refusal (the rule message-not-rfc5322 reads the same).
_REFUSALS = ("not rfc 5322 compliant", "not rfc5322 compliant", "not rfc 2822 compliant",
             "not rfc2822 compliant", "rfcmessagenoncompliant")

#: RFC 5322 section 3.6: the fields a message may carry at most once.
_ONCE = frozenset(("date", "from", "sender", "reply-to", "to", "cc", "bcc", "message-id",
                   "in-reply-to", "references", "subject"))

_FIELD_NAME = re.compile(r"([!-9;-~]{1,76}):")


def detect(ev: Evidence) -> bool:
    # (registered with the shared scan below: the scan's answer is the search's)
    return not ev.present_literals().isdisjoint(TRIGGERS)


def parse(ev: Evidence) -> None:
    seen: set[str] = set()
    previous = None
    for ln in ev.lines:
        if ln.part != "returned-headers":
            continue
        if previous is not None and ln.number != previous + 1:
            seen = set()  # the header of another returned message
        previous = ln.number
        m = _FIELD_NAME.match(ln.text)
        if m is None:
            continue  # a continuation line
        name = m.group(1).lower()
        if name not in _ONCE:
            continue
        if name in seen:
            ev.set_fact("returned_duplicate_field", name, ln)
            return
        seen.add(name)


#: detect() is false unless the shared scan found one of these (the driver tests it first)
TRIGGERS = textscan.register(_REFUSALS)
