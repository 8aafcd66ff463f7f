"""Reading payloads: JSON, and the ``value_template`` dialect MQTT devices are described in.

Templates get ``value`` (the payload text) and ``value_json`` (the payload
parsed as JSON, when it is JSON), as in Home Assistant, and run in the house's
bounded sandbox (a device's description cannot make a render eat the house's
memory or time); a template that fails raises :class:`PayloadError`.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Mapping
from functools import lru_cache, partial
from typing import TYPE_CHECKING, Any

import jinja2

from homeloom.orchestrator import (
    TemplateLimitError,
    bounded_render,
    compile_template,
    guard_template_filters,
    template_sandbox_class,
)

if TYPE_CHECKING:
    import regex

__all__ = [
    "PayloadError",
    "ValueTemplates",
    "as_number",
    "device_pattern",
    "matches_in_time",
    "parse_json",
]

# How long a device's pattern may take to read one value: far more than a code or a
# name needs, far less than a house can stand still for.
PATTERN_SECONDS = 0.5


class PayloadError(ValueError):
    """A payload or a template could not be read; the message says why."""


def parse_json(text: str | bytes) -> Any:
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as err:
        raise PayloadError(f"not valid JSON: {err}") from None


def as_number(value: Any) -> float | None:
    """A number from a payload value ("21.5", 21.5), or None when it is not one."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if number == number and abs(number) != float("inf") else None


def device_pattern(source: str) -> regex.Pattern[str]:
    """A regular expression a device's description gives (a lock's ``code_format``),
    read as Python's ``re`` reads it (Home Assistant's), on the ``regex`` engine, which
    can stop a match that would backtrack for ever (see :func:`matches_in_time`)."""
    import regex  # only for a device that has a pattern

    try:
        return regex.compile(source, regex.VERSION0)
    except regex.error as err:
        raise PayloadError(f"not a regular expression: {err}") from None


def matches_in_time(pattern: regex.Pattern[str], text: str) -> bool:
    """Whether ``pattern`` matches the start of ``text``; a text it cannot decide on
    within :data:`PATTERN_SECONDS` does not match."""
    try:
        return pattern.match(text, timeout=PATTERN_SECONDS) is not None
    except TimeoutError:
        return False


def _is_defined(value: Any) -> Any:
    if isinstance(value, jinja2.Undefined):
        raise PayloadError("a value the template needs is missing")
    return value


def _iif(condition: Any, if_true: Any = True, if_false: Any = False, if_none: Any = None) -> Any:
    if condition is None and if_none is not None:
        return if_none
    return if_true if condition else if_false


def _from_json(value: str) -> Any:
    return parse_json(value)


class ValueTemplates:
    """Compiles each template once and renders it against one payload."""

    def __init__(self) -> None:
        env = template_sandbox_class()(autoescape=False)
        env.filters["is_defined"] = _is_defined
        env.filters["iif"] = _iif
        env.filters["from_json"] = _from_json
        env.filters["to_json"] = lambda value: json.dumps(value)
        env.globals["iif"] = _iif
        guard_template_filters(env)
        self._env = env
        self._compile = lru_cache(maxsize=512)(partial(compile_template, env))

    def render(
        self,
        template: str | None,
        payload: str | bytes,
        variables: Mapping[str, Any] | None = None,
    ) -> str:
        """``payload`` through ``template`` (the payload itself when there is none); a
        raw payload (``encoding: ""``) is ``value`` as bytes."""
        if not template:
            return payload if isinstance(payload, str) else str(payload)
        context: dict[str, Any] = {"value": payload, **(variables or {})}
        with contextlib.suppress(ValueError, RecursionError):
            context["value_json"] = json.loads(payload)
        try:
            return self._render(template, context)
        except PayloadError:
            raise
        except _TEMPLATE_FAILURES as err:
            raise PayloadError(f"template {template!r} failed: {_reason(err)}") from None

    def command(
        self, template: str | None, value: Any, variables: Mapping[str, Any] | None = None
    ) -> str:
        """A command payload: ``value`` through a ``command_template``, which may also
        use ``variables`` (a lock's ``code``, a cover's ``tilt_position``...)."""
        if not template:
            return _text(value)
        try:
            return self._render(template, {"value": value, **(variables or {})})
        except _TEMPLATE_FAILURES as err:
            raise PayloadError(f"command template {template!r} failed: {_reason(err)}") from None

    def _render(self, template: str, context: dict[str, Any]) -> str:
        return bounded_render(self._compile(template), context).strip()


# What a template may fail with: its own errors, a bound it went past, and what a
# filter raises on a value it cannot take (int("x"), 1/0, a string too long to make).
_TEMPLATE_FAILURES = (
    jinja2.TemplateError,
    TemplateLimitError,
    TypeError,
    ValueError,
    ArithmeticError,
    RecursionError,
    MemoryError,
)


def _reason(err: BaseException) -> str:
    if isinstance(err, TemplateLimitError):
        return f"too large or too long: {err}"
    return str(err) or type(err).__name__


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
