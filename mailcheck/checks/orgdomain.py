"""Organizational domains and DMARC identifier alignment (RFC 7489 3.1, 3.2).

Kept apart from :mod:`mailcheck.checks.dmarc` so that reading headers (ingest) needs only
the Public Suffix List, not the DNS library: a batch run that never looks anything up
does not pay for importing it.
"""

from __future__ import annotations

from functools import lru_cache, partial
from pathlib import Path
from typing import Any

import publicsuffixlist
from publicsuffixlist import PublicSuffixList

from .. import tomlcache


def _load(accept_encoded_idn: bool) -> PublicSuffixList:
    """The shipped list, parsed from its rule lines only, or as parsed in an earlier run.

    The parser skips blank and ``//`` comment lines itself, one line at a time (a third of
    the file, and of the time taken); dropping them first from the whole decoded text gives
    it the same rules. (A line holds no UTF-8 sequence across its end, so decoding the whole
    text is decoding each line.)

    Parsing still takes about 16 ms, once in every run that meets a domain. What it makes
    is the list object's attributes (a set of rules, a number), kept in the cache folder
    (tomlcache) under the list's bytes and the library's version; the object is then
    remade with the same attributes."""
    source = getattr(publicsuffixlist, "PSLFILE", None)
    version = f"psl {getattr(publicsuffixlist, '__version__', '?')} {accept_encoded_idn}"
    try:
        state = tomlcache.load_computed(Path(source), partial(_parsed_state, accept_encoded_idn),
                                        version.encode())
    except (TypeError, OSError, AttributeError, LookupError):  # another layout: as shipped
        return PublicSuffixList(accept_encoded_idn=accept_encoded_idn)
    if not isinstance(state, dict):
        return _parse(accept_encoded_idn, Path(source).read_bytes())
    psl = PublicSuffixList.__new__(PublicSuffixList)
    psl.__dict__.update(state)
    return psl


def _parse(accept_encoded_idn: bool, raw: bytes) -> PublicSuffixList:
    text = raw.decode(publicsuffixlist.ENCODING, publicsuffixlist.ERRORMODE)
    rules = [line for line in text.split("\n") if line and not line.startswith("//")]
    return PublicSuffixList(rules, accept_encoded_idn=accept_encoded_idn)


def _parsed_state(accept_encoded_idn: bool, raw: bytes) -> dict[str, Any] | None:
    """The attributes of the list parsed from ``raw`` (None when the object keeps its state
    some other way: then it is parsed every time)."""
    psl = _parse(accept_encoded_idn, raw)
    state = getattr(psl, "__dict__", None)
    return dict(state) if state else None


@lru_cache(maxsize=1)
def _psl() -> PublicSuffixList:
    return _load(accept_encoded_idn=True)


@lru_cache(maxsize=1)
def _psl_plain() -> PublicSuffixList:
    """The list without the punycode (``xn--``) form of each IDN suffix.

    Making those forms (an IDNA encoding per entry) is two thirds of loading the list, and
    only a name with an ``xn--`` label can match one: every other name gets the same answer
    from this smaller list, and a batch run seldom meets a punycoded name at all."""
    return _load(accept_encoded_idn=False)


@lru_cache(maxsize=4096)  # an archive names the same few domains over and over
def organizational_domain(domain: str) -> str:
    """RFC 7489 3.2: the registrable domain (public suffix + one label), by the PSL."""
    domain = domain.strip().rstrip(".").lower()
    psl = _psl() if "xn--" in domain else _psl_plain()
    return psl.privatesuffix(domain) or domain


def aligned(identifier: str | None, from_domain: str, mode: str = "r") -> bool:
    """RFC 7489 3.1: strict = the same name; relaxed = the same organizational domain."""
    if not identifier:
        return False
    a = identifier.strip().rstrip(".").lower()
    b = from_domain.strip().rstrip(".").lower()
    if mode == "s":
        return a == b
    return organizational_domain(a) == organizational_domain(b)
