"""A configuration directory: ``configuration.yaml``, its packages, blocks and core settings."""

from __future__ import annotations

import zoneinfo
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from homeloom.orchestrator._errors import ConfigIssue

from ._errors import issue_written_at
from ._yaml import LoadResult, load_config_file
from ._yaml_read import format_key_path
from ._yaml_values import KeyPath, Position, YamlDict, YamlList, position_in, position_of

__all__ = [
    "CONFIG_FILE",
    "CoreSettings",
    "blocks_for",
    "load_config_dir",
    "merge_packages",
    "parse_core_settings",
    "reread_config_dir",
    "unknown_core_keys",
]

CONFIG_FILE = "configuration.yaml"
CORE_BLOCKS = ("homeassistant", "homeloom")  # later blocks win per key

# Domains whose configuration is a list of items even when a package writes one
# item as a mapping, so packages add to them instead of conflicting.
LIST_DOMAINS = frozenset({"automation"})


def load_config_dir(config_dir: Path | str) -> LoadResult:
    """Load ``configuration.yaml`` from ``config_dir`` and merge its packages in."""
    config_dir = Path(config_dir)
    result = load_config_file(config_dir / CONFIG_FILE, root=config_dir)
    if isinstance(result.value, dict):
        result.errors.extend(merge_packages(result.value))
    elif result.value is not None:
        where = getattr(result.value, "position", None)
        result.errors.append(_issue("configuration.yaml must be a mapping", where, ()))
    return result


def reread_config_dir(config_dir: Path | None, what: str) -> Mapping[str, Any]:
    """The configuration read again for a reload of ``what`` (``people``...): a
    ValueError naming the first problem when its files cannot be read, so that the
    reload changes nothing rather than drop everything."""
    if config_dir is None:
        raise RuntimeError(f"{what} were not loaded from a configuration directory")
    loaded = load_config_dir(config_dir)
    if loaded.errors:
        raise ValueError(str(loaded.errors[0]))
    return loaded.value if isinstance(loaded.value, Mapping) else {}


def blocks_for(config: Any, domain: str) -> list[tuple[str, Any]]:
    """Every top-level block for ``domain``: ``automation``, ``automation manual``, ..."""
    if not isinstance(config, dict):
        return []
    labelled = domain + " "
    return [
        (key, value)
        for key, value in config.items()
        if isinstance(key, str) and (key == domain or key.startswith(labelled))
    ]


def _issue(message: str, pos: Position | None, path: KeyPath) -> ConfigIssue:
    return issue_written_at(message, pos, format_key_path(path))


def _where(container: Any, key: Any) -> str:
    pos = position_of(container, key)
    return str(pos) if pos else "the configuration"


def _value_pos(container: Any, key: Any) -> Position | None:
    if isinstance(container, YamlDict):
        return container.value_position(key)
    return None


def _put(dst: dict[Any, Any], key: Any, src: dict[Any, Any], src_key: Any, value: Any) -> None:
    """Set ``dst[key]`` to ``value``, carrying over positions recorded in ``src``."""
    if isinstance(dst, YamlDict):
        dst.set_at(key, value, position_of(src, src_key), _value_pos(src, src_key))
    else:
        dst[key] = value


def _concat(first: Any, first_in: Any, second: Any, second_in: Any, key: Any) -> YamlList:
    """Both values (``first_in[key]``, ``second_in[key]``) as one list, each item keeping
    its position."""
    out = YamlList()
    out.position = position_in(first_in, key)
    for part, container in ((first, first_in), (second, second_in)):
        if isinstance(part, list):
            for index, item in enumerate(part):
                out.append_at(item, position_of(part, index))
        elif part is not None:
            out.append_at(part, position_in(container, key))
    return out


def merge_packages(config: dict[Any, Any]) -> list[ConfigIssue]:
    """Merge every package into the top level of ``config`` in place, as Home Assistant does.

    Lists concatenate, mappings merge key by key, and a key set to two different
    values is an error naming both places.
    """
    issues: list[ConfigIssue] = []
    for block_name in CORE_BLOCKS:
        block = config.get(block_name)
        if not isinstance(block, dict) or block.get("packages") is None:
            continue
        packages = block["packages"]
        path: KeyPath = (block_name, "packages")
        if not isinstance(packages, dict):
            pos = _value_pos(block, "packages")
            issues.append(_issue("packages must be a mapping of package name: config", pos, path))
            continue
        for name, package in packages.items():
            if package is None:
                continue
            pkg_path = (*path, str(name))
            if not isinstance(package, dict):
                pos = _value_pos(packages, name)
                message = "a package must be a mapping of domain: config"
                issues.append(_issue(message, pos, pkg_path))
                continue
            for domain, value in package.items():
                _merge_domain(config, package, domain, value, str(name), pkg_path, issues)
    return issues


def _merge_domain(
    config: dict[Any, Any],
    package: dict[Any, Any],
    domain: Any,
    value: Any,
    name: str,
    path: KeyPath,
    issues: list[ConfigIssue],
) -> None:
    here = (*path, str(domain))
    if domain == "homeassistant" and _customize_only(value):
        return  # read where it is by _customize, as Home Assistant reads it
    if domain in CORE_BLOCKS:
        pos = position_of(package, domain)
        issues.append(_issue("core settings cannot be set from a package", pos, here))
        return
    if value is None:
        config.setdefault(domain, None)
        return
    existing = config.get(domain)
    if existing is None:
        _put(config, domain, package, domain, value)
        return
    kind = str(domain).split(" ", 1)[0]
    if isinstance(existing, list) or isinstance(value, list) or kind in LIST_DOMAINS:
        merged = _concat(existing, config, value, package, domain)
        _put(config, domain, config, domain, merged)
    elif isinstance(existing, dict) and isinstance(value, dict):
        _merge_dict(existing, value, name, here, issues)
    elif existing != value:
        issues.append(_conflict(config, package, domain, name, here))


def _customize_only(value: Any) -> bool:
    """Whether a package's core block holds only what a package may: customize keys."""
    return isinstance(value, dict) and all(key in _CUSTOMIZE_KEYS for key in value)


def _merge_dict(
    dst: dict[Any, Any],
    src: dict[Any, Any],
    name: str,
    path: KeyPath,
    issues: list[ConfigIssue],
) -> None:
    for key, value in src.items():
        here = (*path, str(key))
        current = dst.get(key)
        if current is None:
            _put(dst, key, src, key, value)
        elif isinstance(current, dict) and isinstance(value, dict):
            _merge_dict(current, value, name, here, issues)
        elif isinstance(current, list) and isinstance(value, list):
            _put(dst, key, dst, key, _concat(current, dst, value, src, key))
        elif current != value:
            issues.append(_conflict(dst, src, key, name, here))


def _conflict(dst: Any, src: Any, key: Any, name: str, path: KeyPath) -> ConfigIssue:
    return _issue(
        f"package {name!r} sets {key!r}, which is already set at {_where(dst, key)}; "
        "remove one of them",
        position_of(src, key),
        path,
    )


def _check_time_zone(value: str) -> str:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        raise ValueError(
            f"unknown time zone {value!r}: expected an IANA name such as 'Europe/Paris'"
        ) from None
    return value


class CoreSettings(BaseModel):
    """Where the home is and how it counts; from the ``homeassistant:``/``homeloom:`` blocks."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field("Home", description="Name of the home")
    latitude: float | None = Field(None, ge=-90, le=90, description="Degrees north")
    longitude: float | None = Field(None, ge=-180, le=180, description="Degrees east")
    elevation: int = Field(0, description="Metres above sea level")
    radius: int = Field(100, gt=0, description="zone.home's radius in metres")
    time_zone: str = Field("UTC", description="IANA time zone name")
    unit_system: Literal["metric", "us_customary"] = "metric"
    currency: str | None = Field(None, description="ISO 4217 code, e.g. EUR")
    country: str | None = Field(None, description="ISO 3166-1 alpha-2 code, e.g. FR")
    extra: dict[str, Any] = Field(default_factory=dict, description="Other homeloom keys")

    @field_validator("time_zone")
    @classmethod
    def _valid_time_zone(cls, value: str) -> str:
        return _check_time_zone(value)

    @field_validator("unit_system", mode="before")
    @classmethod
    def _unit_system_alias(cls, value: Any) -> Any:
        # Home Assistant's older name for the US system.
        if value == "imperial":
            return "us_customary"
        if value not in ("metric", "us_customary"):
            raise ValueError(f"expected 'metric' or 'us_customary', got {value!r}")
        return value

    @field_validator("currency", "country")
    @classmethod
    def _upper_code(cls, value: str | None) -> str | None:
        return value.upper() if value else value


_CORE_FIELDS = frozenset(CoreSettings.model_fields) - {"extra"}
# Keys of the core blocks that are not settings: handled elsewhere or not ours.
_CUSTOMIZE_KEYS = frozenset({"customize", "customize_domain", "customize_glob"})
_NOT_EXTRA = frozenset({"packages", *_CUSTOMIZE_KEYS})
# Home Assistant's other core keys: about its web server, users and media, and its
# last template dialect, none of which homeloom has; read and left alone.
_HA_ONLY_CORE_KEYS = frozenset(
    {
        "allowlist_external_dirs",
        "allowlist_external_urls",
        "auth_mfa_modules",
        "auth_providers",
        "debug",
        "external_url",
        "internal_url",
        "language",
        "legacy_templates",
        "media_dirs",
        "temperature_unit",
        "whitelist_external_dirs",
    }
)
_KNOWN_CORE_KEYS = _CORE_FIELDS | _NOT_EXTRA | _HA_ONLY_CORE_KEYS


def unknown_core_keys(config: Any) -> list[ConfigIssue]:
    """A warning for each key of the ``homeassistant:`` block that Home Assistant does
    not know either (a misspelt ``time_zone``, say): it is ignored, where Home Assistant
    refuses the whole block. The ``homeloom:`` block's other keys are homeloom's own."""
    block = config.get("homeassistant") if isinstance(config, dict) else None
    if not isinstance(block, dict):
        return []
    valid = ", ".join(sorted(_KNOWN_CORE_KEYS))
    return [
        _issue(
            f"unknown core setting {key!r}, ignored; valid: {valid}",
            position_of(block, key),
            ("homeassistant", key),
        )
        for key in block
        if key not in _KNOWN_CORE_KEYS
    ]


def parse_core_settings(config: Any) -> tuple[CoreSettings, list[ConfigIssue]]:
    """Read :class:`CoreSettings`; each bad value becomes an issue and its default is used."""
    issues: list[ConfigIssue] = []
    values: dict[str, Any] = {}
    origin: dict[str, tuple[str, dict[Any, Any]]] = {}
    extra: dict[str, Any] = {}
    top = config if isinstance(config, dict) else {}
    for block_name in CORE_BLOCKS:
        block = top.get(block_name)
        if block is None:
            continue
        if not isinstance(block, dict):
            pos = _value_pos(top, block_name)
            issues.append(_issue("expected a mapping of settings", pos, (block_name,)))
            continue
        for key, value in block.items():
            if key in _CORE_FIELDS:
                values[key] = value
                origin[key] = (block_name, block)
            elif block_name == "homeloom" and key not in _NOT_EXTRA:
                extra[str(key)] = value
    while True:
        try:
            return CoreSettings(**values, extra=extra), issues
        except ValidationError as exc:
            for error in exc.errors():
                field = str(error["loc"][0]) if error["loc"] else ""
                if field not in values:  # a second error for a field already dropped
                    continue
                block_name, block = origin[field]
                message = str(error["msg"]).removeprefix("Value error, ")
                if error["type"] != "value_error":
                    message = f"{message}, got {values[field]!r}"
                pos = _value_pos(block, field)
                issues.append(_issue(message, pos, (block_name, field)))
                del values[field]
