"""Batch analysis: every message of an archive through the one pipeline, in order, in parallel.

:func:`analyse_stream` takes the :class:`~mailcheck.archive.Item` stream from
:mod:`mailcheck.archive` and yields one :class:`Outcome` per item, in input order whatever
the number of processes. Work is sent to worker processes in chunks, with a bounded number
of chunks in flight, so memory stays flat however large the archive is. A message that
fails in any way still yields its Outcome with ``error`` set: nothing is lost.

Each Outcome carries what every output needs: the schema-1 JSON line (built in the worker,
where the Diagnosis is) and a small ``record`` (per-recipient rows, date, sender, top
finding, the receiver's verdicts for saved received messages) that the CSV writer and the
summary read.
"""

from __future__ import annotations

import email.utils
import json
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC
from math import isfinite
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from .archive import Item, iter_files, iter_messages
from .diagnosis import default_rules, diagnose
from .model import SCHEMA_VERSION, Diagnosis, Finding, RecipientResult
from .rules import RuleSet

if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor

__all__ = ["Outcome", "analyse_item", "analyse_stream", "iter_files", "run_batch",
           "default_jobs"]

#: Messages per chunk sent to a worker (amortises the inter-process cost).
CHUNK_MESSAGES = 64
#: A chunk is closed early when its messages add up to this many bytes.
CHUNK_BYTES = 4 << 20
#: Chunks in flight per worker process: enough to keep workers busy, few enough to stay flat.
IN_FLIGHT_PER_JOB = 3


@dataclass(slots=True)
class Outcome:
    """The result for one input message."""

    line: str | None  # the schema-1 JSON line (without newline), when asked for
    record: dict[str, Any] | None  # what the CSV writer and the summary read, when asked for
    error: str | None
    size: int = 0


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # not Linux
        return max(1, os.cpu_count() or 1)


# -- one message ---------------------------------------------------------------------------------

#: One encoder for every line (json.dumps builds a new one per call when given options).
#: A record is a tree of fresh dicts and lists (Diagnosis.to_dict), never circular: the
#: encoder need not track every container it enters (a sixth of its time).
_encoder = json.JSONEncoder(ensure_ascii=False, check_circular=False)


def _c_encode() -> Callable[[Any], str] | None:
    """``_encoder.encode`` for a dict, with the C encoder made once: JSONEncoder.encode
    builds a new one (and its Python set-up) at every call. None without the C module."""
    make = json.encoder.c_make_encoder
    if make is None:  # pragma: no cover - CPython always has it
        return None
    e = _encoder
    iterencode = make(None, e.default, json.encoder.encode_basestring, None,
                      e.key_separator, e.item_separator, e.sort_keys, e.skipkeys, e.allow_nan)
    join = "".join

    def encode(d: dict[str, Any]) -> str:
        return join(iterencode(d, 0))

    return encode


_encode = _c_encode() or _encoder.encode
_string = json.encoder.encode_basestring  # a str as the encoder writes it (ensure_ascii off)


def _value(v: Any) -> str:
    """One JSON value as :data:`_encode` writes it."""
    if type(v) is str:
        return _string(v)
    if v is None:
        return "null"
    return _encode(v)


def _strings(items: Any) -> str:
    """``_encode(list(items))``. A call of the C encoder costs as much as encoding a few
    strings, and most lists of a line are empty or hold one or two strings: those are
    written directly (``_string`` takes only str, as the encoder writes any str)."""
    if not items:
        return "[]" if type(items) is list else _encode(list(items))
    try:
        return f"[{', '.join(map(_string, items))}]"
    except TypeError:  # (not all text: the encoder writes it)
        return _encode(list(items))


# -- the JSON line -------------------------------------------------------------------------------
#
# A message's line is what ``_encode(_with_locator(diag.to_dict(), item))`` gives; tests hold
# the two together. It is written here from the Diagnosis directly, because most of a line
# is a finding's title, cause, fixes and references: the same text for every message the
# rule matches, encoded once and then kept (by value, see _Pieces) instead of being built
# into dicts and encoded again for each message.


class _Pieces:
    """JSON text of finding parts, kept by the values it was made from (str or None only:
    equal keys then give the same text). Bounded: filled commands make new keys."""

    __slots__ = ("texts",)
    LIMIT = 4096

    def __init__(self) -> None:
        self.texts: dict[tuple, Any] = {}

    def get(self, key: tuple, make: Callable[[tuple], Any]) -> Any:
        try:
            text = self.texts.get(key)
        except TypeError:  # (a list where text belongs: unhashable, and not kept)
            return make(key)
        if text is None:
            text = make(key)
            if _plain(key):
                if len(self.texts) >= self.LIMIT:
                    self.texts.clear()
                self.texts[key] = text
        return text


def _plain(key: tuple) -> bool:
    return all(x is None or type(x) is str or type(x) is tuple and _plain(x) for x in key)


#: the static parts of findings (see _finding_static)
_statics = _Pieces()


def _finding_static(key: tuple) -> tuple[str, str, str, tuple[str, ...], str, str]:
    """A finding's JSON but for its confidence, evidence, commands and recipients, in the
    pieces that go between those: (up to the confidence, up to the evidence, up to the
    first step, each step's text up to its command, up to the recipients, the pack to the
    end). ``key``: what _finding_json takes them from."""
    (rule, title, reason, severity, actor, cause, generic, texts, tradeoff, confirm,
     references, pack) = key
    return (f'{{"rule": {_value(rule)}, "title": {_value(title)}, "reason": {_value(reason)}, '
            f'"confidence": ',
            f', "severity": {_value(severity)}, "actor": {_value(actor)}, "generic": '
            f'{generic}, "cause": {_value(cause)}, "evidence": ',
            f', "fix": {_encode(list(texts))}, "fix_steps": [',
            tuple(f'{{"text": {_value(t)}, "powershell": ' for t in texts),
            f'], "tradeoff": {_value(tradeoff)}, "confirm": {_encode(list(confirm))}, '
            f'"references": {_encode(list(references))}, "recipients": ',
            f', "pack": {_value(pack)}}}')


def _finding_json(f: Finding) -> str:
    """``_encode(f.to_dict())``."""
    generic = f.generic
    if generic is True:
        generic = "true"
    elif generic is False:
        generic = "false"
    else:
        return _encode(f.to_dict())
    fix = f.fix
    # (one look-up for all the texts a finding takes from its rule)
    head, middle, fix_head, steps, tail, end = _statics.get(
        (f.rule, f.title, f.reason, f.severity, f.actor, f.cause, generic,
         tuple([s.text for s in fix]), f.tradeoff, tuple(f.confirm), tuple(f.references),
         f.pack), _finding_static)
    confidence = f.confidence
    if type(confidence) is float and isfinite(confidence):
        confidence = repr(round(confidence, 3))  # (how the encoder writes a finite float)
    else:
        confidence = _value(round(confidence, 3))
    evidence = f.evidence
    numbers = [ln.number for ln in evidence]
    if len(numbers) == 1 and type(numbers[0]) is int:
        numbers = f"[{numbers[0]!r}]"  # (how the encoder writes an int, not a bool)
    else:
        numbers = _encode(numbers)
    parts = [head, confidence, middle, _strings([ln.cite() for ln in evidence]),
             ', "evidence_lines": ', numbers, fix_head]
    for i, (step, s) in enumerate(zip(steps, fix, strict=True)):
        ps = s.powershell
        parts += [", " if i else "", step,
                  "null" if ps is None else _string(ps) if type(ps) is str else _value(ps), "}"]
    parts += [tail, _strings(f.recipients), end]
    return "".join(parts)


def _recipient_json(r: RecipientResult) -> str:
    """``_encode(r.to_dict())``."""
    # (the fields are text or None but for hard_bounce: written without a call each)
    s = _string
    v = _value
    a, b, c, d, e, g, h, i = (r.recipient, r.action, r.status, r.reply_code, r.diagnostic,
                              r.remote_mta, r.reason, r.rule)
    hard = r.hard_bounce
    text = (
        f'{{"recipient": {s(a) if type(a) is str else v(a)}, '
        f'"action": {s(b) if type(b) is str else v(b)}, '
        f'"status": {s(c) if type(c) is str else v(c)}, '
        f'"reply_code": {s(d) if type(d) is str else v(d)}, '
        f'"diagnostic": {s(e) if type(e) is str else v(e)}, '
        f'"remote_mta": {s(g) if type(g) is str else v(g)}, '
        f'"reason": {s(h) if type(h) is str else v(h)}, '
        f'"hard_bounce": {"true" if hard is True else "false" if hard is False else v(hard)}, '
        f'"rule": {s(i) if type(i) is str else v(i)}')
    if r.feedback_type:
        return f'{text}, "feedback_type": {v(r.feedback_type)}}}'
    return text + "}"


_SCHEMA = _value(SCHEMA_VERSION)


def _line(diag: Diagnosis, item: Item) -> str:
    """``_encode(_with_locator(diag.to_dict(), item))``, without building the dict."""
    checks = diag.checks
    parts = ['{"schema": ', _SCHEMA, ', "source": ', _value(diag.source)]
    if item.message is not None:
        parts += [', "message": ', _value(item.message)]
    parts += [', "kind": ', _value(diag.kind), ', "lang": ', _value(diag.lang),
              ', "systems": ', _strings(diag.systems),
              ', "recipients": [', ", ".join([_recipient_json(r) for r in diag.recipients]),
              '], "findings": [', ", ".join([_finding_json(f) for f in diag.findings]),
              '], "checks": ', "{}" if type(checks) is dict and not checks else _encode(checks),
              ', "notes": ', _strings(diag.notes),
              ', "error": ', _value(diag.error)]
    if diag.redacted:
        parts.append(', "redacted": true')
    parts.append("}")
    return "".join(parts)


def _day(date_value: str | None) -> str | None:
    if not date_value:
        return None
    try:
        dt = email.utils.parsedate_to_datetime(date_value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if dt is None:
        return None
    if dt.tzinfo is not None:
        dt = dt.astimezone(UTC)
    return dt.date().isoformat() if 1970 <= dt.year <= 2200 else None


def _address(value: Any) -> str | None:
    if not value:
        return None
    addr = email.utils.parseaddr(str(value))[1].strip().lower()
    return addr or None


def _sender(diag: Diagnosis) -> str | None:
    """Who sent the message the result is about: the returned message's From for a bounce
    (else the bounce's To, which is the envelope sender), the From of anything else."""
    ev = diag.evidence
    if ev is None:
        return None
    if diag.kind == "bounce":
        for returned in ev.facts.get("returned_messages") or []:
            try:
                addr = _address(returned.get("From"))
            except Exception:  # a malformed header in a returned message
                addr = None
            if addr:
                return addr
        for ln in ev.lines:
            if ln.part == "returned-headers" and ln.text[:5].lower() == "from:":
                addr = _address(ln.text[5:])
                if addr:
                    return addr
        return _address(ev.header("To"))
    return _address(ev.header("From"))


def _domain_of(address: str | None) -> str | None:
    if not address or "@" not in address:
        return None
    return address.rsplit("@", 1)[1].strip().strip(">").lower() or None


def make_record(diag: Diagnosis, d: dict[str, Any], item: Item,
                verified: bool = False) -> dict[str, Any]:
    """The small per-message record that CSV rows and the summary are built from.

    ``received`` holds the receiver's verdicts of a saved received message; after a
    re-check (``verified``), ``rechecked`` holds mailcheck's own.
    """
    ev = diag.evidence
    top = diag.top
    rec: dict[str, Any] = {
        "source": item.source,
        "message": item.message,
        "kind": diag.kind,
        "error": diag.error,
        "date": _day(ev.header("Date")) if ev else None,
        "sender": _sender(diag),
        "subject": (ev.header("Subject") or "")[:200] if ev else "",
        "top_rule": top.rule if top else None,
        # what the summary lists under "top findings": causes, not "all is well" notes
        "findings": [{"rule": f.rule, "title": f.title, "fix": [s.text for s in f.fix[:3]],
                      "generic": bool(f.generic)}
                     for f in diag.findings if f.severity != "info"][:5],
        "recipients": [
            {k: r.get(k) for k in ("recipient", "action", "status", "reply_code", "reason",
                                   "hard_bounce", "remote_mta", "rule", "diagnostic")}
            for r in d["recipients"]
        ],
        "received": None,
        "rechecked": None,
    }
    for r in rec["recipients"]:
        r["domain"] = _domain_of(r["recipient"])
    if ev is not None and diag.kind != "bounce":
        from .saved_headers import read_verdicts  # (not imported by a jsonl run)

        verdicts = read_verdicts(ev.facts, recorded=verified)
        if verdicts is not None:
            rec["received"] = verdicts.to_dict()
        if verified:
            own = read_verdicts(ev.facts)
            rec["rechecked"] = own.to_dict() if own is not None else None
    return rec


def _error_record(item: Item, error: str) -> dict[str, Any]:
    return {"source": item.source, "message": item.message, "kind": "unknown", "error": error,
            "date": None, "sender": None, "subject": "", "top_rule": None,
            "findings": [], "recipients": [],
            "received": None, "rechecked": None}


def _with_locator(d: dict[str, Any], item: Item) -> dict[str, Any]:
    if item.message is None:
        return d
    out = {"schema": d["schema"], "source": d["source"], "message": item.message}
    out.update(d)
    return out


def analyse_item(item: Item, *, lang: str = "en", rules: RuleSet | None = None,
                 want_line: bool = True, want_record: bool = True,
                 verifier: Callable[[bytes, str], Diagnosis] | None = None) -> Outcome:
    """Diagnose one item; never raises (an unexpected failure becomes the item's error).

    With a ``verifier`` (``batch --verify``), a saved received message (kind ``headers``)
    is then re-checked against DNS by it, and that Diagnosis is the one reported.
    """
    try:
        verified = False
        if item.error:
            diag = Diagnosis(source=item.source, kind="unknown", error=item.error, lang=lang)
        else:
            diag = diagnose(item.data, lang=lang, source=item.source, rules=rules)
            if verifier is not None and diag.error is None and diag.kind == "headers":
                diag = verifier(item.data, item.source)
                verified = diag.error is None
        diag.notes[:0] = item.notes
        line = _line(diag, item) if want_line else None
        record = make_record(diag, diag.to_dict(), item, verified) if want_record else None
        return Outcome(line, record, diag.error, item.size)
    except Exception as e:  # a bug must not lose the message: report it as that message's error
        error = f"internal error: {type(e).__name__}: {e}"[:300]
        diag = Diagnosis(source=item.source, kind="unknown", error=error, lang=lang)
        line = _encode(_with_locator(diag.to_dict(), item))
        return Outcome(line if want_line else None,
                       _error_record(item, error) if want_record else None, error, item.size)


# -- many messages --------------------------------------------------------------------------------
#
# concurrent.futures (and with it multiprocessing) is imported when a run starts a pool, not
# at start-up: most runs of a few messages, and every --jobs 1 run, never do.

def _pool_types() -> tuple[Any, Any]:
    """(ProcessPoolExecutor, BrokenProcessPool), imported on first use. They are kept as
    names of this module, where tests put stand-ins."""
    g = globals()
    if "ProcessPoolExecutor" not in g or "BrokenProcessPool" not in g:
        from concurrent.futures import ProcessPoolExecutor
        from concurrent.futures.process import BrokenProcessPool

        g.setdefault("ProcessPoolExecutor", ProcessPoolExecutor)
        g.setdefault("BrokenProcessPool", BrokenProcessPool)
    return g["ProcessPoolExecutor"], g["BrokenProcessPool"]


def __getattr__(name: str) -> Any:
    if name in ("ProcessPoolExecutor", "BrokenProcessPool"):
        return _pool_types()[name == "BrokenProcessPool"]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


_worker: dict[str, Any] = {}


def _init_worker(lang: str, rule_files: list[str] | None, want_line: bool,
                 want_record: bool, worker: bool = True) -> None:
    if worker:  # Ctrl-C is the main process's to handle; it stops the workers itself
        import signal  # (here: building its enums costs a --jobs 1 run 0.4 ms)

        signal.signal(signal.SIGINT, signal.SIG_IGN)
    rules = default_rules() if rule_files is None else RuleSet.load(
        [Path(p) for p in rule_files])
    _worker.update(lang=lang, rules=rules, want_line=want_line, want_record=want_record)


def _run_chunk(chunk: list[Item]) -> list[Outcome]:
    w = _worker
    return [analyse_item(it, lang=w["lang"], rules=w["rules"], want_line=w["want_line"],
                         want_record=w["want_record"]) for it in chunk]


def _chunks(items: Iterable[Item]) -> Iterator[list[Item]]:
    chunk: list[Item] = []
    size = 0
    for it in items:
        chunk.append(it)
        size += len(it.data)
        if len(chunk) >= CHUNK_MESSAGES or size >= CHUNK_BYTES:
            yield chunk
            chunk, size = [], 0
    if chunk:
        yield chunk


def _rule_files(rules: RuleSet | None) -> list[str] | None:
    if rules is None or rules is default_rules():
        return None
    return [p.path for p in rules.packs]


def analyse_stream(items: Iterable[Item], *, jobs: int = 1, lang: str = "en",
                   rules: RuleSet | None = None, want_line: bool = True,
                   want_record: bool = True,
                   verifier: Callable[[bytes, str], Diagnosis] | None = None,
                   threads: int = 8) -> Iterator[Outcome]:
    """One Outcome per item, in input order, using ``jobs`` processes.

    Worker processes start only when there is more than one chunk of work: a handful of
    messages is faster done here than shipped to another process. With a ``verifier``
    (DNS re-checks, I/O-bound, one shared cache) messages run in ``threads`` threads of
    this process instead.
    """
    rs = rules or default_rules()
    if verifier is not None:
        yield from _threaded(items, threads, lang=lang, rules=rs, want_line=want_line,
                             want_record=want_record, verifier=verifier)
        return
    chunks = _chunks(items)
    first = next(chunks, None) if jobs > 1 else None
    second = next(chunks, None) if first is not None else None
    if jobs <= 1 or second is None:
        rest = items if jobs <= 1 else (first or [])
        for it in rest:
            yield analyse_item(it, lang=lang, rules=rs, want_line=want_line,
                               want_record=want_record)
        return
    init = (lang, _rule_files(rules), want_line, want_record)
    _init_worker(*init, worker=False)  # the parent runs a chunk itself if a worker dies
    pending: deque = deque()
    executor, broken_pool = _pool_types()
    pool = executor(max_workers=jobs, initializer=_init_worker, initargs=init)
    finished = False
    try:
        broken = False
        for chunk in _chain_chunks(first, second, chunks):
            if broken:
                pending.append((None, chunk))
            else:
                try:
                    pending.append((pool.submit(_run_chunk, chunk), chunk))
                except (broken_pool, RuntimeError):
                    broken = True
                    pending.append((None, chunk))
            while len(pending) >= jobs * IN_FLIGHT_PER_JOB:
                broken = (yield from _collect(pending.popleft())) or broken
        while pending:
            broken = (yield from _collect(pending.popleft())) or broken
        finished = True
    finally:
        if finished:
            pool.shutdown(wait=True)
        else:  # interrupted, or the reader stopped early: do not wait for queued work
            _stop(pool)


def _stop(pool: ProcessPoolExecutor) -> None:
    """Stop the workers now (Ctrl-C, a closed pipe): cancel queued chunks, end processes."""
    processes = dict(getattr(pool, "_processes", None) or {})
    pool.shutdown(wait=False, cancel_futures=True)
    processes.update(getattr(pool, "_processes", None) or {})  # any started meanwhile
    for p in processes.values():
        if p.is_alive():
            p.terminate()
    for p in processes.values():
        p.join(timeout=5)
    pool.shutdown(wait=True)  # the workers are gone: this only reaps the executor's thread


def _threaded(items: Iterable[Item], threads: int, **kw: Any) -> Iterator[Outcome]:
    """analyse_item over ``threads`` threads, in input order, a bounded number in flight."""
    from concurrent.futures import ThreadPoolExecutor

    pending: deque = deque()
    pool = ThreadPoolExecutor(max_workers=max(1, threads), thread_name_prefix="mailcheck")
    try:
        for it in items:
            pending.append(pool.submit(analyse_item, it, **kw))
            while len(pending) >= threads * 4:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


def _chain_chunks(first: list[Item], second: list[Item],
                  rest: Iterator[list[Item]]) -> Iterator[list[Item]]:
    yield first
    yield second
    yield from rest


def _collect(entry: tuple[Any, list[Item]]) -> Iterator[Outcome]:
    """Yield a chunk's outcomes; return True when the worker pool has broken."""
    future, chunk = entry
    if future is not None:
        try:
            results = future.result()
        except _pool_types()[1]:
            results = None
        if results is not None:
            yield from results
            return False
    yield from _run_chunk(chunk)
    return future is not None


def run_batch(paths: Iterable[str], out: TextIO, *, lang: str = "en",
              rules: RuleSet | None = None, jobs: int = 1) -> int:
    """Write one JSON line per input message to ``out``; return how many had an error."""
    errors = 0
    for outcome in analyse_stream(iter_messages(paths), jobs=jobs, lang=lang, rules=rules,
                                  want_record=False):
        errors += outcome.error is not None
        out.write(outcome.line + "\n")  # type: ignore[operator]
    return errors
