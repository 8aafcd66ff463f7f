"""Syntax errors: a PyYAML exception turned into an issue, with a hint at the likely mistake."""

from __future__ import annotations

from typing import TYPE_CHECKING

import yaml

from homeloom.orchestrator._errors import ConfigIssue

from ._yaml_values import KeyPath, Position

if TYPE_CHECKING:
    from ._yaml_read import _Context


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
