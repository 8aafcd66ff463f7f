"""``homeassistant: customize:``, ``customize_domain:`` and ``customize_glob:``, as in
Home Assistant 2024.3.

Each sets attributes (``friendly_name``, ``icon``, ``device_class``, any other) that
are laid over an entity's own each time the entity writes its state: homeloom's
helpers, template, group, automation and script entities, and the devices of its
adapters, as Home Assistant's entities. A state written from outside (the events
file, ``python_script``'s ``hass.states.set``) keeps its attributes as given, as a
``hass.states.async_set`` does.

For an entity, the values of its domain come first, then those of each glob that
matches its id (``fnmatch``, in the order written), then its own: the later win. A
package may hold a ``homeassistant:`` block of these three keys alone; its values
replace the main configuration's, entity by entity, and a package whose block is
wrong brings none (Home Assistant drops it with a warning). ``reload_core_config``
reads them again (:func:`customize_from`); states keep the old values until written.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from homeloom.orchestrator import ConfigIssue, Runtime
from homeloom.orchestrator._states import valid_entity_id

from ._config_dir import CORE_BLOCKS
from ._errors import issue_at
from ._platform_options import read_boolean

__all__ = ["CUSTOMIZE_KEYS", "Customize", "customize_from", "setup_customize"]

CUSTOMIZE_KEYS = ("customize", "customize_domain", "customize_glob")
# The only values Home Assistant's schema checks; any other attribute passes as given.
_BOOLEAN_VALUES = ("hidden", "assumed_state")
_Values = dict[str, Any]
_Tables = dict[str, dict[str, _Values]]
"""Each of ``CUSTOMIZE_KEYS`` with its values by entity id, domain or glob."""


@dataclass(slots=True)
class Customize:
    """The attribute values the configuration sets, by entity id, domain and glob;
    called with an entity id, what to lay over that entity's attributes."""

    exact: dict[str, _Values] = field(default_factory=dict)
    domain: dict[str, _Values] = field(default_factory=dict)
    glob: dict[str, _Values] = field(default_factory=dict)
    _patterns: list[tuple[re.Pattern[str], _Values]] = field(init=False)
    # Per entity id, once worked out: every write of the entity asks again.
    _known: dict[str, _Values] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        self._patterns = [
            (re.compile(fnmatch.translate(pattern)), values)
            for pattern, values in self.glob.items()
        ]

    def __bool__(self) -> bool:
        return bool(self.exact or self.domain or self.glob)

    def __call__(self, entity_id: str) -> Mapping[str, Any]:
        known = self._known.get(entity_id)
        if known is None:
            known = self._known[entity_id] = self._values_for(entity_id)
        return known

    def _values_for(self, entity_id: str) -> _Values:
        values = dict(self.domain.get(entity_id.partition(".")[0], {}))
        for pattern, glob_values in self._patterns:
            if pattern.match(entity_id):
                values.update(glob_values)
        values.update(self.exact.get(entity_id, {}))
        return values


def setup_customize(runtime: Runtime, config: Mapping[str, Any]) -> list[ConfigIssue]:
    """Lay the configuration's customize values over the entities' writes from now on;
    before any entity writes its first state."""
    customize, issues = customize_from(config)
    runtime.states.override_with(customize or None)
    return issues


def customize_from(config: Mapping[str, Any]) -> tuple[Customize, list[ConfigIssue]]:
    """The customize values of ``config``'s core blocks and packages, and the issues of
    those refused (each wrong entry is left out)."""
    tables: _Tables = {key: {} for key in CUSTOMIZE_KEYS}
    issues: list[ConfigIssue] = []
    for block_name in CORE_BLOCKS:
        block = config.get(block_name)
        if isinstance(block, Mapping):  # otherwise reported with the core settings
            _read_block(tables, block, block_name, issues)
    for package, where in _packages_with_core(config):
        core = package["homeassistant"]
        if not isinstance(core, Mapping) or any(key not in CUSTOMIZE_KEYS for key in core):
            continue  # refused when the packages are merged: core settings
        package_tables: _Tables = {key: {} for key in CUSTOMIZE_KEYS}
        package_issues: list[ConfigIssue] = []
        _read_block(package_tables, core, where, package_issues)
        if package_issues:  # as Home Assistant, the package brings none of its values
            issues.extend(package_issues)
            continue
        for key, table in package_tables.items():
            tables[key].update(table)
    customize = Customize(*(tables[key] for key in CUSTOMIZE_KEYS))
    return customize, issues


def _packages_with_core(config: Mapping[str, Any]) -> list[tuple[Mapping[str, Any], str]]:
    """Each package that has a ``homeassistant:`` block, with where that block stands."""
    found = []
    for block_name in CORE_BLOCKS:
        block = config.get(block_name)
        packages = block.get("packages") if isinstance(block, Mapping) else None
        if not isinstance(packages, Mapping):
            continue
        for name, package in packages.items():
            if isinstance(package, Mapping) and package.get("homeassistant") is not None:
                found.append((package, f"{block_name}.packages.{name}.homeassistant"))
    return found


def _read_block(
    tables: _Tables, block: Mapping[str, Any], where: str, issues: list[ConfigIssue]
) -> None:
    for key, table in tables.items():
        if key not in block:
            continue
        entries = block[key]
        if not isinstance(entries, Mapping):
            issues.append(issue_at(block, key, f"{where}.{key}", "expected a dictionary"))
            continue
        for name, values in entries.items():
            try:
                target = _entity_id(name) if key == "customize" else _text(name)
                table[target] = _checked_values(values)
            except ValueError as err:
                issues.append(issue_at(entries, name, f"{where}.{key}.{name}", str(err)))


def _entity_id(name: Any) -> str:
    """An entity id as Home Assistant's ``cv.entity_id`` takes it: in lower case."""
    entity_id = _text(name).lower()
    if not valid_entity_id(entity_id):
        raise ValueError(f"invalid entity id {name!r}")
    return entity_id


def _text(value: Any) -> str:
    """A text as Home Assistant's ``cv.string`` takes it: a number or yes-or-no too."""
    if value is None or isinstance(value, Mapping | list):
        raise ValueError(f"expected a text, got {value!r}")
    return str(value)


def _checked_values(values: Any) -> _Values:
    if not isinstance(values, Mapping):
        raise ValueError(f"expected a dictionary of attributes, got {values!r}")
    checked = {str(key): value for key, value in values.items()}
    if "friendly_name" in checked:
        checked["friendly_name"] = _text(checked["friendly_name"])
    for key in _BOOLEAN_VALUES:
        if key in checked:
            try:
                checked[key] = read_boolean(checked[key])
            except ValueError as err:
                raise ValueError(f"{key}: {err}") from None
    return checked
