"""Reading an integration's options as Home Assistant's schemas check them: a platform
item's (``sensor: - platform: min_max``), a block's item (``alert: {door: ...}``) or
a config entry's ``options``. Unknown keys are refused; yes-or-no words, texts,
numbers and entity ids are coerced the way its validators (``cv.boolean``,
``cv.string``...) coerce them; entity registry ids are resolved as its UI helpers
resolve them. Every refusal is an :class:`OptionError` naming the key."""

from __future__ import annotations

from collections.abc import Callable, Container, Iterable, Iterator, Mapping
from typing import Any, TypeVar

from homeloom.orchestrator import ConfigIssue
from homeloom.orchestrator._states import valid_entity_id

from ._errors import issue_at
from ._slugs import entity_slug

__all__ = [
    "PLATFORM_KEYS",
    "OptionError",
    "boolean_option",
    "domain_items",
    "entity_id_list",
    "entity_id_option",
    "entity_ids_option",
    "keyed_items",
    "number_option",
    "option_issue",
    "platform_items",
    "read_boolean",
    "refuse_unknown_keys",
    "registry_entity_id",
    "required_text_option",
    "text_option",
    "whole_option",
]

# What every platform item may hold besides its own options (no item here polls).
PLATFORM_KEYS = frozenset({"platform", "scan_interval"})
# Home Assistant's ``cv.boolean`` words, read in lower case without surrounding spaces.
_TRUE_WORDS = frozenset({"1", "true", "yes", "on", "enable"})
_FALSE_WORDS = frozenset({"0", "false", "no", "off", "disable"})
Options = TypeVar("Options")
# A whole number option's default: a number, or None for "not given".
_NoneOrInt = TypeVar("_NoneOrInt", int, None)


class OptionError(ValueError):
    """An option Home Assistant's schema refuses: ``key`` is which (None: the item as a
    whole), the message why."""

    def __init__(self, key: str | None, message: str) -> None:
        super().__init__(message)
        self.key = key


def option_issue(
    item: Any, where: str, err: OptionError, placed_in: tuple[Any, Any] | None = None
) -> ConfigIssue:
    """The issue for ``err``, keyed ``<where>.<key>``: at the option's line when the item
    has it, else at the item's own place, or where ``placed_in`` (the mapping holding
    the item, and its key there) puts it."""
    path = f"{where}.{err.key}" if err.key else where
    if isinstance(item, Mapping) and err.key in item:
        return issue_at(item, err.key, path, str(err))
    if placed_in is not None:
        return issue_at(placed_in[0], placed_in[1], path, str(err))
    return issue_at(item, None, path, str(err))


def domain_items(
    config: Mapping[str, Any], domains: Container[str], platform: str | None = None
) -> Iterator[tuple[str, str, Mapping[str, Any]]]:
    """Each item (a mapping) under one of ``domains:`` and their labelled blocks
    (``sensor old:``), in the order written, with its domain and where it stands
    (``sensor old[0]``); only the items of ``platform`` when it is given."""
    for key, block in config.items():
        domain = str(key).split(" ", 1)[0]
        if domain not in domains or block is None:
            continue
        for index, item in enumerate(block if isinstance(block, list) else [block]):
            if isinstance(item, Mapping) and (platform is None or item.get("platform") == platform):
                yield domain, f"{key}[{index}]", item


def platform_items(
    config: Mapping[str, Any], domain: str, platform: str
) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """Each item of ``platform`` under ``domain:`` and its labelled blocks (``notify
    family:``), with where it stands (``notify family[0]``)."""
    for _, where, item in domain_items(config, (domain,), platform):
        yield where, item


def keyed_items(
    config: Mapping[str, Any], domain: str, what: str, read: Callable[[Any, str], Options]
) -> tuple[list[tuple[str, Options]], list[ConfigIssue]]:
    """The items of a block keyed by slugs (``alert: {door: {...}}``), each read by
    ``read(item, key)``, and an issue for each key that is not a slug and each item
    ``read`` refuses (an OptionError), as Home Assistant's schema refuses it; ``what``
    names an item in the messages (``alert``)."""
    block = config.get(domain)
    if block is None:
        return [], []
    if not isinstance(block, Mapping):
        return [], [issue_at(config, domain, domain, f"expected a mapping of {what} key: options")]
    found: list[tuple[str, Options]] = []
    issues: list[ConfigIssue] = []
    for key, item in block.items():
        where, slug = f"{domain}.{key}", entity_slug(str(key))
        if slug != str(key):
            message = f"invalid {what} key {key!r}: use a slug such as {slug!r}"
            issues.append(issue_at(block, key, where, message))
            continue
        try:
            found.append((slug, read(item, slug)))
        except OptionError as err:
            issues.append(option_issue(item, where, err, placed_in=(block, key)))
    return found, issues


def refuse_unknown_keys(
    item: Mapping[str, Any], known: Iterable[str], base: frozenset[str] = PLATFORM_KEYS
) -> None:
    """Refuse a key neither ``known`` nor in ``base`` (a platform item's own keys unless
    told otherwise)."""
    allowed = base | frozenset(known)
    for key in item:
        if key not in allowed:
            raise OptionError(str(key), f"unknown key {key!r}; valid: {', '.join(sorted(allowed))}")


def read_boolean(value: Any) -> bool:
    """A yes-or-no value as Home Assistant's ``cv.boolean`` reads it: a boolean, a
    number (true unless zero), or a word such as "off" or "yes" in any case; ValueError
    for anything else (a template too)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return value != 0
    if isinstance(value, str):
        word = value.strip().lower()
        if word in _TRUE_WORDS:
            return True
        if word in _FALSE_WORDS:
            return False
    raise ValueError(f"expected a boolean (true or false), got {value!r}")


def boolean_option(item: Mapping[str, Any], key: str, default: bool) -> bool:
    """A yes-or-no option (:func:`read_boolean`); ``default`` if absent."""
    try:
        return read_boolean(item.get(key, default))
    except ValueError as err:
        raise OptionError(key, f"{key}: {err}") from None


def text_option(item: Mapping[str, Any], key: str) -> str | None:
    """A text, a number taken as its text (as Home Assistant's ``cv.string``: ``True``
    for an unquoted ``on``); None if absent."""
    if key not in item:
        return None
    value = item[key]
    if value is None or isinstance(value, Mapping | list):
        raise OptionError(key, f"{key} must be a text, got {value!r}")
    return str(value)


def required_text_option(item: Mapping[str, Any], key: str) -> str:
    """A text (:func:`text_option`) the item must give."""
    text = text_option(item, key)
    if text is None:
        raise OptionError(key, f"'{key}' missing")
    return text


def number_option(item: Mapping[str, Any], key: str, default: float | None = None) -> float | None:
    """A number, or a text of one; ``default`` if absent."""
    if key not in item:
        return default
    try:
        return float(item[key])
    except (TypeError, ValueError, OverflowError):  # overflow: a whole number past a float's
        raise OptionError(key, f"{key} must be a number, got {item[key]!r}") from None


def whole_option(item: Mapping[str, Any], key: str, default: _NoneOrInt) -> int | _NoneOrInt:
    """A whole number (a decimal one cut to its integer part, as ``int()`` does);
    ``default`` (a number, or None) if absent."""
    if key not in item:
        return default
    try:
        return int(item[key])
    except (TypeError, ValueError, OverflowError):
        raise OptionError(key, f"{key} must be a whole number, got {item[key]!r}") from None


def entity_id_option(item: Mapping[str, Any], key: str) -> str:
    """A required entity id, in lower case."""
    if key not in item:
        raise OptionError(key, f"'{key}' missing")
    value = item[key]
    if value is None or isinstance(value, list | dict) or not valid_entity_id(str(value).lower()):
        raise OptionError(key, f"{value!r} is not an entity id")
    return str(value).lower()


def entity_id_list(value: Any) -> list[Any]:
    """Entity ids as ``cv.entity_ids`` splits them (not checked): a list, or a text
    separated by commas; texts in lower case without surrounding spaces."""
    if isinstance(value, str):
        return [part.strip().lower() for part in value.split(",") if part.strip()]
    if isinstance(value, list):
        return [v.strip().lower() if isinstance(v, str) else v for v in value]
    return [value]


def entity_ids_option(item: Mapping[str, Any], key: str) -> list[str]:
    """Required entity ids: a list, or a text separated by commas."""
    if item.get(key) is None:
        raise OptionError(key, f"'{key}' missing")
    found = []
    for member in entity_id_list(item[key]):
        if not isinstance(member, str) or not valid_entity_id(member):
            raise OptionError(key, f"{member!r} is not an entity id")
        found.append(member)
    return found


def registry_entity_id(value: Any, key: str, registry_ids: Mapping[str, str]) -> str:
    """An entity id a config entry's option gives: as written, or the one the entity
    registry id written stands for (as Home Assistant's UI helpers resolve them)."""
    if isinstance(value, str) and valid_entity_id(value):
        return value
    if isinstance(value, str) and value in registry_ids:
        return registry_ids[value]
    raise OptionError(key, f"{value!r} is neither an entity id nor an entity registry id")
