"""The bounds of :mod:`.template_limits` applied to jinja's filters (and the house's own
of the same names) that can make a huge value: each is wrapped to check its arguments
first and to count what it makes against the running render's budget."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from .template_limits import (
    check_length,
    check_percent_format,
    check_printable,
    expanded_size,
    made,
    replaced_size,
)

__all__ = ["guarded_filters", "lipsum_checked"]


def _sized_filter(
    builtin: Callable[..., Any], check: Callable[..., None] | None
) -> Callable[..., Any]:
    """``builtin`` (a filter) with ``check`` run on its arguments first, and the size of
    what it makes accounted for; keeps jinja's pass_* marks."""

    def guarded(*args: Any, **kwargs: Any) -> Any:
        if check is not None:
            check(*args, **kwargs)
        return made(builtin(*args, **kwargs))

    for mark in ("jinja_pass_arg",):
        if hasattr(builtin, mark):
            setattr(guarded, mark, getattr(builtin, mark))
    guarded.__name__ = getattr(builtin, "__name__", "filter")
    return guarded


def _text_arg(args: tuple[Any, ...]) -> tuple[Any, ...]:
    """The filter's arguments without the environment or context jinja passes first."""
    from jinja2 import Environment
    from jinja2.nodes import EvalContext
    from jinja2.runtime import Context

    while args and isinstance(args[0], Environment | Context | EvalContext):
        args = args[1:]
    return args


def _check_center(*args: Any, **kwargs: Any) -> None:
    args = _text_arg(args)
    width = args[1] if len(args) > 1 else kwargs.get("width", 80)
    if isinstance(width, int):
        check_length(width)


def _check_indent(*args: Any, **kwargs: Any) -> None:
    args = _text_arg(args)
    text = str(args[0]) if args else ""
    width = args[1] if len(args) > 1 else kwargs.get("width", 4)
    first = args[2] if len(args) > 2 else kwargs.get("first", False)
    indent = len(width) if isinstance(width, str) else width if isinstance(width, int) else 0
    check_length(indent)  # jinja makes the indentation first
    # Every line after the first, and the first too when asked (at most: blank lines
    # are not indented unless asked).
    check_length(len(text) + (text.count("\n") + (1 if first else 0)) * indent)


def _check_wordwrap(*args: Any, **kwargs: Any) -> None:
    args = _text_arg(args)
    text = str(args[0]) if args else ""
    wrapstring = args[3] if len(args) > 3 else kwargs.get("wrapstring")
    if isinstance(wrapstring, str):
        check_length(len(text) + (len(text) + 1) * len(wrapstring))


def _check_format(*args: Any, **kwargs: Any) -> None:
    args = _text_arg(args)
    if args:
        check_percent_format(str(args[0]), kwargs or tuple(args[1:]))


def _check_join_filter(*args: Any, **kwargs: Any) -> None:
    args = _text_arg(args)
    if not args:
        return
    items = args[0]
    separator = args[1] if len(args) > 1 else kwargs.get("d", "")
    if isinstance(items, list | tuple):
        size = expanded_size(items) + len(str(separator)) * max(len(items) - 1, 0)
        check_length(size, "joined text")


def _check_replace_filter(*args: Any, **kwargs: Any) -> None:
    args = _text_arg(args)
    if len(args) >= 3:
        count = args[3] if len(args) > 3 else kwargs.get("count")
        check_length(replaced_size(str(args[0]), str(args[1]), str(args[2]), count))


def _check_written(*args: Any, **kwargs: Any) -> None:
    args = _text_arg(args)
    if args:
        check_printable(args[0])


def _check_batch(*args: Any, **kwargs: Any) -> None:
    args = _text_arg(args)
    if len(args) > 1 and isinstance(args[1], int):
        check_length(args[1], "batch")


def _check_slice(*args: Any, **kwargs: Any) -> None:
    args = _text_arg(args)
    if len(args) > 1 and isinstance(args[1], int):
        check_length(args[1], "slices")


def _check_sum(*args: Any, **kwargs: Any) -> None:
    args = _text_arg(args)
    if args and isinstance(args[0], list | tuple):
        check_length(sum(len(v) for v in args[0] if isinstance(v, str | bytes | list | tuple)))


_FILTER_CHECKS: dict[str, Callable[..., None] | None] = {
    "center": _check_center,
    "indent": _check_indent,
    "wordwrap": _check_wordwrap,
    "format": _check_format,
    "join": _check_join_filter,
    "replace": _check_replace_filter,
    "string": _check_written,
    "tojson": _check_written,
    "to_json": _check_written,
    "pprint": _check_written,
    "batch": _check_batch,
    "slice": _check_slice,
    "sum": _check_sum,
    "list": None,
    "regex_replace": None,
    "base64_encode": None,
    "urlencode": None,
}


def guarded_filters(filters: Mapping[str, Callable[..., Any]]) -> dict[str, Callable[..., Any]]:
    """The filters of ``filters`` that can make a large value, each checked first."""
    return {
        name: _sized_filter(filters[name], check)
        for name, check in _FILTER_CHECKS.items()
        if name in filters
    }


def lipsum_checked(builtin: Callable[..., Any]) -> Callable[..., Any]:
    """Jinja's ``lipsum(n, html, min, max)``, with at most as many words as text allows."""

    def lipsum(n: int = 5, html: bool = True, min: int = 20, max: int = 100) -> Any:
        if isinstance(n, int) and isinstance(max, int):
            check_length(n * max * 12, "lorem ipsum")  # a word and its space: 12 at most
        return made(builtin(n, html, min, max))

    return lipsum
