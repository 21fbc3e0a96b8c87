"""Which of many fixed strings occur in a text, in one pass.

Rule gates, system markers and reason phrases are all "does this lower-case literal occur
in the text?" questions, a few hundred per message. Asked one by one, each is a separate
scan of the whole text; an Aho-Corasick automaton answers all of them in a single pass.
The automaton is ahocorasick_rs (Rust's aho-corasick crate, with wheels for common
platforms), a contiguous NFA: in a batch run it scans an input in about half the time the
pyahocorasick trie used before took (26 against 47 us per message over the development
corpus). Its DFA form is no faster there, its tables falling out of the CPU caches between
messages, and takes ten times as long to build. Where that package cannot be installed,
the same answers come from one ``in`` test per literal.
"""

from __future__ import annotations

from collections.abc import Iterable

try:
    import ahocorasick_rs as _ac
except ImportError:  # pragma: no cover - exercised by tests through _FORCE_PLAIN
    _ac = None

#: Private switch for the equivalence test: True uses the plain ``in`` loop.
_FORCE_PLAIN = False

#: The characters the regex engine matches case-insensitively (re.I) to a lower-case ASCII
#: letter besides the letter's own two cases (tests check this table against the engine).
#: A literal found in lower-cased text matches what re.I matches except where these occur.
EXTRA_CASE_FOLDS = {"i": "\u0130\u0131", "k": "\u212a", "s": "\u017f"}


class LiteralSet:
    """A fixed set of literals; :meth:`present` gives those that occur in a text.

    Literals are matched as given (callers lower-case both sides for case-insensitive
    tests). Overlapping and nested literals are all reported.
    """

    __slots__ = ("literals", "known", "spans_lines", "_automaton", "_bytes_automaton")

    def __init__(self, literals: Iterable[str]) -> None:
        self.literals: tuple[str, ...] = tuple(sorted({x for x in literals if x}))
        self.known = frozenset(self.literals)
        #: whether a literal holds a newline (an occurrence of it may span lines)
        self.spans_lines = any("\n" in x for x in self.literals)
        self._automaton = self._bytes_automaton = None
        if _ac is not None and not _FORCE_PLAIN and self.literals:
            # Standard match semantics with overlapping=True report every occurrence,
            # nested and overlapping ones too: the same set as ``lit in text``. (Stored
            # patterns: a match is reported as the literal's own string, not a new copy.)
            try:
                self._automaton = _ac.AhoCorasick(
                    self.literals, matchkind=_ac.MatchKind.Standard, store_patterns=True,
                    implementation=_ac.Implementation.ContiguousNFA)
            except UnicodeEncodeError:  # a literal with a lone surrogate: plain loop
                pass

    def present(self, text: str) -> frozenset[str]:
        """The literals that occur in ``text``."""
        if not text or not self.literals:
            return frozenset()
        if self._automaton is not None and not _FORCE_PLAIN:
            try:
                return frozenset(self._automaton.find_matches_as_strings(text, overlapping=True))
            except UnicodeEncodeError:  # lone surrogates (undecodable input bytes kept)
                return self._present_surrogates(text)
        return frozenset(lit for lit in self.literals if lit in text)

    def _present_surrogates(self, text: str) -> frozenset[str]:
        # The automaton takes UTF-8; "surrogatepass" extends it to lone surrogates. UTF-8
        # is self-synchronising (a lead byte never equals a continuation byte), so a
        # literal's bytes occur in the text's bytes exactly where the literal occurs.
        if self._bytes_automaton is None:
            self._bytes_automaton = _ac.BytesAhoCorasick(
                [lit.encode("utf-8", "surrogatepass") for lit in self.literals],
                matchkind=_ac.MatchKind.Standard, implementation=_ac.Implementation.ContiguousNFA)
        found = self._bytes_automaton.find_matches_as_indexes(
            text.encode("utf-8", "surrogatepass"), overlapping=True)
        return frozenset([self.literals[i] for i, _, _ in found])

    def __len__(self) -> int:
        return len(self.literals)


# -- the shared scan ----------------------------------------------------------------------
# Format detectors, system markers and rule gates all ask about the same text (an input's
# lower-cased haystack). They register their literals here at import or load time, and
# Evidence.contains_any() answers from one pass of the shared automaton, made once per
# input and remade only when new literals were registered.

_registry: set[str] = set()
_shared: LiteralSet | None = None


def register(literals: Iterable[str]) -> frozenset[str]:
    """Add lower-case literals to the shared scan (idempotent); return them as a set, to
    test against :meth:`Evidence.present_literals` (which answers for every registered
    literal exactly as a search of the lower-cased text would)."""
    global _shared
    given = frozenset(x for x in literals if x)
    new = given - _registry
    if new:
        _registry.update(new)
        _shared = None
    return given


def shared() -> LiteralSet:
    """The automaton of every registered literal."""
    global _shared
    if _shared is None:
        _shared = LiteralSet(_registry)
    return _shared
