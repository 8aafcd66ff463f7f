"""Home Assistant-compatible YAML loading that remembers where every value came from.

Mappings load as :class:`YamlDict`, sequences as :class:`YamlList` and strings as
:class:`YamlStr`; each knows its :class:`Position`. The loader understands
``!include``, the four ``!include_dir_*`` tags, ``!secret``, ``!env_var`` and
``!input``. Problems are collected as :class:`ConfigIssue` values so that one bad
file never hides the others.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeAlias

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from homeloom.orchestrator._errors import ConfigError, ConfigIssue

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
    "load_config_file",
    "load_config_text",
    "load_yaml_file",
    "load_yaml_text",
    "position_of",
]

_LOGGER = logging.getLogger(__name__)

MAX_INCLUDE_DEPTH = 20
SECRETS_FILE = "secrets.yaml"
_MERGE_TAG = "tag:yaml.org,2002:merge"

KeyPath: TypeAlias = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class Position:
    """A place in a source file; line and column are 1-based."""

    file: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


class YamlStr(str):
    """A string that knows where it was written."""

    # str subclasses cannot have non-empty __slots__, hence a plain attribute.
    position: Position | None

    def __new__(cls, value: str, position: Position | None = None) -> YamlStr:
        self = super().__new__(cls, value)
        self.position = position
        return self


class YamlDict(dict[Any, Any]):
    """A mapping with its own position and the position of each key and value."""

    __slots__ = ("_positions", "position")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.position: Position | None = None
        self._positions: dict[Any, tuple[Position | None, Position | None]] = {}

    def position_of(self, key: Any) -> Position | None:
        """Where ``key`` itself was written."""
        found = self._positions.get(key)
        return found[0] if found else None

    def value_position(self, key: Any) -> Position | None:
        """Where the value of ``key`` starts."""
        found = self._positions.get(key)
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
        self._positions[key] = (key_position, value_position)

    def copy(self) -> YamlDict:
        """A shallow copy that keeps the positions."""
        clone = YamlDict(self)
        clone.position = self.position
        clone._positions = dict(self._positions)
        return clone


class YamlList(list[Any]):
    """A sequence with its own position and the position of each item."""

    __slots__ = ("_positions", "position")

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.position: Position | None = None
        self._positions: list[Position | None] = []

    def position_of(self, index: int) -> Position | None:
        """Where item ``index`` starts; None once the list was changed past it."""
        if -len(self._positions) <= index < len(self._positions):
            return self._positions[index]
        return None

    def append_at(self, value: Any, position: Position | None) -> None:
        """Append ``value`` and remember where it came from."""
        # Pad so that items appended without a position keep indexes aligned.
        self._positions.extend([None] * (len(self) - len(self._positions)))
        self.append(value)
        self._positions.append(position)


@dataclass(frozen=True, slots=True)
class InputRef:
    """A blueprint ``!input NAME`` placeholder, substituted when the blueprint is used."""

    name: str
    position: Position | None = None


def position_of(container: Any, key_or_index: Any) -> Position | None:
    """Where a key or item was written, or None for plain containers and unknown keys."""
    if isinstance(container, YamlDict):
        return container.position_of(key_or_index)
    if isinstance(container, YamlList) and isinstance(key_or_index, int):
        return container.position_of(key_or_index)
    return None


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
    """A SafeLoader that builds positioned containers and knows the homeloom tags."""

    def __init__(
        self, text: str, ctx: _Context, path: Path, stack: tuple[Path, ...], prefix: KeyPath
    ) -> None:
        super().__init__(text)
        self.ctx = ctx
        self.path = path
        self.file = ctx.display(path)
        self.stack = stack
        # The key path of the value being constructed; containers capture it when
        # they are created because their contents are filled in later.
        self.key_path: KeyPath = prefix
        self.parent_node: Node | None = None
        self.parents: dict[Node, Node | None] = {}

    def pos(self, node: Node) -> Position:
        mark = node.start_mark
        return Position(self.file, mark.line + 1, mark.column + 1)

    def error(self, message: str, node: Node) -> None:
        self.ctx.errors.append(self.ctx.issue(message, self.pos(node), self.key_path))

    def child(self, node: Node, path: KeyPath, parent: Node) -> Any:
        """Construct ``node`` as the value found at ``path`` inside ``parent``."""
        if node in self.constructed_objects and self.is_ancestor(node, parent):
            # An alias to an enclosing container would make an endless structure.
            self.key_path = path
            self.error("an alias may not refer to a container that encloses it", node)
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


def _construct_str(loader: _Loader, node: Node) -> YamlStr:
    return YamlStr(loader.construct_scalar(node), loader.pos(node))  # type: ignore[arg-type]


def _construct_timestamp(loader: _Loader, node: Node) -> Any:
    try:
        return loader.construct_yaml_timestamp(node)  # type: ignore[arg-type]
    except ValueError as exc:  # e.g. 2024-13-40 matches the pattern but is no date
        raise yaml.constructor.ConstructorError(
            None, None, f"invalid date or time: {exc}", node.start_mark
        ) from None


def _construct_map(loader: _Loader, node: Node) -> Iterator[YamlDict]:
    data = YamlDict()
    data.position = loader.pos(node)
    loader.parents[node] = loader.parent_node
    return _fill_map(loader, node, data, loader.key_path)  # type: ignore[arg-type]


def _fill_map(
    loader: _Loader, node: MappingNode, data: YamlDict, path: KeyPath
) -> Iterator[YamlDict]:
    yield data
    own = sum(1 for key_node, _ in node.value if key_node.tag != _MERGE_TAG)
    loader.flatten_mapping(node)  # resolves "<<" merge keys, merged entries first
    first_own = len(node.value) - own
    own_keys: set[Any] = set()
    for index, (key_node, value_node) in enumerate(node.value):
        key = loader.child(key_node, path, node)
        key_pos = key.position if type(key) is YamlStr else loader.pos(key_node)
        try:
            hash(key)
        except TypeError:
            raise yaml.constructor.ConstructorError(
                "while constructing a mapping",
                node.start_mark,
                "found a key that is a list or mapping",
                key_node.start_mark,
            ) from None
        key_path = (*path, str(key))
        if index >= first_own:
            if key in own_keys:
                # Home Assistant keeps the last value; we do too but say so.
                first = data.position_of(key)
                where = f" (first at line {first.line}, column {first.column})" if first else ""
                loader.ctx.warnings.append(
                    loader.ctx.issue(
                        f"duplicate key {key!r}{where}; the last value is used", key_pos, key_path
                    )
                )
            own_keys.add(key)
        value = loader.child(value_node, key_path, node)
        data.set_at(key, value, key_pos, loader.pos(value_node))


def _construct_seq(loader: _Loader, node: Node) -> Iterator[YamlList]:
    data = YamlList()
    data.position = loader.pos(node)
    loader.parents[node] = loader.parent_node
    return _fill_seq(loader, node, data, loader.key_path)  # type: ignore[arg-type]


def _fill_seq(
    loader: _Loader, node: SequenceNode, data: YamlList, path: KeyPath
) -> Iterator[YamlList]:
    yield data
    for index, item_node in enumerate(node.value):
        item = loader.child(item_node, (*path, index), node)
        data.append_at(item, loader.pos(item_node))


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
            return table[name]
        # Climb towards the configuration root, never above it.
        if directory == root or root not in directory.parents:
            break
        directory = directory.parent
    loader.error(f"secret {name!r} is not defined in any secrets.yaml up to the config root", node)
    return None


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


def _parse(ctx: _Context, text: str, path: Path, stack: tuple[Path, ...], prefix: KeyPath) -> Any:
    """Parse one document; record the issue and return None if it cannot be read."""
    file = ctx.display(path)
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
