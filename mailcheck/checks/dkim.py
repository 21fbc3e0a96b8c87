"""DKIM (RFC 6376, RFC 8463) re-checked with dkimpy, its keys fetched through our resolver.

dkimpy does the cryptography. mailcheck adds what an administrator needs around it: the
key is looked up through the injected :class:`~mailcheck.checks.dns.Resolver` first (so a
missing key, a time-out or a revoked key is told apart and recorded), the clock is the
caller's ``now`` (signatures with ``x=`` expire), and every signature gets a result word
(RFC 8601: pass / fail / neutral / temperror / permerror) with the reason in plain words.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import dkim as dkimpy

from mailcheck.checks.dns import DNSError, Resolver, is_void

#: dkimpy reads ``time.time()`` itself; a verification under a given ``now`` swaps the
#: module's clock for the duration of the call, one call at a time.
_CLOCK_LOCK = threading.Lock()


class _FixedClock:
    def __init__(self, now: float) -> None:
        self._now = now

    def time(self) -> float:
        return self._now

    def __getattr__(self, name: str) -> Any:
        return getattr(time, name)


@contextlib.contextmanager
def dkimpy_clock(now: float | None) -> Iterator[None]:
    """Run dkimpy with ``now`` as the current time (None: the real clock)."""
    if now is None:
        yield
        return
    with _CLOCK_LOCK:
        saved = dkimpy.time
        dkimpy.time = _FixedClock(now)  # type: ignore[assignment]
        try:
            yield
        finally:
            dkimpy.time = saved


def key_name(selector: str, domain: str) -> str:
    return f"{selector}._domainkey.{domain}"


def txt_lookup(resolver: Resolver) -> Callable[..., bytes | None]:
    """A dkimpy ``dnsfunc`` answering from ``resolver`` (None when there is no record)."""

    def dnsfunc(name: bytes | str, timeout: float = 5) -> bytes | None:
        text = name.decode("ascii", "replace") if isinstance(name, bytes) else name
        try:
            answer = resolver.query(text, "TXT")
        except DNSError as err:
            if is_void(err):
                return None
            raise dkimpy.DnsTimeoutError(err.describe()) from err
        strings = answer.txt_strings()
        return strings[0].encode("latin-1") if strings else None

    return dnsfunc


@dataclass(slots=True)
class DKIMResult:
    index: int  # 0 = the topmost DKIM-Signature
    result: str  # pass | fail | neutral | temperror | permerror
    reason: str
    domain: str | None = None  # d=
    selector: str | None = None  # s=
    algorithm: str | None = None  # a=
    canonicalization: str | None = None  # c=
    identity: str | None = None  # i=
    headers: list[str] | None = None  # h=
    length: int | None = None  # l=
    timestamp: int | None = None  # t=
    expires: int | None = None  # x=
    key_bits: int | None = None
    reason_ja: str = ""

    def set(self, result: str, reason: str, reason_ja: str) -> None:
        self.result, self.reason, self.reason_ja = result, reason, reason_ja

    def to_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__slots__}  # type: ignore[attr-defined]


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)  # dkimpy's errors, not its debug chatter
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def _text(value: bytes | None) -> str | None:
    return None if value is None else value.decode("ascii", "replace").strip()


def _int(value: bytes | None) -> int | None:
    text = _text(value)
    return int(text) if text and text.isdigit() else None


def signature_tags(header_value: bytes) -> dict[bytes, bytes]:
    try:
        return dict(dkimpy.util.parse_tag_value(header_value))
    except Exception:  # noqa: BLE001 - dkimpy raises several types for a malformed list
        return {}


def _describe(tags: dict[bytes, bytes], index: int) -> DKIMResult:
    h = _text(tags.get(b"h"))
    return DKIMResult(
        index=index,
        result="none",
        reason="",
        domain=_text(tags.get(b"d")),
        selector=_text(tags.get(b"s")),
        algorithm=_text(tags.get(b"a")),
        canonicalization=_text(tags.get(b"c")) or ("simple/simple" if tags else None),
        identity=_text(tags.get(b"i")),
        headers=[x.strip().lower() for x in h.split(":")] if h else None,
        length=_int(tags.get(b"l")),
        timestamp=_int(tags.get(b"t")),
        expires=_int(tags.get(b"x")),
    )


def _classify(message: str) -> tuple[str, str, str]:
    """(result, reason, reason in Japanese) for one of dkimpy's error messages."""
    low = message.lower()
    if "body hash mismatch" in low:
        return ("fail", "the body changed after signing (body hash mismatch)",
                "署名後に本文が変わりました(本文ハッシュの不一致)")
    if "x= value is past" in low:
        return ("fail", "the signature has expired (x= is in the past)",
                "署名の有効期限が切れています(x= が過去)")
    if "in the future" in low:
        return ("permerror", "the signature's t= lies in the future", "署名の t= が未来の時刻です")
    if "public key too small" in low:
        return ("permerror", f"the key is too small ({message})", f"鍵が小さすぎます({message})")
    return "permerror", message, message


def verify_dkim(
    message: bytes,
    resolver: Resolver,
    *,
    now: float | None = None,
    minkey: int = 1024,
) -> list[DKIMResult]:
    """Every DKIM-Signature of ``message``, topmost first, each with a result and a reason."""
    try:
        signer = dkimpy.DKIM(message, minkey=minkey)
    except Exception as exc:  # noqa: BLE001 - a message dkimpy cannot even parse
        return [DKIMResult(0, "permerror", f"the message could not be parsed: {exc}",
                           reason_ja=f"メッセージを解析できません: {exc}")]
    headers = [v for k, v in signer.headers if k.lower() == b"dkim-signature"]
    results = []
    for index, value in enumerate(headers):
        results.append(_verify_one(message, index, value, resolver, now, minkey))
    return results


def _verify_one(
    message: bytes, index: int, value: bytes, resolver: Resolver, now: float | None, minkey: int
) -> DKIMResult:
    tags = signature_tags(value)
    res = _describe(tags, index)
    if not res.domain or not res.selector:
        res.set("permerror", "the signature lacks d= or s= (malformed)",
                "署名に d= または s= がありません(形式の誤り)")
        return res
    name = key_name(res.selector, res.domain)
    try:
        answer = resolver.query(name, "TXT")
        key = answer.txt_strings()
    except DNSError as err:
        if is_void(err):
            res.set("permerror",
                    f"no key published at {name} ({err.kind}): key missing or selector wrong",
                    f"{name} に鍵が公開されていません({err.kind}): 鍵がないかセレクターの誤り")
        else:
            res.set("temperror", f"the key could not be fetched: {err.describe()}",
                    f"鍵を取得できませんでした: {err.describe()}")
        return res
    if not key or not key[0].strip():
        res.set("permerror", f"the TXT record at {name} is empty",
                f"{name} の TXT レコードが空です")
        return res
    key_tags = signature_tags(key[0].encode("latin-1"))
    if b"p" in key_tags and not key_tags[b"p"].strip():
        res.set("permerror", f"the key at {name} is revoked (empty p=)",
                f"{name} の鍵は失効しています(p= が空)")
        return res

    log = logging.Logger("mailcheck.dkim")  # unregistered: nothing accumulates per call
    handler = _Collect()
    log.addHandler(handler)
    signer = dkimpy.DKIM(message, logger=log, minkey=minkey)
    try:
        with dkimpy_clock(now):
            ok = signer.verify(idx=index, dnsfunc=txt_lookup(resolver))
    except dkimpy.DKIMException as exc:
        res.set(*_classify(str(exc)))
        return res
    except Exception as exc:  # noqa: BLE001 - never a traceback for bad input
        res.set("permerror", f"dkimpy could not check it: {exc}", f"dkimpy で検証できません: {exc}")
        return res
    finally:
        log.removeHandler(handler)
    res.key_bits = getattr(signer, "keysize", None)
    if ok:
        res.set("pass", f"signature verified with the key at {name}",
                f"{name} の鍵で署名を検証しました")
    elif handler.messages:
        res.set(*_classify(handler.messages[-1]))
        if res.result == "permerror" and "key" not in res.reason.lower():
            res.set(res.result, f"the key at {name} is unusable: {res.reason}",
                    f"{name} の鍵は使用できません: {res.reason}")
    else:
        res.set("fail",
                "the header signature does not verify: signed header fields changed after "
                "signing, or the published key is not the signing key",
                "ヘッダーの署名が検証できません: 署名後に署名対象のヘッダーが変わったか、"
                "公開鍵が署名に使った鍵ではありません")
    return res
