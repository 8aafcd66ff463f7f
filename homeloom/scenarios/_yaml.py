"""Home Assistant-compatible YAML loading that remembers where every value came from.

Mappings load as :class:`YamlDict` and sequences as :class:`YamlList`; each knows its
:class:`Position`. String keys and a mapping's string values stay plain, shared ``str``:
their mapping knows where each key and its value were written (:func:`position_in`).
Other strings (a sequence's items, a document's root) are :class:`YamlStr`, which know
their own position. The loader understands ``!include``, the four ``!include_dir_*``
tags, ``!secret``, ``!env_var`` and ``!input``. Problems are collected as
:class:`ConfigIssue` values so that one bad file never hides the others.
"""

from __future__ import annotations

import logging
import os
import re
import sys
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from homeloom.orchestrator._errors import ConfigError, ConfigIssue

from ._yaml_block import build_block
from ._yaml_stream import Unusual, build_plain
from ._yaml_values import (
    COLUMN_BITS,
    FIRST_PLACE,
    PACK_LIMIT,
    FilePlaces,
    InputRef,
    KeyPath,
    Place,
    Position,
    YamlDict,
    YamlList,
    YamlStr,
    drop_positions,
    new_str,
    pack_position,
    position_in,
    position_of,
    set_extra_places,
    unpack_position,
)

try:  # libyaml parses several times faster; the constructors stay in Python
    from yaml import CSafeLoader as _BaseLoader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _BaseLoader  # type: ignore[assignment]

__all__ = [
    "MAX_INCLUDE_DEPTH",
    "InputRef",
    "LoadResult",
    "Position",
    "YamlDict",
    "YamlList",
    "YamlStr",
    "drop_positions",
    "load_config_file",
    "load_config_text",
    "load_yaml_file",
    "load_yaml_text",
    "position_in",
    "position_of",
]

_LOGGER = logging.getLogger(__name__)

MAX_INCLUDE_DEPTH = 20
SECRETS_FILE = "secrets.yaml"
_MERGE_TAG = "tag:yaml.org,2002:merge"
_STR_TAG = "tag:yaml.org,2002:str"
_MAP_TAG = "tag:yaml.org,2002:map"
_SEQ_TAG = "tag:yaml.org,2002:seq"
# Keys with these tags make a mapping go through PyYAML's flatten_mapping.
_FLATTENED_TAGS = frozenset({_MERGE_TAG, "tag:yaml.org,2002:value"})
_ENCLOSING_ALIAS = "an alias may not refer to a container that encloses it"


@dataclass(slots=True)
class LoadResult:
    """What a load produced, with every error and warning found on the way."""

    value: Any
    errors: list[ConfigIssue] = field(default_factory=list)
    warnings: list[ConfigIssue] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def format_key_path(path: KeyPath) -> str | None:
    """``("automation", 0, "alias")`` -> ``automation[0].alias``."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out or None


class _Context:
    """State shared by every file loaded for one top-level load."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.errors: list[ConfigIssue] = []
        self.warnings: list[ConfigIssue] = []
        self.secrets: dict[Path, dict[Any, Any] | None] = {}
        # Mappings with the same keys in the same order share one tuple of them.
        self.shapes: dict[tuple[Any, ...], tuple[Any, ...]] = {}
        # A mapping's string values are plain str, each text made once per load.
        self.strings: dict[str, str] = {}

    def display(self, path: Path) -> str:
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return str(path)

    def issue(
        self, message: str, pos: Position | None, path: KeyPath = (), *, file: str | None = None
    ) -> ConfigIssue:
        return ConfigIssue(
            message,
            file=pos.file if pos else file,
            line=pos.line if pos else None,
            column=pos.column if pos else None,
            key=format_key_path(path),
        )

    def secrets_in(self, secrets_file: Path) -> dict[Any, Any] | None:
        """The table in ``secrets_file``, loaded once; None if there is none."""
        if secrets_file in self.secrets:
            return self.secrets[secrets_file]
        self.secrets[secrets_file] = None  # a placeholder guards against re-entry
        if not secrets_file.is_file():
            return None
        value = _load_file(self, secrets_file, (secrets_file,), (), None)
        if isinstance(value, dict):
            self.secrets[secrets_file] = value
            return value
        if value is not None:
            pos = getattr(value, "position", None) or Position(self.display(secrets_file), 1, 1)
            self.errors.append(self.issue("secrets.yaml must be a mapping of name: value", pos))
        return None


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


def _scalar_arg(loader: _Loader, node: Node, tag: str, what: str) -> str | None:
    if isinstance(node, ScalarNode) and isinstance(node.value, str) and node.value.strip():
        return node.value.strip()
    loader.error(f"{tag} expects {what}", node)
    return None


def _construct_include(loader: _Loader, node: Node) -> Any:
    name = _scalar_arg(loader, node, "!include", "a file name")
    if name is None:
        return None
    target = loader.path.parent / name
    if not target.is_file():
        loader.error(f"!include: file {name!r} not found ({loader.ctx.display(target)})", node)
        return None
    return _include(loader, node, target, loader.key_path)


def _include(loader: _Loader, node: Node, target: Path, path: KeyPath) -> Any:
    """Load ``target`` for the tag at ``node``, refusing cycles and runaway depth."""
    resolved = target.resolve()
    if resolved in loader.stack:
        chain = " -> ".join(loader.ctx.display(p) for p in (*loader.stack, resolved))
        loader.error(f"include cycle: {chain}", node)
        return None
    if len(loader.stack) >= MAX_INCLUDE_DEPTH:
        loader.error(f"includes are nested more than {MAX_INCLUDE_DEPTH} deep", node)
        return None
    return _load_file(loader.ctx, resolved, (*loader.stack, resolved), path, loader.pos(node))


def _yaml_files(directory: Path) -> list[Path]:
    """Every visible ``*.yaml`` below ``directory`` except secrets, in path order."""
    found: list[str] = []
    for current, dirs, files in os.walk(directory):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        found.extend(
            os.path.join(current, f)
            for f in files
            if f.endswith(".yaml") and not f.startswith(".") and f != SECRETS_FILE
        )
    return [Path(p) for p in sorted(found)]


def _dir_tag(tag: str) -> Callable[[_Loader, Node], Any]:
    def construct(loader: _Loader, node: Node) -> Any:
        name = _scalar_arg(loader, node, tag, "a directory name")
        if name is None:
            return None
        directory = loader.path.parent / name
        if not directory.is_dir():
            loader.error(f"{tag}: directory {name!r} not found", node)
            return None
        path = loader.key_path
        files = _yaml_files(directory)
        if tag == "!include_dir_list":
            out = YamlList()
            out.position = loader.pos(node)
            for file in files:
                value = _include(loader, node, file, (*path, len(out)))
                out.append_at(value, _start_of(value, loader.ctx, file))
            return out
        if tag == "!include_dir_merge_list":
            out = YamlList()
            out.position = loader.pos(node)
            for file in files:
                value = _include(loader, node, file, (*path, len(out)))
                if isinstance(value, list):
                    for index, item in enumerate(value):
                        out.append_at(item, position_of(value, index))
                elif value:
                    _not_merged(loader, file, value, "list")
            return out
        named = YamlDict()
        named.position = loader.pos(node)
        for file in files:
            key = file.stem if tag == "!include_dir_named" else None
            value = _include(loader, node, file, (*path, key) if key else path)
            if key is not None:
                _merge_key(
                    loader,
                    named,
                    key,
                    value,
                    _start_of(None, loader.ctx, file),
                    _start_of(value, loader.ctx, file),
                    path,
                )
            elif isinstance(value, dict):
                for sub_key, sub_value in value.items():
                    _merge_key(
                        loader,
                        named,
                        sub_key,
                        sub_value,
                        position_of(value, sub_key),
                        _value_pos(value, sub_key),
                        path,
                    )
            elif value:
                _not_merged(loader, file, value, "mapping")
        return named

    return construct


def _start_of(value: Any, ctx: _Context, file: Path) -> Position:
    found = getattr(value, "position", None)
    return found if isinstance(found, Position) else Position(ctx.display(file), 1, 1)


def _value_pos(container: Any, key: Any) -> Position | None:
    return container.value_position(key) if isinstance(container, YamlDict) else None


def _merge_key(
    loader: _Loader,
    named: YamlDict,
    key: Any,
    value: Any,
    key_pos: Position | None,
    value_pos: Position | None,
    path: KeyPath,
) -> None:
    if key in named:
        before = named.position_of(key)
        loader.ctx.warnings.append(
            loader.ctx.issue(
                f"{key!r} is also defined at {before}; this later definition is used",
                key_pos,
                (*path, str(key)),
            )
        )
    named.set_at(key, value, key_pos, value_pos)


def _not_merged(loader: _Loader, file: Path, value: Any, expected: str) -> None:
    loader.ctx.warnings.append(
        loader.ctx.issue(
            f"ignored: the file holds a {type(value).__name__.removeprefix('Yaml').lower()}, "
            f"not a {expected}",
            _start_of(value, loader.ctx, file),
        )
    )


def _construct_secret(loader: _Loader, node: Node) -> Any:
    name = _scalar_arg(loader, node, "!secret", "a secret name")
    if name is None:
        return None
    if loader.path.name == SECRETS_FILE:
        loader.error("!secret cannot be used inside secrets.yaml", node)
        return None
    root = loader.ctx.root.resolve()
    directory = loader.path.parent.resolve()
    while True:
        table = loader.ctx.secrets_in(directory / SECRETS_FILE)
        if table is not None and name in table:
            return _placed(table, name)
        # Climb towards the configuration root, never above it.
        if directory == root or root not in directory.parents:
            break
        directory = directory.parent
    loader.error(f"secret {name!r} is not defined in any secrets.yaml up to the config root", node)
    return None


def _placed(table: dict[Any, Any], key: Any) -> Any:
    """``table[key]``; a plain string (which keeps no place) as a :class:`YamlStr` placed
    where its mapping recorded it."""
    value = table[key]
    return YamlStr(value, position_in(table, key)) if type(value) is str else value


def _construct_env_var(loader: _Loader, node: Node) -> Any:
    arg = _scalar_arg(loader, node, "!env_var", "a variable name and an optional default")
    if arg is None:
        return None
    name, _, default = arg.partition(" ")
    value = os.environ.get(name)
    if value is None:
        if not default.strip():
            loader.error(f"environment variable {name!r} is not set and has no default", node)
            return None
        value = default.strip()
    return YamlStr(value, loader.pos(node))


def _construct_input(loader: _Loader, node: Node) -> Any:
    name = _scalar_arg(loader, node, "!input", "an input name")
    return None if name is None else InputRef(name, loader.pos(node))


_Loader.add_constructor("tag:yaml.org,2002:str", _construct_str)
_Loader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)
_Loader.add_constructor("tag:yaml.org,2002:map", _construct_map)
_Loader.add_constructor("tag:yaml.org,2002:seq", _construct_seq)
_Loader.add_constructor("!include", _construct_include)
for _tag in (
    "!include_dir_list",
    "!include_dir_merge_list",
    "!include_dir_named",
    "!include_dir_merge_named",
):
    _Loader.add_constructor(_tag, _dir_tag(_tag))
_Loader.add_constructor("!secret", _construct_secret)
_Loader.add_constructor("!env_var", _construct_env_var)
_Loader.add_constructor("!input", _construct_input)

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


# libyaml's wording names the parser's state; say what the author probably did.
_HINTS = {
    "did not find expected key": "is the indentation right?",
    "mapping values are not allowed in this context": "quote a value that contains ': '",
    "mapping values are not allowed here": "quote a value that contains ': '",
}


def _syntax_issue(
    ctx: _Context, file: str, text: str, exc: Exception, path: KeyPath
) -> ConfigIssue:
    """Turn a PyYAML exception into an issue at the place it names."""
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        message = exc.problem or exc.context or "invalid YAML"
        if mark and text[mark.index : mark.index + 1] == "\t":
            message = "tabs cannot be used for indentation; use spaces"
        elif message in _HINTS:
            message += f" ({_HINTS[message]})"
        pos = Position(file, mark.line + 1, mark.column + 1) if mark else None
        cm = exc.context_mark
        if (
            exc.context
            and cm
            and exc.problem
            and pos
            and (cm.line + 1, cm.column + 1)
            != (
                pos.line,
                pos.column,
            )
        ):
            message += f", {exc.context} at line {cm.line + 1}, column {cm.column + 1}"
        return ctx.issue(message, pos, path, file=file)
    if isinstance(exc, yaml.reader.ReaderError):
        before = text[: exc.position]
        line = before.count("\n") + 1
        column = exc.position - (before.rfind("\n") + 1) + 1
        char = exc.character if isinstance(exc.character, int) else ord(exc.character[:1] or "\0")
        return ctx.issue(
            f"character U+{char:04X} is not allowed in YAML",
            Position(file, line, column),
            path,
        )
    if isinstance(exc, RecursionError):
        return ctx.issue("the document is nested too deeply", None, path, file=file)
    return ctx.issue(f"invalid YAML: {exc}", None, path, file=file)


_NOT_PLAIN = object()


def _parse(ctx: _Context, text: str, path: Path, stack: tuple[Path, ...], prefix: KeyPath) -> Any:
    """Parse one document; record the issue and return None if it cannot be read."""
    file = ctx.display(path)
    if len(text) >= PACK_LIMIT:  # lines and columns might not fit their 32 bits
        ctx.errors.append(
            ctx.issue("the file is too large (4 GiB or more)", None, prefix, file=file)
        )
        return None
    try:  # block style, read line by line: most files
        value = build_block(text, file, ctx.shapes, ctx.strings, _resolve_scalar, _SCALARS)
    except Unusual:
        value = _NOT_PLAIN
    if value is _NOT_PLAIN:  # libyaml's events, for plain YAML in any style
        parser = _BaseLoader(text)
        try:
            value = build_plain(parser, file, ctx.shapes, ctx.strings, _resolve_scalar, _SCALARS)
        except Exception:  # not plain YAML, or not YAML at all: the node path says which
            value = _NOT_PLAIN
        finally:
            parser.dispose()
    if value is _NOT_PLAIN:
        loader = _Loader(text, ctx, path, stack, prefix)
        try:
            value = loader.get_single_data()
        except (yaml.YAMLError, RecursionError) as exc:
            ctx.errors.append(_syntax_issue(ctx, file, text, exc, loader.key_path))
            return None
        finally:
            loader.dispose()
    if value is None:  # an empty file counts as an empty mapping, as in Home Assistant
        value = YamlDict()
        value.position = Position(file, 1, 1)
    return value


def _load_file(
    ctx: _Context, path: Path, stack: tuple[Path, ...], prefix: KeyPath, at: Position | None
) -> Any:
    """Read and parse ``path``; ``at`` is where it was included from, if anywhere."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        message = f"cannot read {ctx.display(path)}: {exc.strerror or exc}"
        ctx.errors.append(ctx.issue(message, at, prefix, file=ctx.display(path)))
        return None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        pos = Position(ctx.display(path), line, column)
        ctx.errors.append(ctx.issue("the file is not valid UTF-8", pos, prefix))
        return None
    return _parse(ctx, text, path, stack, prefix)


def load_config_file(path: Path | str, *, root: Path | str | None = None) -> LoadResult:
    """Load one YAML file and everything it includes; never raises for bad input.

    ``root`` is the configuration directory: file names are shown relative to it and
    ``!secret`` looks no higher. It defaults to the file's directory.
    """
    path = Path(path).absolute()
    ctx = _Context(Path(root).absolute() if root is not None else path.parent)
    value = _load_file(ctx, path, (path.resolve(),), (), None)
    return LoadResult(value, ctx.errors, ctx.warnings)


def load_config_text(
    text: str, filename: str = "<text>", *, root: Path | str | None = None
) -> LoadResult:
    """Load YAML given as text; includes and secrets resolve relative to ``filename``."""
    path = Path(filename).absolute()
    ctx = _Context(Path(root).absolute() if root is not None else path.parent)
    value = _parse(ctx, text, path, (path.resolve(),), ())
    return LoadResult(value, ctx.errors, ctx.warnings)


def _value_or_raise(result: LoadResult) -> Any:
    if result.errors:
        raise ConfigError(result.errors)
    for warning in result.warnings:
        _LOGGER.warning("%s", warning)
    return result.value


def load_yaml_file(path: Path | str, *, root: Path | str | None = None) -> Any:
    """Load a YAML file; raise :class:`ConfigError` listing every problem found."""
    return _value_or_raise(load_config_file(path, root=root))


def load_yaml_text(text: str, filename: str = "<text>") -> Any:
    """Load YAML text; raise :class:`ConfigError` listing every problem found."""
    return _value_or_raise(load_config_text(text, filename))
