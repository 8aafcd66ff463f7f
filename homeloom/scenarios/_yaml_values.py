"""Values that remember where they were written: the containers the YAML loader builds.

Each position is packed into one integer (line and column) beside the file name,
which a whole file shares; each mapping or sequence keeps the positions of its
keys, values or items in one small table, and :class:`Position` objects are
made only when asked for. A mapping's string values are plain ``str``, one
object per text and load, placed by their mapping's table (:func:`position_in`);
other strings (a sequence's items, a document's root, tagged values) are
:class:`YamlStr`, a slotted ``str`` that knows its position.
"""

from __future__ import annotations

import struct
from array import array
from dataclasses import dataclass
from typing import Any, TypeAlias

KeyPath: TypeAlias = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class Position:
    """A place in a source file; line and column are 1-based."""

    file: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


# Loaded values do not keep a Position object each: a place is stored as one int,
# ``line << 32 | column``, next to the name of its file (one string shared by the
# whole file), and a container keeps the places of its keys and items in one
# bytes table of such ints. Position objects are made only when asked for. A place
# that cannot be packed (another file, odd numbers) is kept as the Position itself.
COLUMN_BITS = 32
_COLUMN_MASK = (1 << COLUMN_BITS) - 1
PACK_LIMIT = 1 << 32  # lines and columns below this fit a 64-bit table cell
FIRST_PLACE = 1 << COLUMN_BITS | 1  # added to a 0-based mark's packed line and column
_CELL = struct.Struct("=Q")  # array("Q").tobytes() uses the native layout
_PAIR = struct.Struct("=QQ")
assert array("Q").itemsize == _CELL.size, "the position tables assume 8-byte cells"

Place: TypeAlias = "int | Position | None"


def pack_position(pos: Position | None, file: str) -> Place:
    """``pos`` as an int if it lies in ``file`` and fits, else ``pos`` itself."""
    if pos is None or pos.file != file:
        return pos
    line, column = pos.line, pos.column
    if (
        type(line) is int
        and type(column) is int
        and 0 <= line < PACK_LIMIT
        and 0 <= column < PACK_LIMIT
    ):
        return line << COLUMN_BITS | column
    return pos


def unpack_position(file: str, at: Place) -> Position | None:
    if type(at) is int:
        return Position(file, at >> COLUMN_BITS, at & _COLUMN_MASK)
    return at  # type: ignore[return-value]


def _restore_str(value: str, file: str, at: Place) -> YamlStr:
    self = new_str(YamlStr, value)
    self._file = file
    self._at = at
    return self


class YamlStr(str):
    """A string that knows where it was written."""

    __slots__ = ("_at", "_file")

    _file: str
    _at: Place

    def __new__(cls, value: str, position: Position | None = None) -> YamlStr:
        self = super().__new__(cls, value)
        self.position = position
        return self

    @property
    def position(self) -> Position | None:
        return unpack_position(self._file, self._at)

    @position.setter
    def position(self, pos: Position | None) -> None:
        self._file = pos.file if pos is not None else ""
        self._at = pack_position(pos, self._file)

    def __reduce__(self) -> tuple[Any, ...]:
        return _restore_str, (str(self), self._file, self._at)


new_str = str.__new__


class YamlDict(dict[Any, Any]):
    """A mapping with its own position and the position of each key and value."""

    # _keys and _table are the keys and places (key, value) recorded when the
    # mapping was loaded, in order; _extra holds places set later with set_at and
    # wins over the table; _index finds a key in a long _keys.
    __slots__ = ("_at", "_extra", "_file", "_index", "_keys", "_table")

    _file: str
    _at: Place
    _keys: tuple[Any, ...]
    _table: bytes
    _extra: dict[Any, tuple[Position | None, Position | None]] | None
    _index: dict[Any, int] | None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._file = ""
        self._at = None
        self._keys = ()
        self._table = b""
        self._extra = None
        self._index = None

    @property
    def position(self) -> Position | None:
        return unpack_position(self._file, self._at)

    @position.setter
    def position(self, pos: Position | None) -> None:
        if not self._table:  # the file is free to follow the new position
            self._file = pos.file if pos is not None else ""
        self._at = pack_position(pos, self._file)

    def _places(self, key: Any) -> tuple[Position | None, Position | None] | None:
        extra = self._extra
        if extra is not None:
            found = extra.get(key)
            if found is not None:
                return found
        keys = self._keys
        if not keys:
            return None
        if len(keys) <= 8:
            try:
                at = keys.index(key)
            except ValueError:
                return None
        else:
            index = self._index
            if index is None:
                index = self._index = {k: i for i, k in enumerate(keys)}
            found_at = index.get(key)
            if found_at is None:
                return None
            at = found_at
        key_at, value_at = _PAIR.unpack_from(self._table, at * 16)
        return unpack_position(self._file, key_at), unpack_position(self._file, value_at)

    def position_of(self, key: Any) -> Position | None:
        """Where ``key`` itself was written."""
        found = self._places(key)
        return found[0] if found else None

    def value_position(self, key: Any) -> Position | None:
        """Where the value of ``key`` starts."""
        found = self._places(key)
        return found[1] if found else None

    def set_at(
        self,
        key: Any,
        value: Any,
        key_position: Position | None,
        value_position: Position | None,
    ) -> None:
        """Set ``key`` and remember where the key and the value came from."""
        self[key] = value
        if self._extra is None:
            self._extra = {}
        self._extra[key] = (key_position, value_position)

    def copy(self) -> YamlDict:
        """A shallow copy that keeps the positions."""
        clone = YamlDict(self)
        clone._file = self._file
        clone._at = self._at
        clone._keys = self._keys
        clone._table = self._table
        clone._index = self._index
        clone._extra = dict(self._extra) if self._extra is not None else None
        return clone


class YamlList(list[Any]):
    """A sequence with its own position and the position of each item."""

    # _table holds the places of the items loaded with the list; _extra those of
    # the items appended after them with append_at.
    __slots__ = ("_at", "_extra", "_file", "_table")

    _file: str
    _at: Place
    _table: bytes
    _extra: list[Position | None] | None

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self._file = ""
        self._at = None
        self._table = b""
        self._extra = None

    @property
    def position(self) -> Position | None:
        return unpack_position(self._file, self._at)

    @position.setter
    def position(self, pos: Position | None) -> None:
        if not self._table:
            self._file = pos.file if pos is not None else ""
        self._at = pack_position(pos, self._file)

    def position_of(self, index: int) -> Position | None:
        """Where item ``index`` starts; None once the list was changed past it."""
        loaded = len(self._table) >> 3
        extra = self._extra
        known = loaded + len(extra) if extra is not None else loaded
        if not -known <= index < known:
            return None
        if index < 0:
            index += known
        if index < loaded:
            return unpack_position(self._file, _CELL.unpack_from(self._table, index * 8)[0])
        return extra[index - loaded]  # type: ignore[index]

    def append_at(self, value: Any, position: Position | None) -> None:
        """Append ``value`` and remember where it came from."""
        extra = self._extra
        if extra is None:
            extra = self._extra = []
        # Pad so that items appended without a position keep indexes aligned.
        extra.extend([None] * (len(self) - (len(self._table) >> 3) - len(extra)))
        self.append(value)
        extra.append(position)


@dataclass(frozen=True, slots=True)
class InputRef:
    """A blueprint ``!input NAME`` placeholder, substituted when the blueprint is used."""

    name: str
    position: Position | None = None


def drop_positions(*roots: Any) -> int:
    """Forget, in place, where every value inside ``roots`` was written; returns how many
    values had a position to forget.

    Positions serve the errors of loading and checking; a house that then runs for days
    has no more use for them. Afterwards each container and string answers None for its
    own place and every key's and item's, as a value built in code does. Plain mappings,
    sequences and tuples are walked too (a scenario's normalised copies hold the loaded
    values); anything else is left alone.
    """
    seen: set[int] = set()
    todo = list(roots)
    pop = todo.pop
    found = 0
    while todo:
        value = pop()
        cls = value.__class__
        # Most values are plain strings and numbers: nothing to drop, nothing inside.
        if cls is str or cls is int or cls is float or cls is bool or value is None:
            continue
        if cls is YamlDict:
            value._keys = ()
            value._index = None
        elif cls is YamlStr:
            value._file = ""
            value._at = None
            found += 1
            continue
        elif cls is not YamlList:
            if isinstance(value, dict | list | tuple) and id(value) not in seen:
                seen.add(id(value))
                todo += value.values() if isinstance(value, dict) else value
            continue
        # A container is walked once: dropped, it has no position left to drop.
        if value._table or value._at is not None or value._extra is not None:
            value._file = ""
            value._at = None
            value._table = b""
            value._extra = None
            found += 1
            todo += value.values() if cls is YamlDict else value
    return found


def position_of(container: Any, key_or_index: Any) -> Position | None:
    """Where a key or item was written, or None for plain containers and unknown keys."""
    if isinstance(container, YamlDict):
        return container.position_of(key_or_index)
    if isinstance(container, YamlList) and isinstance(key_or_index, int):
        return container.position_of(key_or_index)
    return None


def position_in(container: Any, key: Any) -> Position | None:
    """Where the value ``container[key]`` was written: its own position, except for a
    plain string (a mapping's string values are plain), whose place its mapping keeps."""
    value = container[key]
    if type(value) is str:
        return container.value_position(key) if isinstance(container, YamlDict) else None
    return getattr(value, "position", None)
