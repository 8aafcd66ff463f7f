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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from homeloom.orchestrator._errors import ConfigError, ConfigIssue

from ._yaml_read import _Context, _load_file, _parse
from ._yaml_tags import MAX_INCLUDE_DEPTH  # importing it also adds the tags to the loader
from ._yaml_values import (
    InputRef,
    Position,
    YamlDict,
    YamlList,
    YamlStr,
    drop_positions,
    position_in,
    position_of,
)

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


@dataclass(slots=True)
class LoadResult:
    """What a load produced, with every error and warning found on the way."""

    value: Any
    errors: list[ConfigIssue] = field(default_factory=list)
    warnings: list[ConfigIssue] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


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
