"""A view's columns, declared once: each has a name (its CSV header and JSON key), how its CSV cell
is written, and where it is read from. The CSV writer reads them all; a view whose JSON items are
flat copies of its rows builds each item from them too, so the two cannot drift apart."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from projections.views.common import text

Item = dict[str, Any]


def plain(value: Any) -> Any:
    return value


def blank(value: Any) -> Any:
    """An absent value as an empty cell."""
    return "" if value is None else value


def joined(values: Iterable[str]) -> str:
    return ";".join(values)


def names(orgs: Iterable[Item]) -> str:
    return ";".join(o["name"] for o in orgs)


def titles(programmes: Iterable[Item]) -> str:
    return ";".join(p["title"] for p in programmes)


@dataclass(frozen=True)
class Column:
    """`write` None: in the JSON item only. `shared`: read from the answer (the same in every row)
    and not in the items. `read`: a cell derived from the item, in the CSV only."""

    name: str
    write: Callable[[Any], Any] | None = plain
    shared: bool = False
    read: Callable[[Item], Any] | None = None

    @property
    def in_json(self) -> bool:
        return not self.shared and self.read is None

    def value(self, item: Item, answer: Item) -> Any:
        if self.shared:
            return answer[self.name]
        return item[self.name] if self.read is None else self.read(item)


def shared(name: str) -> Column:
    """A column every row shares: a field of the answer (its currency, grouping, ...)."""
    return Column(name, shared=True)


def derived(name: str, read: Callable[[Item], Any]) -> Column:
    """A CSV column read from an item's fields rather than being one of them."""
    return Column(name, read=read)


def leftovers(book: str) -> Column:
    """A book's amounts without an exchange rate, as one cell: `EUR 100.00;GBP 5.00`."""
    return derived(f"unconverted_{book}", lambda i: text(i["unconverted"][book]))


class Table:
    """A view's columns in CSV order; JSON-only columns may stand anywhere among them."""

    def __init__(self, *columns: Column) -> None:
        self.columns = columns
        self.written = [(c, c.write) for c in columns if c.write is not None]
        self.headers = [c.name for c, _ in self.written]

    def item(self, row: Item) -> Item:
        """The JSON item of a row: its fields named by the columns, in their order."""
        return {c.name: row[c.name] for c in self.columns if c.in_json}

    def rows(self, items: Iterable[Item], answer: Item) -> list[list[Any]]:
        return [[write(c.value(i, answer)) for c, write in self.written] for i in items]

    def csv(self, answer: Item) -> tuple[list[str], list[list[Any]]]:
        """The headers, and a row per item of the answer."""
        return self.headers, self.rows(answer["items"], answer)
