"""Template and group helpers made in Home Assistant's UI, read from its config entries.

Since 2022 Home Assistant's UI makes its "Template" helpers (a template sensor or
binary sensor) and "Group" helpers (a light, switch, binary sensor, cover, fan, lock,
media player or sensor group) as config entries, kept in ``.storage/core.config_entries``
(JSON: ``{"version", "minor_version", "key", "data": {"entries": [...]}}``). A
resident who copies the configuration directory keeps them, so they are made here as
Home Assistant 2024.3 makes them, by the code that makes their YAML forms:

* a template entry's ``options`` are a modern ``template:`` sensor or binary sensor
  item, ``template_type`` saying which; a group entry's ``options`` give its
  ``group_type``, its ``entities`` (entity ids, or entity registry ids) and ``all``
  (which a binary sensor group must give), a sensor group's ``type`` and
  ``ignore_non_numeric`` (true unless given), and its name is the entry's ``title``;
* the entity id is the one the entity registry keeps for the entity (its
  ``unique_id`` is the entry id), else one made from the name, as for a new entity;
  a name the resident gave in the registry is the friendly name;
* a disabled entry, or an entity disabled in the registry, makes nothing;
* entries of the ``min_max``, ``threshold`` and ``derivative`` integrations make
  their sensors (see ``_computed_entries``).
* entries of the ``utility_meter`` integration make their meters (see
  ``_utility_meter_entries``).
* entries of the ``switch_as_x`` integration make their wrappers (see ``_switch_as_x``).
* entries of the ``workday`` integration make their sensors (see ``_workday``).
* entries of the ``local_calendar`` integration make their calendars, from their
  ``data`` (see ``_local_calendar``).

The file is read, never written; an entry is read again when
``homeassistant.reload_config_entry`` reloads it (see ``_config_entry_reload``). An
entry that cannot be made is an error naming the file, the entry and the key, and
the other entries are made all the same. Entries
of the integrations homeloom does not have (and the event and notify groups)
are named in one warning: the entities they would make will not exist.
"""

from __future__ import annotations

from collections import ChainMap
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from homeloom.orchestrator import ConfigIssue, Runtime
from homeloom.orchestrator._ha_registries import (
    STORAGE_DIR,
    EntityRegistryFile,
    RegistryEntry,
    entity_registry_file,
)

from ._computed_entries import COMPUTED_HELPER_DOMAINS, entry_identity, make_computed_helper
from ._entity_hooks import Stoppable
from ._errors import ScenarioConfigError
from ._ha_collections import StorageError, read_stored_list
from ._platform_groups import DOMAINS as GROUP_DOMAINS
from ._platform_groups import _PlatformGroup
from ._platform_options import OptionError, registry_entity_id
from ._sensor_groups import SensorGroup, group_name, sensor_group_problem
from ._template_entity_config import _definition
from ._template_state_entities import _StateBasedEntity
from ._utility_meter_entries import make_meter_entry, meter_unique_ids

__all__ = [
    "ENTRIES_FILE",
    "MadeEntry",
    "entry_ids_in_file",
    "made_entries",
    "setup_config_entry_helpers",
    "setup_entry_again",
]

ENTRIES_FILE = "core.config_entries"
_MADE = "config_entries"  # runtime.components[_MADE]: the entries made, by entry id
_TEMPLATE_TYPES = frozenset({"sensor", "binary_sensor"})
# Home Assistant's binary sensor group reads ``all`` without a default: an entry
# lacking it is not set up; the light and switch groups take false.
_ALL_REQUIRED = frozenset({"binary_sensor"})
_WITH_ALL = frozenset({"light", "switch", "binary_sensor"})
# The option naming the entity domain an entry makes (a group's is ``group_type``).
_TYPE_KEYS = {"template": "template_type", "switch_as_x": "target_domain"}
# The entity domain of the entries that make one kind of entity.
_ENTITY_DOMAINS = {
    **COMPUTED_HELPER_DOMAINS,
    "workday": "binary_sensor",
    "local_calendar": "calendar",
}


class _BadEntry(ValueError):
    """An entry cannot be made; ``key`` is where (under the entry), the message why."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key


@dataclass(frozen=True, slots=True)
class _Entry:
    """One config entry of the file, as much of it as is read."""

    index: int
    entry_id: str
    domain: str
    title: str
    options: Mapping[str, Any]
    disabled: bool
    data: Mapping[str, Any]  # what some integrations keep there (a local calendar's name)

    @property
    def helper_type(self) -> Any:
        """Which template or group it makes (``sensor``, ``light``...)."""
        return self.options.get(_TYPE_KEYS.get(self.domain, "group_type"))

    def provided(self) -> bool:
        if self.domain in (*_ENTITY_DOMAINS, "utility_meter", "switch_as_x"):
            return True
        kind = self.helper_type
        if not isinstance(kind, str):  # no type homeloom makes, a list or mapping neither
            return False
        if self.domain == "template":
            return kind in _TEMPLATE_TYPES
        return self.domain == "group" and (kind in GROUP_DOMAINS or kind == "sensor")


@dataclass(frozen=True, slots=True)
class MadeEntry:
    """What an entry made: how to stop it (listeners, timers and states gone), and
    its entities' ids by (entity domain, unique id), as the entity registry keeps them."""

    entry_id: str
    stop: Callable[[], None]
    entity_ids: dict[tuple[str, str], str]


def made_entries(runtime: Runtime) -> dict[str, MadeEntry]:
    """The house's entries whose entities were made, by entry id."""
    made: dict[str, MadeEntry] = runtime.components.setdefault(_MADE, {})
    return made


def _read_entries(path: Path) -> tuple[list[Any], str | None]:
    """The file's ``data.entries`` and why it could not be read (None when it could)."""
    if not path.is_file():
        return [], None
    try:
        return read_stored_list(path, ("entries",)).items, None
    except StorageError as err:
        return [], str(err)


def _entry(index: int, item: Any) -> _Entry:
    if not isinstance(item, dict):
        raise _BadEntry("", f"expected a mapping, got {item!r}")
    texts = {}
    for key in ("entry_id", "domain", "title"):
        value = item.get(key)
        if not isinstance(value, str) or not value:
            raise _BadEntry(key, f"'{key}' must be a non-empty text, got {value!r}")
        texts[key] = value
    options = item.get("options")
    if options is None:  # entries older than Home Assistant 0.89 have none
        options = {}
    if not isinstance(options, dict):
        raise _BadEntry("options", f"'options' must be a mapping, got {options!r}")
    data = item.get("data")
    return _Entry(
        index,
        texts["entry_id"],
        texts["domain"],
        texts["title"],
        options,
        item.get("disabled_by") is not None,
        data if isinstance(data, dict) else {},
    )


def _entries(path: Path) -> tuple[list[_Entry], list[ConfigIssue]]:
    """The file's readable entries, and a warning for each part that is not."""
    items, unread = _read_entries(path)
    warnings = [] if unread is None else [ConfigIssue(unread, file=str(path), key="data.entries")]
    entries = []
    for index, item in enumerate(items):
        try:
            entries.append(_entry(index, item))
        except _BadEntry as err:
            key = f"data.entries[{index}]" + (f".{err.key}" if err.key else "")
            warnings.append(ConfigIssue(f"entry skipped: {err}", file=str(path), key=key))
    return entries, warnings


def setup_config_entry_helpers(runtime: Runtime) -> tuple[list[ConfigIssue], list[ConfigIssue]]:
    """Make the entity of each template and group helper of the house's config entries.

    Returns the errors (a helper that cannot be made) and the warnings (what cannot be
    read of the file, and one naming the entries homeloom does not provide)."""
    if runtime.config_dir is None:
        return [], []
    path = runtime.config_dir / STORAGE_DIR / ENTRIES_FILE
    entries, warnings = _entries(path)
    wanted = [entry for entry in entries if not entry.disabled]
    # HA's MQTT entry is its broker connection: an MQTT adapter (on it or another) serves it.
    served = {"mqtt"} if "mqtt" in runtime.components else set()
    missing = [entry for entry in wanted if not entry.provided() and entry.domain not in served]
    if missing:
        named = ", ".join(_described(entry) for entry in missing)
        warnings.append(
            ConfigIssue(
                f"config entries not provided by homeloom: {named}; they are ignored, and "
                "the entities and services they would make will not exist",
                file=str(path),
                key="data.entries",
            )
        )
    helpers = [entry for entry in wanted if entry.provided()]
    if not helpers:
        return [], warnings
    registry = entity_registry_file(runtime)
    # Template entities first, as their YAML forms are set up before platform groups.
    helpers.sort(key=lambda entry: entry.domain != "template")
    errors = []
    for entry in helpers:
        issues, made = _setup(runtime, entry, registry, registry.by_unique_id, path)
        errors.extend(issues)
        if made is not None:
            made_entries(runtime)[entry.entry_id] = made
    return errors, warnings


def entry_ids_in_file(runtime: Runtime) -> set[str]:
    """The ids of the entries the house's file holds now, whatever their domain."""
    if runtime.config_dir is None:
        return set()
    return {
        entry.entry_id for entry in _entries(runtime.config_dir / STORAGE_DIR / ENTRIES_FILE)[0]
    }


def setup_entry_again(
    runtime: Runtime, entry_id: str, kept: Mapping[tuple[str, str], str]
) -> list[ConfigIssue]:
    """Read entry ``entry_id`` again from the file and make its entities, which keep
    the ids they had (``kept``: by entity domain and unique id), as Home Assistant's
    entity registry keeps them; nothing for an entry now gone, disabled or not provided.
    The errors that stop it."""
    if runtime.config_dir is None:
        return []
    path = runtime.config_dir / STORAGE_DIR / ENTRIES_FILE
    found = [entry for entry in _entries(path)[0] if entry.entry_id == entry_id]
    if not found or found[0].disabled or not found[0].provided():
        return []
    entry = found[0]
    registry = entity_registry_file(runtime)
    ids_kept = {
        (domain, entry.domain, unique_id): RegistryEntry(entity_id, disabled=False)
        for (domain, unique_id), entity_id in kept.items()
    }
    # The registry's entries first: an id it keeps wins over the one the entity had.
    registered = ChainMap(registry.by_unique_id, ids_kept)
    errors, made = _setup(runtime, entry, registry, registered, path)
    if made is not None:
        made_entries(runtime)[entry_id] = made
    return errors


def _described(entry: _Entry) -> str:
    if entry.domain in ("template", "group"):
        return f"{entry.domain} {entry.title!r} ({entry.helper_type} {entry.domain})"
    return f"{entry.domain} {entry.title!r}"


def _setup(
    runtime: Runtime,
    entry: _Entry,
    registry: EntityRegistryFile,
    by_unique_id: Mapping[tuple[str, str, str], RegistryEntry],
    path: Path,
) -> tuple[list[ConfigIssue], MadeEntry | None]:
    """Make the entry's entities, named as ``by_unique_id`` (the registry's entries by
    entity domain, platform and unique id) says; the errors that stop it, naming the
    file and entry, and what was made."""
    entity_domain = _ENTITY_DOMAINS.get(entry.domain, str(entry.helper_type))
    registered = by_unique_id.get((entity_domain, entry.domain, entry.entry_id))
    if registered is not None and registered.disabled:
        return [], None  # Home Assistant does not add an entity disabled in its registry
    about = f"{entry.domain} entry {entry.title!r} ({entry.entry_id}): "
    made: Stoppable
    try:
        if entry.domain == "template":
            made = _make_template(runtime, entry, registered)
        elif entry.domain == "utility_meter":
            meter = make_meter_entry(
                runtime,
                entry.entry_id,
                entry.title,
                entry.options,
                lambda domain, unique_id: _registered_id(by_unique_id, domain, unique_id),
                registry.by_registry_id,
            )
            return [], MadeEntry(
                entry.entry_id, meter.stop, meter_unique_ids(entry.entry_id, meter)
            )
        elif entry.domain == "switch_as_x":  # imported only by a house with such an entry
            from ._switch_as_x import make_switch_as_x

            made = make_switch_as_x(
                runtime,
                entry.entry_id,
                entry.title,
                entry.options,
                registered,
                registry.by_entity_id,
                registry.by_registry_id,
            )
        elif entry.domain == "workday":
            from ._workday import make_workday_entry

            made = make_workday_entry(
                runtime, entry.entry_id, entry.title, entry.options, registered
            )
        elif entry.domain == "local_calendar":  # imported only by a house with one
            from ._local_calendar import make_local_calendar

            try:
                made = make_local_calendar(runtime, entry.data, registered)
            except OptionError as err:
                raise _BadEntry(f"data.{err.key}", str(err)) from None
        elif entry.domain in COMPUTED_HELPER_DOMAINS:
            ids = registry.by_registry_id
            made = make_computed_helper(
                runtime, entry.domain, entry.title, entry.options, registered, ids
            )
        else:
            made = _make_group(runtime, entry, registered, registry.by_registry_id)
    except _BadEntry as err:
        key = f"data.entries[{entry.index}].{err.key}"
        return [ConfigIssue(about + str(err), file=str(path), key=key)], None
    except OptionError as err:
        key = f"data.entries[{entry.index}].options.{err.key}"
        return [ConfigIssue(about + str(err), file=str(path), key=key)], None
    except ScenarioConfigError as err:
        issues = [
            replace(issue, message=about + issue.message, file=str(path), line=None, column=None)
            for issue in err.issues
        ]
        return issues, None
    entity_id = made.entity_id
    return [], MadeEntry(
        entry.entry_id, made.stop, {(entity_id.split(".")[0], entry.entry_id): entity_id}
    )


def _registered_id(
    by_unique_id: Mapping[tuple[str, str, str], RegistryEntry], domain: str, unique_id: str
) -> str | None:
    """The id the registry keeps for a utility meter's entity (its unique id given)."""
    registered = by_unique_id.get((domain, "utility_meter", unique_id))
    return None if registered is None else registered.entity_id


def _make_template(
    runtime: Runtime, entry: _Entry, registered: RegistryEntry | None
) -> _StateBasedEntity:
    domain = str(entry.helper_type)
    item = {key: value for key, value in entry.options.items() if key != "template_type"}
    item["unique_id"] = entry.entry_id  # Home Assistant's, whatever the options say
    if registered is not None and registered.name is not None:
        item["name"] = registered.name
    object_id = None if registered is None else registered.entity_id.split(".", 1)[1]
    path = f"data.entries[{entry.index}].options"
    definition = _definition(
        runtime, domain, item, [item], 0, path, None, set(), object_id=object_id
    )
    entity = _StateBasedEntity(runtime, definition)
    entity.start()
    return entity


def _make_group(
    runtime: Runtime, entry: _Entry, registered: RegistryEntry | None, ids: Mapping[str, str]
) -> Stoppable:
    domain = str(entry.helper_type)
    members = _members(entry.options.get("entities"), ids)
    if domain == "sensor":
        return _make_sensor_group(runtime, entry, registered, members)
    if domain in _ALL_REQUIRED and "all" not in entry.options:
        raise _BadEntry("options", "'all' missing, which a binary sensor group needs")
    every = entry.options.get("all") if domain in _WITH_ALL else False
    if not isinstance(every, bool | None):
        raise _BadEntry("options.all", f"'all' must be true or false, got {every!r}")
    entity_id, name = entry_identity(runtime, domain, entry.title, registered)
    group = _PlatformGroup(runtime, domain, entity_id, name, members, bool(every))
    group.start()
    return group


def _make_sensor_group(
    runtime: Runtime, entry: _Entry, registered: RegistryEntry | None, members: list[str]
) -> SensorGroup:
    """A sensor group as Home Assistant makes one from an entry: no unit or classes of
    its own (the members' are taken), non-numeric members ignored unless told."""
    options = {k: v for k, v in entry.options.items() if k == "type"}
    problem = sensor_group_problem(options)
    if problem is not None:
        raise _BadEntry(f"options.{problem[0]}", problem[1])
    ignore = entry.options.get("ignore_non_numeric", True)
    if not isinstance(ignore, bool):
        message = f"'ignore_non_numeric' must be true or false, got {ignore!r}"
        raise _BadEntry("options.ignore_non_numeric", message)
    kind = str(options["type"])
    entity_id, name = entry_identity(runtime, "sensor", group_name(entry.title, kind), registered)
    group = SensorGroup(runtime, entity_id, name, members, kind, ignore)
    group.start()
    return group


def _members(value: Any, ids: Mapping[str, str]) -> list[str]:
    """The group's members: entity ids as given, registry ids as the entity ids they
    stand for, as Home Assistant resolves them."""
    if not isinstance(value, list):
        raise _BadEntry("options.entities", f"'entities' must be a list, got {value!r}")
    return [registry_entity_id(member, f"entities[{n}]", ids) for n, member in enumerate(value)]
