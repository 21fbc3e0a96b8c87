"""A small element tree over html.parser, for asserting on the structure of HTML reports."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

VOID = frozenset("area base br col embed hr img input link meta source track wbr".split())


@dataclass
class Node:
    tag: str
    attrs: dict[str, str | None] = field(default_factory=dict)
    children: list[Node | str] = field(default_factory=list)
    parent: Node | None = field(default=None, repr=False)

    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)

    def iter(self, tag: str | None = None):
        for c in self.children:
            if isinstance(c, Node):
                if tag is None or c.tag == tag:
                    yield c
                yield from c.iter(tag)

    def find_all(self, tag: str | None = None, **attrs: str) -> list[Node]:
        out = []
        for n in self.iter(tag):
            if all(_has(n, k.rstrip("_"), v) for k, v in attrs.items()):
                out.append(n)
        return out

    def find(self, tag: str | None = None, **attrs: str) -> Node | None:
        found = self.find_all(tag, **attrs)
        return found[0] if found else None

    def ancestors(self):
        n = self.parent
        while n is not None:
            yield n
            n = n.parent


def _has(n: Node, key: str, value: str) -> bool:
    if key == "class":
        return value in (n.attrs.get("class") or "").split()
    return n.attrs.get(key) == value


class _Builder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#document")
        self.cur = self.root
        self.decls: list[str] = []

    def handle_decl(self, decl):
        self.decls.append(decl)

    def handle_starttag(self, tag, attrs):
        node = Node(tag, dict(attrs), parent=self.cur)
        self.cur.children.append(node)
        if tag not in VOID:
            self.cur = node

    def handle_startendtag(self, tag, attrs):
        self.cur.children.append(Node(tag, dict(attrs), parent=self.cur))

    def handle_endtag(self, tag):
        n = self.cur
        while n is not None and n.tag != tag:
            n = n.parent
        if n is None:
            raise AssertionError(f"end tag </{tag}> without a start tag")
        if n is not self.cur:
            raise AssertionError(f"</{tag}> closes <{self.cur.tag}> implicitly")
        self.cur = n.parent or self.root

    def handle_data(self, data):
        self.cur.children.append(data)


def parse(html: str) -> Node:
    """The document as a tree; raises AssertionError when tags are not properly nested."""
    b = _Builder()
    b.feed(html)
    b.close()
    assert b.cur is b.root, f"unclosed <{b.cur.tag}>"
    b.root.attrs["doctype"] = b.decls[0] if b.decls else None
    return b.root
