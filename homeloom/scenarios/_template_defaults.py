"""What template functions share: the missing default and the error they raise without one."""

from __future__ import annotations

from typing import Any

__all__ = ["NO_DEFAULT", "TemplateValueError", "fail"]

NO_DEFAULT: Any = object()


class TemplateValueError(ValueError):
    """A function got a value it cannot use and no default."""


def fail(name: str, value: Any) -> Any:
    raise TemplateValueError(f"{name} got invalid input {value!r} and no default was given")
