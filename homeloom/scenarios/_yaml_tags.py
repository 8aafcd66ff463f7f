"""The homeloom tags: ``!include``, ``!include_dir_*``, ``!secret``, ``!env_var``, ``!input``.

Importing this module adds them to :class:`_Loader`.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from yaml.nodes import Node, ScalarNode

from ._yaml_loader import _Loader
from ._yaml_read import _Context, _load_file
from ._yaml_values import (
    InputRef,
    KeyPath,
    Position,
    YamlDict,
    YamlList,
    YamlStr,
    position_in,
    position_of,
)

MAX_INCLUDE_DEPTH = 20
SECRETS_FILE = "secrets.yaml"


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
