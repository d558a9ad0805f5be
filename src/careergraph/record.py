"""Small immutable values without :mod:`dataclasses` or :mod:`typing` at run time.

A cold ``careergraph query NAME`` is mostly Python importing: dataclasses (with
inspect, ast, dis, tokenize) and the code it generates for each class, typing,
and ``typing.NamedTuple``, which compiles every field's annotation (a string,
under ``from __future__ import annotations``), cost it more than running the
query does. So the values on that path are :class:`Record` s, and modules there
write ``TYPE_CHECKING = False`` and import from :mod:`typing` only inside
``if TYPE_CHECKING:`` (mypy reads that name as true, as it does typing's own), taking
:class:`NamedTuple` and :func:`overload` from here at run time.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any, TypeVar

    F = TypeVar("F", bound=Callable[..., Any])

__all__ = ["NamedTuple", "Record", "overload"]


class Record:
    """A value: its fields are its ``__slots__``, set once by ``__init__`` (:meth:`_set`); equal and
    hashed by them; shown as ``Name(field=value, …)``; pickled by them.

    >>> class Point(Record):
    ...     __slots__ = ("x", "y")
    ...     def __init__(self, x: int, y: int = 0) -> None:
    ...         self._set(x=x, y=y)
    >>> Point(1), Point(1) == Point(1, 0), len({Point(1), Point(1, 0)})
    (Point(x=1, y=0), True, 1)
    >>> Point(1).x = 2
    Traceback (most recent call last):
    ...
    AttributeError: Point is read-only
    """

    __slots__: tuple[str, ...] = ()

    def _set(self, **values: object) -> None:
        for name, value in values.items():
            object.__setattr__(self, name, value)

    def _values(self) -> tuple[object, ...]:
        return tuple(getattr(self, name) for name in self.__slots__)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"{type(self).__name__} is read-only")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"{type(self).__name__} is read-only")

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self._values() == other._values()  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash(self._values())

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__slots__)
        return f"{type(self).__name__}({fields})"

    def __reduce__(self) -> tuple[type, tuple[object, ...]]:
        return type(self), self._values()


class _NamedTupleMeta(type):
    """Makes ``class X(NamedTuple): field: type = default`` a :func:`collections.namedtuple`, as
    :class:`typing.NamedTuple` does, without evaluating the annotations."""

    def __new__(mcs, name: str, bases: tuple[type, ...], namespace: dict[str, Any]) -> Any:
        """
        >>> class Pair(NamedTuple):
        ...     "Two things."
        ...     left: str
        ...     right: str | None = None
        ...     def both(self) -> str:
        ...         return f"{self.left}{self.right}"
        >>> Pair("a"), Pair("a", "b").both(), Pair.__doc__, isinstance(Pair("a"), tuple)
        (Pair(left='a', right=None), 'ab', 'Two things.', True)
        """
        from collections import namedtuple

        fields = list(namespace.get("__annotations__", {}))
        defaults = [namespace[field] for field in fields if field in namespace]
        if any(field not in namespace for field in fields[len(fields) - len(defaults) :]):
            raise TypeError(f"{name}: a field without a default follows one with a default")
        made = namedtuple(name, fields, defaults=defaults, module=namespace["__module__"])  # type: ignore[misc]
        for key, value in namespace.items():
            if key not in fields and key not in ("__annotations__", "__module__", "__qualname__"):
                setattr(made, key, value)
        made.__qualname__ = namespace.get("__qualname__", name)
        return made


#: :class:`typing.NamedTuple`'s class syntax, at run time (mypy reads typing's): a class
#: based on it is made by :class:`_NamedTupleMeta`, not by ``type``.
NamedTuple: Any = type.__new__(_NamedTupleMeta, "NamedTuple", (), {"__module__": __name__})


def overload(function: F) -> F:
    """:func:`typing.overload` at run time: the definition that follows replaces it."""
    return function
