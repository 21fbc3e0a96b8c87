"""The rule engine: load TOML rule packs, match them against Evidence, rank the findings.

A pack is a TOML file with ``[pack]`` metadata and ``[[rule]]`` tables (format in
docs/rules.md). A rule matches when any of its ``[[rule.match]]`` alternatives holds; an
alternative holds when every criterion it names holds:

``status``   any of these enhanced status codes (``5.7.520``; ``5.7.6*`` prefix;
             ``5.7.606-649`` range of the last number; ``X.7.1`` either class 4 or 5)
``reply``    any of these SMTP reply codes
``text``     any of these regular expressions (case-insensitive) found in the input
``all_text`` every one of these regular expressions found in the input
``not_text`` none of these found (the alternative fails if one is)
``system``   any of these systems shown by the input (``exchange-online``, ``gmail``...)
``fact``     a table: every named fact present, with one of the listed values (``"*"``: any)

Findings are ranked by specificity (what kind of criteria matched) and then by the rule's
confidence. Patterns are checked for linear-time safety when a pack loads: no nested
or unbounded repeats over "any character", no backreferences.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

try:  # Python 3.11+: the regex parser lives here
    import re._parser as _sre_parse  # type: ignore[import-not-found]
except ImportError:  # pragma: no cover
    import sre_parse as _sre_parse  # type: ignore[no-redef]

from . import regexcache, textscan, tomlcache
from .identities import check_template
from .model import Evidence, Finding, FixStep, Line

LANGS = ("en", "ja")
_TEXT_FIELDS = ("title", "cause", "why", "tradeoff")
_WEIGHTS = {"status": 4, "text": 3, "all_text": 3, "fact": 3, "reply": 1, "system": 1}
#: The flags of every rule pattern (made once: or-ing enum flags is a slow Python call).
_RULE_FLAGS = re.I | re.M


class RuleError(ValueError):
    """A rule pack is malformed. The message names the pack and the rule."""


# -- regex safety ----------------------------------------------------------------------------

_WIDE = {"ANY", "NOT_LITERAL"}


def _walk_safety(items, inside_repeat: bool, where: str) -> None:
    for op, arg in items:
        name = str(op)
        if name in ("GROUPREF", "GROUPREF_EXISTS"):
            raise RuleError(f"{where}: backreferences are not allowed")
        if name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
            lo, hi, sub = arg
            unbounded = hi == _sre_parse.MAXREPEAT
            if inside_repeat and hi > 1:
                raise RuleError(f"{where}: nested repeats can backtrack catastrophically")
            if unbounded and any(str(o) in _WIDE or (str(o) == "IN" and _negated(a))
                                 for o, a in sub):
                raise RuleError(f"{where}: use a bounded repeat such as .{{0,200}}, not .* / .+")
            _walk_safety(sub, inside_repeat or hi > 1, where)
        elif name == "SUBPATTERN":
            _walk_safety(arg[-1], inside_repeat, where)
        elif name == "BRANCH":
            if inside_repeat and not all(len(a) == 1 and str(a[0][0]) == "LITERAL"
                                         for a in arg[1]):
                raise RuleError(f"{where}: alternation inside a repeat can backtrack")
            for alt in arg[1]:
                _walk_safety(alt, inside_repeat, where)
        elif name in ("ASSERT", "ASSERT_NOT"):
            _walk_safety(arg[1], inside_repeat, where)


def _negated(arg) -> bool:
    return bool(arg) and str(arg[0][0]) == "NEGATE"


def check_linear(pattern: str, where: str = "pattern") -> None:
    """Raise :class:`RuleError` when ``pattern`` could take more than linear time per line."""
    try:
        parsed = _sre_parse.parse(pattern)
    except re.error as e:
        raise RuleError(f"{where}: invalid regular expression: {e}") from None
    _walk_safety(list(parsed), False, where)


def _required_literal(pattern: str) -> tuple[str, ...] | None:
    """Lower-case literals one of which any match of ``pattern`` must contain.

    A cheap pre-filter: the regex only runs when one of them occurs in the text. Runs of
    the top-level sequence that spell out a small set of fixed strings are expanded
    (``message (?:size )?(?:exceeds|too big)`` gives four strings), zero-width
    assertions such as ``\\b`` do not break a run, and the run whose shortest string is
    longest wins: "message too big" is rarer than "message".
    """
    try:
        runs = _spelled_runs(_sre_parse.parse(pattern))
    except re.error:
        return None
    best: tuple[str, ...] | None = None
    for run in runs:
        if not run or min(len(x) for x in run) < 3:
            continue
        cand = tuple(sorted(x.lower() for x in run))
        if best is None or (min(map(len, cand)), -len(cand)) > (min(map(len, best)), -len(best)):
            best = cand
    return best


def _spelled_runs(parsed) -> list[set[str]]:
    """The runs of a parsed pattern's top-level sequence that spell out small sets of fixed
    strings, in order. The first run is what every match starts with; a run ends at an
    item with no small spelling, or where its product would exceed _MAX_SPELLINGS (the
    next run starts with that item)."""
    runs: list[set[str]] = []
    cur: set[str] = {""}
    for op, arg in parsed:
        name = str(op)
        if name in ("AT", "ASSERT", "ASSERT_NOT"):
            continue  # zero-width: the strings on both sides stay adjacent
        options = _spell(op, arg)
        if options is None:
            runs.append(cur)
            cur = {""}
            continue
        product = {a + b for a in cur for b in options}
        if len(product) > _MAX_SPELLINGS:
            runs.append(cur)
            product = options if len(options) <= _MAX_SPELLINGS else {""}
        cur = product
    runs.append(cur)
    return runs


#: A run of a pattern is spelled out only while it stands for at most this many strings.
_MAX_SPELLINGS = 32
#: At most this many start strings are looked for before a search (each is one str.find).
_MAX_STARTS = 8


def _start_strings(pattern: str) -> tuple[str, ...] | None:
    """Lower-case strings one of which every match of ``pattern`` starts with, when the
    regex engine cannot skip ahead by itself: the pattern opens with ``\b``, an
    alternation (``\b(?:user|mailbox) unknown``) or a letter (case-insensitive matching
    has no literal prefix), so the engine tries it at every position of the text, while
    ``str.find`` jumps straight to the first candidate."""
    try:
        parsed = _sre_parse.parse(pattern)
    except re.error:
        return None
    if not len(parsed):
        return None
    if str(parsed[0][0]) == "LITERAL" and not _cased(parsed[0][1]):
        return None  # the engine's own literal prefix search is already fast
    cur = _spelled_runs(parsed)[0]
    if len(cur) > _MAX_STARTS or min(map(len, cur)) < 3:
        return None
    return tuple(sorted(x.lower() for x in cur))


def _cased(code: int) -> bool:
    """Whether a character has case. The engine skips ahead to a literal prefix only up
    to its first cased character when matching case-insensitively (``mailbox full`` has
    none), and then tries a match at every position of the text."""
    c = chr(code)
    return c.lower() != c or c.upper() != c


def _spell(op, arg) -> set[str] | None:
    """The fixed strings one regex item can match, or None when it is not a small set."""
    name = str(op)
    if name == "LITERAL":
        return {chr(arg).lower()}
    if name == "IN":
        chars = set()
        for o, a in arg:
            if str(o) != "LITERAL":
                return None
            chars.add(chr(a).lower())
        return chars if len(chars) <= 4 else None
    if name == "SUBPATTERN":
        return _spell_seq(arg[-1])
    if name == "BRANCH":
        out: set[str] = set()
        for alt in arg[1]:
            sub = _spell_seq(alt)
            if sub is None:
                return None
            out |= sub
        return out if len(out) <= _MAX_SPELLINGS else None
    if name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
        lo, hi, sub = arg
        if (lo, hi) == (0, 1):
            inner = _spell_seq(sub)
            return None if inner is None else inner | {""}
        if lo == hi and lo <= 3:
            inner = _spell_seq(sub)
            if inner is None:
                return None
            out = {""}
            for _ in range(lo):
                out = {a + b for a in out for b in inner}
            return out if len(out) <= _MAX_SPELLINGS else None
    return None


def _spell_seq(items) -> set[str] | None:
    out: set[str] = {""}
    for op, arg in items:
        if str(op) in ("AT", "ASSERT", "ASSERT_NOT"):
            continue
        options = _spell(op, arg)
        if options is None:
            return None
        out = {a + b for a in out for b in options}
        if len(out) > _MAX_SPELLINGS:
            return None
    return out


# -- data ---------------------------------------------------------------------------------------


@dataclass(slots=True)
class Pattern:
    """One regular expression of a rule, with the literals that gate its search."""

    source: str
    regex: re.Pattern
    literal: tuple[str, ...] | None
    starts: tuple[str, ...] | None = None  # see _start_strings
    starts_ascii: bool = False  # set from ``starts`` in __post_init__
    #: every start string is one of the shared scan's literals (set by RuleSet)
    starts_scanned: bool = False

    def __post_init__(self) -> None:
        self.starts_ascii = bool(self.starts) and all(map(str.isascii, self.starts))

    def search(self, ev: Evidence, present: frozenset[str]) -> re.Match | None:
        """The first match in ``ev``'s text; ``present`` is ``ev.present_literals()``."""
        if self.literal and present.isdisjoint(self.literal):
            return None
        hay = ev.haystack()
        if self.starts and (hay.isascii() or self.starts_ascii
                            and _lowers_in_place(hay, ev.haystack_lower())):
            # No match can start before the first start string (the pattern is matched
            # case-insensitively; in ASCII text that is exactly lower-casing, see
            # _lowers_in_place for other text). Searching from there gives the same first
            # match: \b, ^ and look-behinds still see the text before it.
            low = ev.haystack_lower()
            starts = self.starts
            if self.starts_scanned:
                # ``present`` is what the shared scan found in ``low``: a start string it
                # did not find is not there (each look-up it saves reads the whole text),
                # and one it found is there
                starts = [s for s in starts if s in present]
                if not starts:
                    return None
                first = min(map(low.find, starts))
            else:
                first = min((i for i in map(low.find, starts) if i >= 0), default=-1)
                if first < 0:
                    return None
            return self.regex.search(hay, first)
        return self.regex.search(hay)


#: Characters the regex engine matches case-insensitively to an ASCII letter although
#: they lower-case to another single character (dotless i, long s; İ lower-cases to two,
#: which the length test below catches, and the Kelvin sign to "k").
_ODD_CASES = tuple(c for letter, chars in textscan.EXTRA_CASE_FOLDS.items() for c in chars
                   if len(c.lower()) == 1 and c.lower() != letter)


def _lowers_in_place(hay: str, low: str) -> bool:
    """Whether ``low`` (``hay.lower()``) finds every case-insensitive match of an ASCII
    string where the regex engine does: each character lower-cased to one character (the
    lengths agree: İ is the one that gives two), so offsets are the same in both, and none
    of the characters the engine also equates with an ASCII letter. The engine compares
    a character's simple lower case with the pattern's; for one-character results that
    is what str.lower gives."""
    return len(low) == len(hay) and _ODD_CASES[0] not in hay and _ODD_CASES[1] not in hay


#: A status range of a rule ("5.7.1-9"); a rule id. (Module constants: regexcache keeps
#: their compiled code, and compiling them is a tenth of a millisecond of every start-up.)
_STATUS_RANGE = re.compile(r"([245]\.\d{1,3})\.(\d{1,3})-(\d{1,3})")
_RULE_ID = re.compile(r"[a-z0-9][a-z0-9.-]{1,80}")


def _status_matcher(spec: str):
    spec = spec.strip()
    if spec.endswith("*"):
        prefix = spec[:-1]
        return lambda s: s.startswith(prefix)
    if spec[:2].upper() == "X.":
        tail = spec[1:]
        return lambda s: s[1:] == tail and s[0] in "45"
    m = _STATUS_RANGE.fullmatch(spec)
    if m:
        head, lo, hi = m.group(1), int(m.group(2)), int(m.group(3))

        def in_range(s: str) -> bool:
            h, _, last = s.rpartition(".")
            return h == head and last.isdigit() and lo <= int(last) <= hi

        return in_range
    return lambda s: s == spec


@dataclass(slots=True)
class Alternative:
    """One [[rule.match]] table of a rule, compiled."""

    status: list[tuple[str, Any]] = field(default_factory=list)
    reply: set[str] = field(default_factory=set)
    text: list[Pattern] = field(default_factory=list)
    all_text: list[Pattern] = field(default_factory=list)
    not_text: list[Pattern] = field(default_factory=list)
    system: set[str] = field(default_factory=set)
    fact: dict[str, list[str]] = field(default_factory=dict)
    #: literals one of which must occur for ``text`` to match (None: no cheap test)
    gate: frozenset[str] | None = None
    #: literals one of which must occur for any of ``not_text`` to match (None: no
    #: cheap test)
    not_gate: frozenset[str] | None = None

    _weight: int | None = None

    def weight(self) -> int:
        """How specific the alternative is (computed once: rules are not changed after load)."""
        if self._weight is None:
            self._weight = sum(w for k, w in _WEIGHTS.items() if getattr(self, k))
        return self._weight


@dataclass(slots=True)
class Rule:
    """One rule of a pack, compiled: its match alternatives and its texts."""

    id: str
    pack: str
    reason: str
    confidence: float
    severity: str
    actor: str | None
    alternatives: list[Alternative]
    texts: dict[str, dict[str, Any]]  # lang -> {title, cause, why, tradeoff, fix, confirm}
    fix: list[FixStep]
    references: list[str]
    examples: list[str]
    counterexamples: list[str]
    order: int = 0
    #: per language, the texts every finding of the rule gets (see finding_from)
    _finding_texts: dict[str, tuple] = field(default_factory=dict, repr=False, compare=False)

    def text(self, key: str, lang: str = "en") -> Any:
        if lang != "en":
            v = self.texts.get(lang, {}).get(key)
            if v:
                return v
        return self.texts["en"].get(key)

    def fix_steps(self, lang: str = "en") -> list[FixStep]:
        local = self.texts.get(lang, {}).get("fix") if lang != "en" else None
        if not local:
            return list(self.fix)
        return [FixStep(local[i] if i < len(local) and local[i] else s.text, s.powershell)
                for i, s in enumerate(self.fix)]


@dataclass(slots=True)
class RulePack:
    """The rules of one pack file."""

    name: str
    path: str
    description: str
    rules: list[Rule]


class _LazyRegex:
    """A pattern's compiled regex, compiled at its first use: most patterns of a pack are
    never searched in a run (their literal gate keeps them out). Only stands in for a
    pattern that compiled and passed :func:`check_linear` before (see :func:`_analyse_pack`);
    on first use it compiles it and puts the result in its place."""

    __slots__ = ("owner",)

    def __init__(self, owner: Pattern):
        self.owner = owner

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):  # (copy and pickle ask for these)
            raise AttributeError(name)
        owner = self.owner
        owner.regex = regex = regexcache.compile(owner.source, _RULE_FLAGS)
        return getattr(regex, name)


def _patterns(values: Any, where: str, known: dict[str, Any] | None = None) -> list[Pattern]:
    """The compiled patterns of a criterion. ``known`` holds, for patterns that passed the
    load checks before, their literal and start strings (see :func:`_analyse_pack`)."""
    if isinstance(values, str):
        values = [values]
    out = []
    for v in values or []:
        seen = known.get(v) if known and isinstance(v, str) else None
        if seen is None:
            check_linear(v, where)
            out.append(Pattern(v, re.compile(v, _RULE_FLAGS), _required_literal(v),
                               _start_strings(v)))
        else:
            p = Pattern(v, None, *seen)  # type: ignore[arg-type]
            p.regex = _LazyRegex(p)  # type: ignore[assignment]
            out.append(p)
        regexcache.want(v, _RULE_FLAGS)  # (it compiled:) its code is kept for the next run
    return out


_MATCH_KEYS = ("text", "all_text", "not_text")


def _analyse_pack(data: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    """{pattern: (required literals, start strings)} for every pattern of a parsed pack
    that compiles and passes :func:`check_linear`; kept with the pack's parse in the cache
    (tomlcache), so that a later load neither analyses nor compiles them. Patterns that
    fail are left out: :func:`_patterns` checks them as ever, and reports them in order."""
    out: dict[str, tuple[Any, Any]] = {}
    rules = data.get("rule")
    for raw in rules if isinstance(rules, list) else []:
        matches = raw.get("match") if isinstance(raw, dict) else None
        for spec in [matches] if isinstance(matches, dict) else matches or []:
            if not isinstance(spec, dict):
                continue
            for key in _MATCH_KEYS:
                values = spec.get(key)
                for v in [values] if isinstance(values, str) else values or []:
                    if not isinstance(v, str) or v in out:
                        continue
                    try:
                        check_linear(v)
                        re.compile(v, _RULE_FLAGS)
                    except Exception:  # reported when the pack is built
                        continue
                    out[v] = (_required_literal(v), _start_strings(v))
    return out


@lru_cache(maxsize=1)
def _analysis_version() -> bytes | None:
    """What the cached analyses depend on: this module's code (the checks and the literal
    analyses above live here), so that an edit is never served an old analysis. None when
    the source cannot be read: the analyses are then not cached."""
    try:
        return tomlcache._hash(Path(__file__).read_bytes()).digest()
    except OSError:
        return None


def _alternative(spec: dict[str, Any], where: str,
                 known: dict[str, Any] | None = None) -> Alternative:
    unknown = set(spec) - {"status", "reply", "text", "all_text", "not_text", "system", "fact"}
    if unknown:
        raise RuleError(f"{where}: unknown match key(s) {sorted(unknown)}")
    alt = Alternative()
    alt.status = [(s, _status_matcher(s)) for s in spec.get("status", [])]
    alt.reply = {str(r) for r in spec.get("reply", [])}
    alt.text = _patterns(spec.get("text"), where, known)
    alt.all_text = _patterns(spec.get("all_text"), where, known)
    alt.not_text = _patterns(spec.get("not_text"), where, known)
    alt.system = set(spec.get("system", []))
    facts = spec.get("fact", {})
    if not isinstance(facts, dict):
        raise RuleError(f"{where}: 'fact' must be a table")
    alt.fact = {k: [str(x) for x in (v if isinstance(v, list) else [v])] for k, v in facts.items()}
    if not (alt.status or alt.reply or alt.text or alt.all_text or alt.fact or alt.system):
        raise RuleError(f"{where}: a match alternative needs at least one criterion")
    if alt.text and all(p.literal for p in alt.text):
        alt.gate = frozenset(x for p in alt.text for x in p.literal or ())
    if alt.not_text and all(p.literal for p in alt.not_text):
        alt.not_gate = frozenset(x for p in alt.not_text for x in p.literal or ())
    return alt


#: Who must act (each has its words in i18n: "actor.<name>"), and how bad a finding is.
ACTORS = ("sender-admin", "recipient-admin", "end-user", "sender")
SEVERITIES = ("error", "warning", "info")


def _rule(raw: dict[str, Any], pack: str, order: int,
          known: dict[str, Any] | None = None) -> Rule:
    rid = raw.get("id")
    if not rid or not _RULE_ID.fullmatch(rid):
        raise RuleError(f"{pack}: rule id {rid!r} must be lower-case letters, digits and '-'")
    where = f"{pack}:{rid}"
    for key in ("title", "cause", "reason"):
        if not raw.get(key):
            raise RuleError(f"{where}: missing '{key}'")
    if raw.get("severity", "error") not in SEVERITIES:
        raise RuleError(f"{where}: severity must be one of {', '.join(SEVERITIES)}")
    if raw.get("actor") is not None and raw["actor"] not in ACTORS:
        raise RuleError(f"{where}: actor must be one of {', '.join(ACTORS)}")
    matches = raw.get("match")
    if isinstance(matches, dict):
        matches = [matches]
    if not matches:
        raise RuleError(f"{where}: needs at least one [[rule.match]]")
    fix = []
    for step in raw.get("fix", []):
        if isinstance(step, str):
            fix.append(FixStep(step))
        else:
            ps = step.get("powershell")
            problem = check_template(ps) if ps else None
            if problem:
                raise RuleError(f"{where}: fix powershell: {problem}")
            fix.append(FixStep(step["step"], ps))
    texts: dict[str, dict[str, Any]] = {"en": {k: raw.get(k) for k in _TEXT_FIELDS}}
    texts["en"]["confirm"] = list(raw.get("confirm", []))
    for lang in LANGS[1:]:
        if lang in raw:
            texts[lang] = dict(raw[lang])
    return Rule(
        id=rid, pack=pack, reason=raw["reason"], confidence=float(raw.get("confidence", 0.8)),
        severity=raw.get("severity", "error"), actor=raw.get("actor"),
        alternatives=[_alternative(m, where, known) for m in matches], texts=texts, fix=fix,
        references=list(raw.get("references", [])), examples=list(raw.get("examples", [])),
        counterexamples=list(raw.get("counterexamples", [])), order=order,
    )


def load_pack(path: Path | str, text: str | None = None) -> RulePack:
    path = Path(path)
    known = None
    try:
        if text is not None:
            data = tomlcache._tomllib().loads(text)
        else:
            version = _analysis_version()
            derive = _analyse_pack if version is not None else None
            data, known = tomlcache.load_derived(path, derive, version or b"")
    except ValueError as e:  # (tomllib is imported only by a parse, which raised this)
        if isinstance(e, (tomlcache._tomllib().TOMLDecodeError, UnicodeDecodeError)):
            raise RuleError(f"{path.name}: not valid TOML: {e}") from None
        raise
    meta = data.get("pack", {})
    name = meta.get("name", path.stem)
    rules = [_rule(r, name, i, known) for i, r in enumerate(data.get("rule", []))]
    return RulePack(name, str(path), meta.get("description", ""), rules)


def builtin_pack_files() -> list[Path]:
    """The packs shipped with mailcheck (installed as ``mailcheck/packs``, or ``rules/``)."""
    try:
        root = resources.files("mailcheck.packs")
        files = sorted(Path(str(p)) for p in root.iterdir() if p.name.endswith(".toml"))
        if files:
            return files
    except (ModuleNotFoundError, FileNotFoundError, NotADirectoryError):
        pass
    here = Path(__file__).resolve().parent.parent / "rules"
    return sorted(here.glob("*.toml"))


class RuleSet:
    """Compiled rules from one or more packs, ready to match."""

    def __init__(self, packs: list[RulePack]):
        self.packs = packs
        self.rules = [r for p in packs for r in p.rules if p.name != "rfc3463"]
        ids: dict[str, str] = {}
        for r in self.rules:
            if r.id in ids:
                raise RuleError(f"rule id {r.id} is defined in {ids[r.id]} and {r.pack}")
            ids[r.id] = r.pack
        # Matching index: every alternative by number, in rule order. An alternative with
        # a literal gate is only tried when one of its literals occurs in the text; the
        # others (status, fact, system, reply criteria) are always tried.
        self._alts: list[tuple[Rule, Alternative]] = [
            (r, alt) for r in self.rules for alt in r.alternatives]
        # Each alternative is filed under one criterion it cannot match without: a literal
        # of its text gate, else its status codes, a fact, a reply code or a system.
        self._by_literal: dict[str, list[int]] = {}
        self._status_alts: list[int] = []
        self._by_fact: dict[str, list[int]] = {}
        self._by_reply: dict[str, list[int]] = {}
        self._by_system: dict[str, list[int]] = {}
        always = []
        literals: set[str] = set()
        for i, (_, alt) in enumerate(self._alts):
            for p in (*alt.text, *alt.all_text, *alt.not_text):
                literals.update(p.literal or ())
            if alt.gate:
                for lit in alt.gate:
                    self._by_literal.setdefault(lit, []).append(i)
            elif alt.status:
                self._status_alts.append(i)
            elif alt.fact:
                self._by_fact.setdefault(next(iter(alt.fact)), []).append(i)
            elif alt.reply:
                for code in alt.reply:
                    self._by_reply.setdefault(code, []).append(i)
            elif alt.system:
                for name in alt.system:
                    self._by_system.setdefault(name, []).append(i)
            else:
                always.append(i)
        self._always = frozenset(always)
        self._gate_literals = frozenset(self._by_literal)
        #: every literal of the rules' patterns (all found by the shared scan)
        self.literals = frozenset(literals)
        self._status_memo: dict[str, frozenset[int]] = {}
        #: for get: (the rules list it was made from, its length, id -> rule)
        self._index: tuple[list[Rule], int, dict[str, Rule]] | None = None
        self._status_filed = frozenset(self._status_alts)
        textscan.register(literals)  # found by the input's one shared scan
        for _, alt in self._alts:
            for p in (*alt.text, *alt.all_text, *alt.not_text):
                p.starts_scanned = bool(p.starts) and literals.issuperset(p.starts)

    @classmethod
    def load(cls, paths: list[Path] | None = None) -> RuleSet:
        files = paths if paths is not None else [
            p for p in builtin_pack_files() if p.name not in _DATA_FILES]
        return cls([load_pack(p) for p in files])

    def get(self, rule_id: str) -> Rule | None:
        """The rule with this id (the first one, were ``rules`` changed to hold two)."""
        rules = self.rules
        index = self._index
        if index is None or index[0] is not rules or index[1] != len(rules):
            # (made again when ``rules`` was replaced or grew or shrank)
            by_id: dict[str, Rule] = {}
            for r in reversed(rules):
                by_id[r.id] = r
            index = self._index = (rules, len(rules), by_id)
        return index[2].get(rule_id)

    def _alts_for_status(self, status: str) -> frozenset[int]:
        """The alternatives filed under their status criterion that ``status`` meets
        (memoised)."""
        hit = self._status_memo.get(status)
        if hit is None:
            hit = frozenset(i for i in self._status_alts
                            if any(m(status) for _, m in self._alts[i][1].status))
            if len(self._status_memo) < 10_000:  # bounded: statuses come from the input
                self._status_memo[status] = hit
        return hit

    def match(self, ev: Evidence) -> list[tuple[Rule, Alternative, list[Line]]]:
        """Every rule that matches ``ev``, best first, with the lines that made it match."""
        return self.match_with(ev, ev.present_literals(), ev.statuses(), ev.reply_codes())

    def match_with(self, ev: Evidence, present: frozenset[str], statuses: set[str],
                   replies: set[str], cite: bool = True,
                   ) -> list[tuple[Rule, Alternative, list[Line]]]:
        """:meth:`match` given what it would work out first: ``ev.statuses()``,
        ``ev.reply_codes()`` and the literals of :attr:`literals` that occur in
        ``ev.haystack_lower()`` (``ev.present_literals()`` or any part of it holding those).
        Without ``cite``, the lines of each hit are left empty (not looked for)."""
        systems = ev.systems
        facts = ev.facts
        candidates = set(self._always)
        # (an input has a few literals of the rules, a gate literal seldom: only those are
        # looked up; an input has more facts than rules ask about: then the index is walked)
        by_literal = self._by_literal
        for key in present.intersection(self._gate_literals):
            candidates.update(by_literal[key])
        if facts and self._by_fact:
            _gather(candidates, self._by_fact, facts)
        if replies and self._by_reply:
            _gather(candidates, self._by_reply, replies)
        if systems and self._by_system:
            _gather(candidates, self._by_system, systems)
        by_status: dict[str, frozenset[int]] = {}
        for st in statuses:
            hit = by_status[st] = self._alts_for_status(st)
            candidates.update(hit)
        if not candidates:
            return []
        best: dict[str, tuple[Rule, Alternative, list[Line]]] = {}
        alts = self._alts
        for i in sorted(candidates):
            rule, alt = alts[i]
            # cheap necessary conditions first, the regex searches last
            if alt.status and not statuses or alt.reply and alt.reply.isdisjoint(replies) \
                    or alt.system and alt.system.isdisjoint(systems) \
                    or alt.fact and not alt.fact.keys() <= facts.keys():
                continue
            # (the statuses an alternative filed under its status criterion meets are known)
            status_hit = [s for s in statuses if i in by_status[s]] \
                if alt.status and i in self._status_filed else None
            cited = _match_alt(alt, ev, present, statuses, replies, cite, status_hit)
            if cited is None:
                continue
            held = best.get(rule.id)
            if held is None or alt.weight() > held[1].weight():
                best[rule.id] = (rule, alt, cited)
        hits = list(best.values())
        if len(hits) > 1:
            hits.sort(key=_rank)
        return hits


def _gather(candidates: set[int], index: dict[str, list[int]], keys: Any) -> None:
    """Add the alternatives ``index`` files under any of ``keys`` to ``candidates``."""
    if len(keys) <= len(index):
        for key in keys:
            found = index.get(key)
            if found:
                candidates.update(found)
    else:
        for key, found in index.items():
            if key in keys:
                candidates.update(found)


def _rank(hit: tuple[Rule, Alternative, list[Line]]) -> tuple:
    """Best first: the more specific alternative, then the surer rule, then pack order."""
    return (-hit[1].weight(), -hit[0].confidence, hit[0].order)


#: Packs that are tables, not rules.
_DATA_FILES = {"rfc3463.toml", "reasons.toml"}


def _match_alt(alt: Alternative, ev: Evidence, present: frozenset[str], statuses: set[str],
               replies: set[str], cite: bool = True,
               status_hit: list[str] | None = None) -> list[Line] | None:
    """The lines that made ``alt`` match ``ev`` (none looked for unless ``cite``), or None
    when it does not match. ``status_hit``: the statuses that meet its status criterion,
    when known."""
    cited: list[Line] = []
    if alt.status:
        hit = [s for s in statuses if any(m(s) for _, m in alt.status)] \
            if status_hit is None else status_hit
        if not hit:
            return None
        if cite:
            cited.extend(_lines_for_status(ev, set(hit)))
    if alt.reply and not (alt.reply & replies):
        return None
    if alt.system:
        names = alt.system & set(ev.systems)
        if not names:
            return None
    for key, wanted in alt.fact.items():
        have = ev.facts.get(key)
        if have is None or have is False:
            return None
        values = [str(x) for x in have] if isinstance(have, (list, tuple, set)) else [str(have)]
        if "*" not in wanted and not any(v in wanted for v in values):
            return None
        if cite and key in ev.fact_lines:
            cited.append(ev.fact_lines[key])
    # (Pattern.search answers None at once when none of a pattern's literals is present:
    # such patterns are passed over here without a call, and ``not_text`` as a whole when
    # none of its literals is)
    not_gate = alt.not_gate
    if alt.not_text and (not_gate is None or not present.isdisjoint(not_gate)) \
            and any(p.search(ev, present) for p in alt.not_text):
        return None
    if alt.text:
        m = None
        for p in alt.text:
            literal = p.literal
            if literal and present.isdisjoint(literal):
                continue
            m = p.search(ev, present)
            if m:
                break
        if m is None:
            return None
        ln = ev.line_at(m.start()) if cite else None
        if ln:
            cited.append(ln)
    for p in alt.all_text:
        m = p.search(ev, present)
        if m is None:
            return None
        ln = ev.line_at(m.start()) if cite else None
        if ln:
            cited.append(ln)
    if not cite:
        return cited
    if not cited:
        for name in alt.system & set(ev.systems):
            if ev.systems[name]:
                cited.append(ev.systems[name])
    if len(cited) < 2:
        return cited
    out: list[Line] = []
    for ln in cited:
        if ln not in out:
            out.append(ln)
    return out


def _lines_for_status(ev: Evidence, statuses: set[str]) -> list[Line]:
    out = []
    for r in ev.replies:
        if r.status in statuses and r.line:
            out.append(r.line)
            break
    if not out:
        for rec in ev.recipients:
            if rec.status in statuses and rec.lines:
                out.append(next((ln for ln in rec.lines if rec.status in ln.text), rec.lines[0]))
                break
    return out


def finding_from(rule: Rule, alt: Alternative | None, lines: list[Line], lang: str,
                 confidence: float | None = None) -> Finding:
    """The finding ``rule`` gives; ``alt`` is the alternative that matched (None when the
    finding is inferred from a recipient's reason, at the lower ``confidence``)."""
    confidence = rule.confidence if confidence is None else confidence
    texts = rule._finding_texts.get(lang)
    if texts is None:  # (worked out once per language: rules are not changed after load)
        texts = rule._finding_texts[lang] = (
            rule.text("title", lang), rule.text("cause", lang), tuple(rule.fix_steps(lang)),
            rule.text("tradeoff", lang), tuple(rule.text("confirm", lang) or []),
            tuple(rule.references))
    title, cause, fix, tradeoff, confirm, references = texts
    # (positional, in Finding's field order: rule ... pack, recipients, score)
    return Finding(rule.id, title, rule.reason, confidence, cause, lines, list(fix), tradeoff,
                   list(confirm), list(references), rule.severity, rule.actor, False,
                   rule.pack, [], (alt.weight() if alt else 0, confidence))
