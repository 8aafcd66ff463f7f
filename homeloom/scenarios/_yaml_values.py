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

from array import array
from bisect import bisect_right
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
# whole file), and the places of a file's containers are kept together in flat arrays
# of such ints (FilePlaces). Position objects are made only when asked for. A place
# that cannot be packed (another file, odd numbers) is kept as the Position itself.
COLUMN_BITS = 32
_COLUMN_MASK = (1 << COLUMN_BITS) - 1
PACK_LIMIT = 1 << 32  # lines and columns below this fit a 64-bit table cell
FIRST_PLACE = 1 << COLUMN_BITS | 1  # added to a 0-based mark's packed line and column

Place: TypeAlias = "int | Position | None"
Cells: TypeAlias = "array[int] | tuple[int, ...]"


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


# A container keeps its places in ONE slot, _src: eight bytes once a house that runs
# for days has dropped them (drop_positions), where a slot per piece (file, place,
# keys, table...) would keep 40 or more.
#
# A loaded container's _src is its file's FilePlaces, which keeps, in a few flat arrays,
# the places of every container of the file: its own, then its items' (a sequence) or
# each key's and value's (a mapping), and a mapping's keys as loaded. Those arrays are
# large blocks, not an object per container: dropped, they go back to the system
# whole, where small objects freed among the containers that stay would leave holes.
# Anything set afterwards (a position, an entry with set_at or append_at) turns _src
# into an _Edited, which keeps what was loaded too; a copy gets an _Edited as well.
_SHORT = 8  # mappings with more keys than this find them through an index dict


class FilePlaces:
    """The places of the containers loaded from one file.

    Containers are known by their id, not held (which would make each file a cycle of
    references for the collector), so the table lives as long as one of them still
    points to it. An id is only its object's while it lives; one that appears twice
    belonged to a container that was dropped while the file was being read, and the
    later one, the living one, is the one found.
    """

    __slots__ = ("_by_id", "_cells", "_ids", "_keys", "_ranks", "_starts", "file")

    def __init__(self, file: str) -> None:
        self.file = file
        self._ids = array("Q")  # the containers' ids, in the order they were added
        self._starts = array("Q")  # where each one's cells begin in _cells
        self._cells = array("Q")
        self._keys: list[tuple[Any, ...]] = []  # a mapping's keys as loaded; () else
        # Built when a place is first asked for: the ids sorted, and for each its
        # container's rank (loading makes no object per container for this).
        self._by_id: array[int] | None = None
        self._ranks: array[int] | None = None

    def add(self, container: Any, cells: list[int], keys: tuple[Any, ...]) -> None:
        """Record ``container``'s cells (its own place first) and point it here."""
        self._starts.append(len(self._cells))
        self._cells.fromlist(cells)  # twice as fast as extend, for a list
        self._keys.append(keys)
        self._ids.append(id(container))
        self._by_id = None
        container._src = self

    def tables(self) -> tuple[array[int], array[int], array[int], list[tuple[Any, ...]]]:
        """The tables :meth:`add` fills, (ids, starts, cells, keys), for a reader that
        adds many containers at once; it sets each one's ``_src`` to this itself."""
        self._by_id = None
        return self._ids, self._starts, self._cells, self._keys

    def record(self, container: Any) -> tuple[array[int], int, int, tuple[Any, ...]] | None:
        """``container``'s cells, as (cells, start, end, keys): the first one its own."""
        by_id, ranks = self._by_id, self._ranks
        if by_id is None or ranks is None:
            ids = self._ids
            order = sorted(range(len(ids)), key=ids.__getitem__)  # stable: equal ids by rank
            by_id = self._by_id = array("Q", [ids[rank] for rank in order])
            ranks = self._ranks = array("Q", order)
        found = bisect_right(by_id, id(container)) - 1  # the last one added with that id
        if found < 0 or by_id[found] != id(container):
            return None
        rank = ranks[found]
        starts = self._starts
        end = starts[rank + 1] if rank + 1 < len(starts) else len(self._cells)
        return self._cells, starts[rank], end, self._keys[rank]


class _Edited:
    """The places of a container changed after loading, or built in code."""

    __slots__ = ("at", "extra", "file", "index", "keys", "table")

    def __init__(self, file: str, at: Place, table: Cells, keys: tuple[Any, ...]) -> None:
        self.file = file  # the file of the places packed as ints
        self.at = at  # the container's own place; the table's first cell is ignored
        self.table = table  # the cells as loaded, () for a container built in code
        self.keys = keys
        # Places set since loading: for a mapping, key -> (key's, value's), winning
        # over the table; for a sequence, those of the items after the loaded ones.
        self.extra: Any = None
        self.index: dict[Any, int] | None = None  # keys -> their rank, for long mappings

    def clone(self) -> _Edited:
        made = _Edited(self.file, self.at, self.table, self.keys)
        made.index = self.index
        extra = self.extra
        made.extra = extra.copy() if extra is not None else None
        return made


Source: TypeAlias = "FilePlaces | _Edited | None"


def _cells_of(
    container: Any, src: FilePlaces | _Edited
) -> tuple[str, Cells, int, int, tuple[Any, ...]]:
    """(file, cells, start, end, keys): the cells loaded for ``container``, if any."""
    if type(src) is FilePlaces:
        found = src.record(container)
        if found is not None:
            return (src.file, *found)
        return src.file, (), 0, 0, ()
    assert isinstance(src, _Edited)
    return src.file, src.table, 0, len(src.table), src.keys


def _edited(container: Any) -> _Edited:
    """``container``'s places as an _Edited (a new one unless they are one already)."""
    src = container._src
    if type(src) is _Edited:
        return src
    if src is None:
        return _Edited("", None, (), ())
    file, cells, start, end, keys = _cells_of(container, src)
    table = cells[start:end]
    return _Edited(file, table[0] if table else None, table, keys)


def _own_position(container: Any) -> Position | None:
    src = container._src
    if src is None:
        return None
    if type(src) is _Edited:
        return unpack_position(src.file, src.at)
    file, cells, start, end, _ = _cells_of(container, src)
    return unpack_position(file, cells[start]) if end > start else None


def _state(container: Any) -> tuple[None, dict[str, Any]]:
    """What copies and pickles of ``container`` keep: its places without its file's
    table, which knows containers by id."""
    return None, {"_src": _edited(container) if container._src is not None else None}


def _move(container: Any, pos: Position | None) -> None:
    """Place ``container`` at ``pos``."""
    if container._src is None and pos is None:
        return
    edited = _edited(container)
    if not edited.table:  # nothing loaded: the file is free to follow the new position
        edited.file = pos.file if pos is not None else ""
    edited.at = pack_position(pos, edited.file)
    container._src = edited


def set_extra_places(
    data: YamlDict, extra: dict[Any, tuple[Position | None, Position | None]]
) -> None:
    """Give the loaded mapping ``data`` the places its file's cells cannot hold (those
    of a key defined in another file, a !secret's), by key."""
    edited = data._src = _edited(data)
    edited.extra = extra


class YamlDict(dict[Any, Any]):
    """A mapping with its own position and the position of each key and value."""

    __slots__ = ("_src",)

    _src: Source

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._src = None

    def __getstate__(self) -> tuple[None, dict[str, Any]]:
        return _state(self)

    @property
    def position(self) -> Position | None:
        return _own_position(self)

    @position.setter
    def position(self, pos: Position | None) -> None:
        _move(self, pos)

    def _places(self, key: Any) -> tuple[Position | None, Position | None] | None:
        src = self._src
        if src is None:
            return None
        index = None
        if type(src) is _Edited:
            extra = src.extra
            if extra is not None:
                found = extra.get(key)
                if found is not None:
                    return found  # type: ignore[no-any-return]
            index = src.index
        file, cells, start, _, keys = _cells_of(self, src)
        if not keys:
            return None
        if len(keys) <= _SHORT:
            try:
                at = keys.index(key)
            except ValueError:
                return None
        else:
            if index is None:  # kept, so a long mapping is searched once
                edited = self._src = _edited(self)
                index = edited.index = {k: i for i, k in enumerate(keys)}
                cells, start = edited.table, 0
            found_at = index.get(key)
            if found_at is None:
                return None
            at = found_at
        cell = start + 1 + 2 * at
        return unpack_position(file, cells[cell]), unpack_position(file, cells[cell + 1])

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
        edited = self._src = _edited(self)
        if edited.extra is None:
            edited.extra = {}
        edited.extra[key] = (key_position, value_position)

    def copy(self) -> YamlDict:
        """A shallow copy that keeps the positions."""
        clone = YamlDict(self)
        if self._src is not None:
            clone._src = _edited(self).clone()
        return clone


class YamlList(list[Any]):
    """A sequence with its own position and the position of each item."""

    __slots__ = ("_src",)

    _src: Source

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self._src = None

    def __getstate__(self) -> tuple[None, dict[str, Any]]:
        return _state(self)

    @property
    def position(self) -> Position | None:
        return _own_position(self)

    @position.setter
    def position(self, pos: Position | None) -> None:
        _move(self, pos)

    def position_of(self, index: int) -> Position | None:
        """Where item ``index`` starts; None once the list was changed past it."""
        src = self._src
        if src is None:
            return None
        extra: list[Position | None] | None = src.extra if type(src) is _Edited else None
        file, cells, start, end, _ = _cells_of(self, src)
        loaded = end - start - 1 if end > start else 0
        known = loaded + len(extra) if extra is not None else loaded
        if not -known <= index < known:
            return None
        if index < 0:
            index += known
        if index < loaded:
            return unpack_position(file, cells[start + 1 + index])
        return extra[index - loaded]  # type: ignore[index]

    def append_at(self, value: Any, position: Position | None) -> None:
        """Append ``value`` and remember where it came from."""
        edited = self._src = _edited(self)
        extra = edited.extra
        if extra is None:
            extra = edited.extra = []
        loaded = len(edited.table) - 1 if edited.table else 0
        # Pad so that items appended without a position keep indexes aligned.
        extra.extend([None] * (len(self) - loaded - len(extra)))
        self.append(value)
        extra.append(position)


@dataclass(frozen=True, slots=True)
class InputRef:
    """A blueprint ``!input NAME`` placeholder, substituted when the blueprint is used."""

    name: str
    position: Position | None = None


# A tuple, not ``dict | list | tuple``: that union would be made again at each check.
_PLAIN_CONTAINERS = (dict, list, tuple)


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
        if cls is YamlDict or cls is YamlList:
            # A container is walked once: dropped, it has no position left to drop.
            if value._src is not None:
                value._src = None
                found += 1
                todo += value.values() if cls is YamlDict else value
        elif cls is YamlStr:
            value._file = ""
            value._at = None
            found += 1
        elif isinstance(value, _PLAIN_CONTAINERS) and id(value) not in seen:
            seen.add(id(value))
            todo += value.values() if isinstance(value, dict) else value
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
