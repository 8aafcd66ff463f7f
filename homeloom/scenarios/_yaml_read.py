"""Reading one file of a load: the load-wide context, then the fastest parser that can read it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from homeloom.orchestrator._errors import ConfigIssue

from ._yaml_block import build_block
from ._yaml_loader import _SCALARS, _BaseLoader, _Loader, _PythonLoader, _resolve_scalar
from ._yaml_stream import Unusual, build_plain
from ._yaml_syntax import _syntax_issue
from ._yaml_values import PACK_LIMIT, KeyPath, Position, YamlDict


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


_NOT_PLAIN = object()
_UNPARSED = (yaml.scanner.ScannerError, yaml.parser.ParserError)


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
        loader: _Loader = _Loader(text, ctx, path, stack, prefix)
        try:
            try:
                value = loader.get_single_data()
            except _UNPARSED as unparsed:
                # As Home Assistant: what libyaml cannot parse, PyYAML's own parser may.
                # Nothing was built yet (a document is built once it is all parsed); if
                # it fails too, libyaml's message (the one our hints know) is reported.
                loader.dispose()
                loader = _PythonLoader(text, ctx, path, stack, prefix)
                try:
                    value = loader.get_single_data()
                except _UNPARSED:
                    raise unparsed from None
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
