"""The node loader: a SafeLoader that builds positioned containers, with its resolver tables."""

from __future__ import annotations

import re
import sys
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from ._yaml_values import (
    COLUMN_BITS,
    FIRST_PLACE,
    FilePlaces,
    KeyPath,
    Place,
    Position,
    YamlDict,
    YamlList,
    YamlStr,
    new_str,
    pack_position,
    set_extra_places,
    unpack_position,
)

if TYPE_CHECKING:
    from ._yaml_read import _Context

try:  # libyaml parses several times faster; the constructors stay in Python
    from yaml import CSafeLoader as _BaseLoader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _BaseLoader  # type: ignore[assignment]

# What the reading of a file (_yaml_read) and the tags (_yaml_tags) use.
__all__ = ["_SCALARS", "_BaseLoader", "_Loader", "_PythonLoader", "_resolve_scalar"]

_MERGE_TAG = "tag:yaml.org,2002:merge"
_STR_TAG = "tag:yaml.org,2002:str"
_MAP_TAG = "tag:yaml.org,2002:map"
_SEQ_TAG = "tag:yaml.org,2002:seq"
# Keys with these tags make a mapping go through PyYAML's flatten_mapping.
_FLATTENED_TAGS = frozenset({_MERGE_TAG, "tag:yaml.org,2002:value"})
_ENCLOSING_ALIAS = "an alias may not refer to a container that encloses it"


class _Loader(_BaseLoader):
    """A SafeLoader that builds positioned containers and knows the homeloom tags.

    Plain strings, the common scalars and plain mappings and sequences are built
    by :meth:`_fill_map` and :meth:`_fill_seq` without PyYAML's per-node machinery;
    everything else (tags, aliases to odd nodes) goes through ``construct_object``.
    Containers are filled breadth first, in the order PyYAML's own generators would
    fill them, so errors and warnings come out in the same order.
    """

    def __init__(
        self, text: str, ctx: _Context, path: Path, stack: tuple[Path, ...], prefix: KeyPath
    ) -> None:
        super().__init__(text)
        self.ctx = ctx
        self.path = path
        self.file = ctx.display(path)
        self.places = FilePlaces(self.file)
        self.stack = stack
        # The key path of the value being constructed; containers capture it when
        # they are created because their contents are filled in later.
        self.key_path: KeyPath = prefix
        self.parent_node: Node | None = None
        self.parents: dict[Node, Node | None] = {}
        self.shapes = ctx.shapes
        self.strings = ctx.strings
        # Containers waiting to be filled, as (MappingNode or SequenceNode, node,
        # container, path), queue up with the generators of PyYAML's constructors.
        self.state_generators = deque()  # type: ignore[assignment]

    def resolve(self, kind: type[Node], value: Any, implicit: tuple[bool, bool]) -> str:
        """``Resolver.resolve`` for this loader's resolvers (no path resolvers), faster."""
        if kind is ScalarNode:
            if implicit[0]:
                for tag, regexp in _IMPLICIT.get(value[:1], _WILDCARD):
                    if regexp.match(value):
                        return tag
            return _STR_TAG
        return _SEQ_TAG if kind is SequenceNode else _MAP_TAG

    def pos(self, node: Node) -> Position:
        mark = node.start_mark
        return Position(self.file, mark.line + 1, mark.column + 1)

    def place(self, node: Node) -> int:
        mark = node.start_mark
        return (mark.line + 1) << COLUMN_BITS | (mark.column + 1)

    def error(self, message: str, node: Node) -> None:
        self.ctx.errors.append(self.ctx.issue(message, self.pos(node), self.key_path))

    def child(self, node: Node, path: KeyPath, parent: Node) -> Any:
        """Construct ``node`` as the value found at ``path`` inside ``parent``."""
        if node in self.constructed_objects and self.is_ancestor(node, parent):
            # An alias to an enclosing container would make an endless structure.
            self.key_path = path
            self.error(_ENCLOSING_ALIAS, node)
            return None
        self.key_path = path
        self.parent_node = parent
        return self.construct_object(node, deep=False)

    def is_ancestor(self, node: Node, start: Node | None) -> bool:
        while start is not None:
            if start is node:
                return True
            start = self.parents.get(start)
        return False

    def construct_document(self, node: Node) -> Any:
        data = self.construct_object(node)
        queue: deque[Any] = self.state_generators  # type: ignore[assignment]
        while queue:
            work = queue.popleft()
            if type(work) is tuple:
                kind, container_node, container, path = work
                if container_node.__class__ is not kind:  # e.g. "!!map [a]"
                    _check_kind(container_node, kind)
                if kind is MappingNode:
                    self._fill_map(container_node, container, path)
                else:
                    self._fill_seq(container_node, container, path)
            else:  # a generator of one of PyYAML's constructors
                for _ in work:
                    pass
        self.constructed_objects = {}
        self.recursive_objects = {}
        self.deep_construct = False
        return data

    def new_map(self, node: Node, parent: Node | None, path: KeyPath, at: int) -> YamlDict:
        """An empty mapping for ``node``, queued to be filled."""
        data = _new_dict(YamlDict)
        data._src = None  # until _fill_map records its places (at is the node's)
        self.parents[node] = parent
        self.state_generators.append((MappingNode, node, data, path))  # type: ignore[arg-type]
        return data

    def new_seq(self, node: Node, parent: Node | None, path: KeyPath, at: int) -> YamlList:
        """An empty sequence for ``node``, queued to be filled."""
        data = _new_list(YamlList)
        data._src = None  # until _fill_seq records its places (at is the node's)
        self.parents[node] = parent
        self.state_generators.append((SequenceNode, node, data, path))  # type: ignore[arg-type]
        return data

    def other(self, node: Node, parent: Node, path: KeyPath, at: int) -> Any:
        """Construct ``node``, found at ``path`` inside ``parent``, unless a plain string."""
        kind = node.__class__
        tag = node.tag
        if (kind is MappingNode and tag == _MAP_TAG) or (kind is SequenceNode and tag == _SEQ_TAG):
            constructed = self.constructed_objects
            if node in constructed:
                if self.is_ancestor(node, parent):
                    # An alias to an enclosing container would make an endless structure.
                    self.key_path = path
                    self.error(_ENCLOSING_ALIAS, node)
                    return None
                return constructed[node]
            if node not in self.recursive_objects:  # else construct_object reports it
                # As new_map and new_seq do, without the call.
                data: YamlDict | YamlList
                data = _new_dict(YamlDict) if kind is MappingNode else _new_list(YamlList)
                data._src = None  # as in new_map and new_seq
                constructed[node] = data
                self.parents[node] = parent
                self.state_generators.append((kind, node, data, path))  # type: ignore[arg-type]
                return data
        elif kind is ScalarNode:
            scalar = _SCALARS.get(tag)
            if scalar is not None:
                try:
                    return scalar(self, node)
                except BaseException:
                    self.key_path = path
                    raise
        return self.child(node, path, parent)

    def _fill_map(self, node: MappingNode, data: YamlDict, path: KeyPath) -> None:
        pairs = node.value
        for key_node, _ in pairs:
            if key_node.tag in _FLATTENED_TAGS:
                own = sum(1 for key_node, _ in pairs if key_node.tag != _MERGE_TAG)
                self.flatten_mapping(node)  # resolves "<<" merge keys, merged entries first
                if node.value:
                    self.parent_node = node
                    first_own = len(node.value) - own
                    self._fill_entries(node, data, path, 0, first_own, [], [self.place(node)], {})
                else:
                    self.places.add(data, [self.place(node)], ())
                return
        if not pairs:
            self.places.add(data, [self.place(node)], ())
            return
        # The common case: string keys, each once. Anything else is handed over to
        # _fill_entries at the first entry that needs it (each entry so far added
        # one key to data, so len(data) is that entry's index).
        self.parent_node = node
        cells = [self.place(node)]  # its own place, then each key's and its value's
        key = ""
        for key_node, value_node in pairs:
            if key_node.__class__ is not ScalarNode or key_node.tag != _STR_TAG:
                self._fill_entries(node, data, path, len(data), 0, list(data), cells, {})
                return
            # Keys are plain strings, shared: the mapping records their places.
            key = _intern(key_node.value)
            if key in data:
                self._fill_entries(node, data, path, len(data), 0, list(data), cells, {})
                return
            mark = key_node.start_mark
            cells.append((mark.line << COLUMN_BITS | mark.column) + FIRST_PLACE)
            mark = value_node.start_mark
            value_at = (mark.line << COLUMN_BITS | mark.column) + FIRST_PLACE
            if value_node.__class__ is ScalarNode and value_node.tag == _STR_TAG:
                text = value_node.value  # plain and shared: its place is in the table
                value = self.strings.setdefault(text, text)
            else:
                value = self.other(value_node, node, (*path, key), value_at)
            data[key] = value
            cells.append(value_at)
        self.places.add(data, cells, self.shapes.setdefault(shape := tuple(data), shape))
        self.key_path = (*path, key)

    def _fill_entries(
        self,
        node: MappingNode,
        data: YamlDict,
        path: KeyPath,
        start: int,
        first_own: int,
        keys: list[Any],
        cells: list[int],
        extra: dict[Any, tuple[Position | None, Position | None]],
    ) -> None:
        """Fill ``data`` from entry ``start`` on, whatever the keys; ``first_own`` is
        the first entry written in the mapping itself rather than merged in."""
        pairs = node.value
        file = self.file
        own_keys: set[Any] | None = set() if first_own else None
        name = ""
        for index in range(start, len(pairs)):
            key_node, value_node = pairs[index]
            key_at: Place = self.place(key_node)
            if key_node.__class__ is ScalarNode and key_node.tag == _STR_TAG:
                key = name = _intern(key_node.value)
            else:
                key = self.child(key_node, path, node)
                if type(key) is YamlStr:  # e.g. a !secret, placed where it was defined
                    key_at = pack_position(key.position, file)
                try:
                    hash(key)
                except TypeError:
                    raise yaml.constructor.ConstructorError(
                        "while constructing a mapping",
                        node.start_mark,
                        "found a key that is a list or mapping",
                        key_node.start_mark,
                    ) from None
                name = str(key)
            present = key in data
            if own_keys is None:
                duplicate = present
            elif index >= first_own:
                duplicate = key in own_keys
                own_keys.add(key)
            else:
                duplicate = False
            if duplicate:
                # Home Assistant keeps the last value; we do too but say so.
                first = _recorded(key, keys, cells, extra, file)[0]
                where = f" (first at line {first.line}, column {first.column})" if first else ""
                self.ctx.warnings.append(
                    self.ctx.issue(
                        f"duplicate key {key!r}{where}; the last value is used",
                        unpack_position(file, key_at),
                        (*path, name),
                    )
                )
            value_at = self.place(value_node)
            if value_node.__class__ is ScalarNode and value_node.tag == _STR_TAG:
                text = value_node.value
                value = self.strings.setdefault(text, text)
            else:
                value = self.other(value_node, node, (*path, name), value_at)
            data[key] = value
            if present:
                at = keys.index(key)
                extra.pop(key, None)
            else:
                at = len(keys)
                keys.append(key)
                cells.append(0)
                cells.append(0)
            if type(key_at) is int:
                cells[1 + 2 * at] = key_at  # after the mapping's own place
                cells[2 + 2 * at] = value_at
            else:
                extra[key] = (key_at, unpack_position(file, value_at))  # type: ignore[assignment]
        self.places.add(data, cells, self.shapes.setdefault(shape := tuple(keys), shape))
        if extra:  # places no cell can hold (a !secret key's, in secrets.yaml)
            set_extra_places(data, extra)
        self.key_path = (*path, name)

    def _fill_seq(self, node: SequenceNode, data: YamlList, path: KeyPath) -> None:
        items = node.value
        cells = [self.place(node)]  # its own place, then its items'
        if not items:
            self.places.add(data, cells, ())
            return
        self.parent_node = node
        file = self.file
        append = data.append
        index = 0
        for index, item_node in enumerate(items):
            mark = item_node.start_mark
            at = (mark.line << COLUMN_BITS | mark.column) + FIRST_PLACE
            if item_node.__class__ is ScalarNode and item_node.tag == _STR_TAG:
                item = new_str(YamlStr, item_node.value)
                item._file = file
                item._at = at
            else:
                item = self.other(item_node, node, (*path, index), at)
            append(item)
            cells.append(at)
        self.places.add(data, cells, ())
        self.key_path = (*path, index)


def _check_kind(node: Node, kind: type[Node]) -> None:
    """Refuse e.g. ``!!map [a]``; an empty node of another kind makes an empty container."""
    name = "mapping" if kind is MappingNode else "sequence"
    if node.value:
        raise yaml.constructor.ConstructorError(
            f"while constructing a {name}",
            node.start_mark,
            f"expected a {name}, but found {type(node).__name__.removesuffix('Node').lower()}",
            node.start_mark,
        )


def _recorded(
    key: Any,
    keys: list[Any],
    cells: list[int],
    extra: dict[Any, tuple[Position | None, Position | None]],
    file: str,
) -> tuple[Position | None, Position | None]:
    """The places recorded so far for ``key`` while a mapping is filled."""
    if key in extra:
        return extra[key]
    at = keys.index(key)
    return unpack_position(file, cells[1 + 2 * at]), unpack_position(file, cells[2 + 2 * at])


_new_dict = dict.__new__
_new_list = list.__new__
_intern = sys.intern


def _construct_str(loader: _Loader, node: Node) -> YamlStr:
    return YamlStr(loader.construct_scalar(node), loader.pos(node))  # type: ignore[arg-type]


def _construct_timestamp(loader: _Loader, node: Node) -> Any:
    try:
        return loader.construct_yaml_timestamp(node)  # type: ignore[arg-type]
    except ValueError as exc:  # e.g. 2024-13-40 matches the pattern but is no date
        raise yaml.constructor.ConstructorError(
            None, None, f"invalid date or time: {exc}", node.start_mark
        ) from None


def _construct_map(loader: _Loader, node: Node) -> YamlDict:
    return loader.new_map(node, loader.parent_node, loader.key_path, loader.place(node))


def _construct_seq(loader: _Loader, node: Node) -> YamlList:
    return loader.new_seq(node, loader.parent_node, loader.key_path, loader.place(node))


_Loader.add_constructor("tag:yaml.org,2002:str", _construct_str)
_Loader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)
_Loader.add_constructor("tag:yaml.org,2002:map", _construct_map)
_Loader.add_constructor("tag:yaml.org,2002:seq", _construct_seq)

# Scalars built by their constructor directly, without construct_object.
_SCALARS: dict[str, Callable[[_Loader, Node], Any]] = {
    tag: _Loader.yaml_constructors[tag]
    for tag in (
        "tag:yaml.org,2002:null",
        "tag:yaml.org,2002:bool",
        "tag:yaml.org,2002:int",
        "tag:yaml.org,2002:float",
        "tag:yaml.org,2002:timestamp",
    )
}
# _Loader.resolve's table: the implicit resolvers by first character.
_WILDCARD: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    _Loader.yaml_implicit_resolvers.get(None, [])
)
_IMPLICIT: dict[str, tuple[tuple[str, re.Pattern[str]], ...]] = {
    first: (*resolvers, *_WILDCARD)
    for first, resolvers in _Loader.yaml_implicit_resolvers.items()
    if first is not None
}
assert not _Loader.yaml_path_resolvers, "_Loader.resolve assumes there are no path resolvers"


def _resolve_scalar(value: str, implicit: tuple[bool, bool]) -> str:
    """The tag of an untagged scalar, as ``_Loader.resolve`` names it."""
    if implicit[0]:
        for tag, regexp in _IMPLICIT.get(value[:1], _WILDCARD):
            if regexp.match(value):
                return tag
    return _STR_TAG


class _PythonLoader(
    yaml.reader.Reader, yaml.scanner.Scanner, yaml.parser.Parser, yaml.composer.Composer, _Loader
):
    """:class:`_Loader` on PyYAML's pure-Python scanner and parser, for the texts libyaml
    refuses but PyYAML reads (``{boolean:}``, a flow mapping's key with no value):
    Home Assistant reads those again with this parser when libyaml fails."""

    def __init__(
        self, text: str, ctx: _Context, path: Path, stack: tuple[Path, ...], prefix: KeyPath
    ) -> None:
        _Loader.__init__(self, text, ctx, path, stack, prefix)
        yaml.reader.Reader.__init__(self, text)
        yaml.scanner.Scanner.__init__(self)
        yaml.parser.Parser.__init__(self)
        yaml.composer.Composer.__init__(self)
