"""Registries: things picked by name, each entry carrying its own metadata.

Every method family of the engine (normalisers, zero handlers, weighters, combiners, aggregators) and the
data layer's readers are a :class:`Registry`: a read-only mapping from name to an entry that knows its name,
its zh/en label and its tags (e.g. a weighter's ``objective`` or ``reads_logs``). Code that needs "the
methods that …" asks the registry (``WEIGHTERS.names(objective=True)``) instead of keeping its own list of
names, so adding a method is adding one entry.

:meth:`Registry.pick` (or :func:`pick`) is how a name given by a user becomes an entry: an unknown name is a
:class:`~nqp_lib.errors.ParameterError` naming the option and the valid names.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from nqp_lib.errors import ParameterError

T = TypeVar("T")


@dataclass(frozen=True)
class Label:
    """A name shown to readers, in Chinese and English."""

    zh: str
    en: str

    def __call__(self, lang: str = "zh") -> str:
        return self.zh if lang == "zh" else self.en


class Registry(Mapping[str, T], Generic[T]):
    """Entries by name, in the order given; ``option`` names the parameter that picks one and ``kind`` what
    an entry is (both for messages).

    Every entry has a ``name`` attribute; its other attributes are the tags :meth:`names` and
    :meth:`where` filter on.
    """

    def __init__(self, option: str, entries: Iterable[T], kind: str = "method") -> None:
        self.option = option
        self.kind = kind
        self._entries: dict[str, T] = {}
        for entry in entries:
            name = getattr(entry, "name")
            if name in self._entries:
                raise ValueError(f"registry {option!r}: two entries named {name!r}")
            self._entries[name] = entry

    def __getitem__(self, name: str) -> T:
        return self._entries[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def __repr__(self) -> str:
        return f"Registry({self.option!r}, {list(self._entries)})"

    def pick(self, name: Any) -> T:
        """The entry called ``name``, or a :class:`ParameterError` naming the option and the valid names."""
        return pick(self, name, self.option, self.kind)

    def where(self, **tags: Any) -> tuple[T, ...]:
        """Entries whose attributes equal every given tag, e.g. ``where(objective=True)``."""
        for tag in tags:
            if self._entries and not all(hasattr(e, tag) for e in self._entries.values()):
                raise AttributeError(f"registry {self.option!r}: entries have no tag {tag!r}")
        return tuple(e for e in self._entries.values() if all(getattr(e, k) == v for k, v in tags.items()))

    def names(self, **tags: Any) -> tuple[str, ...]:
        """Names of the entries with the given tags (all names when no tag is given), in registry order."""
        return tuple(getattr(e, "name") for e in self.where(**tags))


def pick(registry: Mapping[str, T], name: Any, option: str, kind: str = "method") -> T:
    """``registry[name]``, or a :class:`ParameterError` naming ``option`` and the valid names."""
    try:
        return registry[name]
    except (KeyError, TypeError):
        raise ParameterError(f"{option}: unknown {kind} {name!r}; choose one of {', '.join(registry)}") from None
