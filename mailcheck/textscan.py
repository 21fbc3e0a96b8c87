"""Which of many fixed strings occur in a text, in one pass.

Rule gates, system markers and reason phrases are all "does this lower-case literal occur
in the text?" questions, a few hundred per message. Asked one by one, each is a separate
scan of the whole text; an Aho-Corasick automaton (pyahocorasick, a C extension) answers
all of them in a single pass, several times faster on a typical bounce. Where that
package cannot be installed, the same answers come from one ``in`` test per literal.
"""

from __future__ import annotations

from collections.abc import Iterable
from operator import itemgetter

try:
    import ahocorasick as _ac
except ImportError:  # pragma: no cover - exercised by tests through _FORCE_PLAIN
    _ac = None

_VALUE = itemgetter(1)  # the automaton yields (end offset, literal)

#: Private switch for the equivalence test: True uses the plain ``in`` loop.
_FORCE_PLAIN = False


class LiteralSet:
    """A fixed set of literals; :meth:`present` gives those that occur in a text.

    Literals are matched as given (callers lower-case both sides for case-insensitive
    tests). Overlapping and nested literals are all reported.
    """

    __slots__ = ("literals", "known", "_automaton")

    def __init__(self, literals: Iterable[str]) -> None:
        self.literals: tuple[str, ...] = tuple(sorted({x for x in literals if x}))
        self.known = frozenset(self.literals)
        self._automaton = None
        if _ac is not None and not _FORCE_PLAIN and self.literals:
            automaton = _ac.Automaton()
            for lit in self.literals:
                automaton.add_word(lit, lit)
            automaton.make_automaton()
            self._automaton = automaton

    def present(self, text: str) -> frozenset[str]:
        """The literals that occur in ``text``."""
        if not text or not self.literals:
            return frozenset()
        if self._automaton is not None and not _FORCE_PLAIN:
            return frozenset(map(_VALUE, self._automaton.iter(text)))
        return frozenset(lit for lit in self.literals if lit in text)

    def __len__(self) -> int:
        return len(self.literals)


# -- the shared scan ----------------------------------------------------------------------
# Format detectors, system markers and rule gates all ask about the same text (an input's
# lower-cased haystack). They register their literals here at import or load time, and
# Evidence.contains_any() answers from one pass of the shared automaton, made once per
# input and remade only when new literals were registered.

_registry: set[str] = set()
_shared: LiteralSet | None = None


def register(literals: Iterable[str]) -> None:
    """Add lower-case literals to the shared scan (idempotent)."""
    global _shared
    new = {x for x in literals if x} - _registry
    if new:
        _registry.update(new)
        _shared = None


def shared() -> LiteralSet:
    """The automaton of every registered literal."""
    global _shared
    if _shared is None:
        _shared = LiteralSet(_registry)
    return _shared
