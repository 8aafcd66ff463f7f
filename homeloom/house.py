"""Wiring a whole house from a configuration directory: the layer the CLI and tests share.

The order matters: persistence restores the last states first, so helpers and
automations find their previous values; adapters publish their entities; only
then do scenarios load (so references to entities can be checked) and attach
their triggers, before the runtime fires ``homeloom_start``.
"""

from __future__ import annotations

import gc
import logging
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from homeloom._memory import release_freed_memory
from homeloom.adapters import ADOPTED_FILE, AdapterManager, Discovery
from homeloom.orchestrator import (
    Clock,
    ConfigIssue,
    HouseSettings,
    Logbook,
    Notifications,
    Persistence,
    Runtime,
    TestClock,
    Webhooks,
    register_capability_services,
)
from homeloom.orchestrator._ha_registries import (
    entity_registry_file,
    import_ha_registries,
    write_registry_only_states,
)
from homeloom.scenarios import (
    CONFIG_FILE,
    AutomationManager,
    Checkpoints,
    get_conversation,
    install_autonomy,
    load_config_dir,
    load_config_file,
    parse_core_settings,
    setup_assemblages,
    setup_calendars,
    setup_commands,
    setup_helpers,
    setup_scripts,
    setup_sun,
    setup_template_library,
    unknown_core_keys,
)
from homeloom.scenarios._alerts import setup_alerts
from homeloom.scenarios._core_services import setup_core_services
from homeloom.scenarios._customize import setup_customize
from homeloom.scenarios._ha_config_entries import setup_config_entry_helpers
from homeloom.scenarios._ha_restore import load_ha_restore_state
from homeloom.scenarios._mqtt_yaml import setup_mqtt_block
from homeloom.scenarios._notify_groups import setup_notify_groups
from homeloom.scenarios._people import setup_people
from homeloom.scenarios._platform_groups import setup_platform_groups
from homeloom.scenarios._provided import unsupported_keys
from homeloom.scenarios._select_services import setup_select_moves
from homeloom.scenarios._system_log import setup_system_log
from homeloom.scenarios._template_entities import setup_template_entities
from homeloom.scenarios._utility_meter_config import setup_utility_meters
from homeloom.scenarios._zones import setup_zones

_LOGGER = logging.getLogger(__name__)

DATABASE_FILE = "homeloom.db"

BeforeScenarios = Callable[[Runtime], None]


@dataclass(slots=True)
class CheckReport:
    """What loading found: every error and warning, and the scenarios' tally."""

    errors: list[ConfigIssue] = field(default_factory=list)
    warnings: list[ConfigIssue] = field(default_factory=list)
    scenarios_loaded: int = 0
    scenarios_failed: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "errors": [issue.as_dict() for issue in self.errors],
            "warnings": [issue.as_dict() for issue in self.warnings],
            "scenarios": {"loaded": self.scenarios_loaded, "failed": self.scenarios_failed},
        }


def _settings(config: Any, report: CheckReport) -> HouseSettings:
    core, issues = parse_core_settings(config)
    report.errors.extend(issues)
    report.warnings.extend(unknown_core_keys(config))
    defaults = HouseSettings()
    return HouseSettings(
        name=core.name,
        latitude=core.latitude if core.latitude is not None else defaults.latitude,
        longitude=core.longitude if core.longitude is not None else defaults.longitude,
        elevation=core.elevation,
        radius=core.radius,
        time_zone=core.time_zone,
        unit_system=core.unit_system,
        extra=dict(core.extra),
    )


# The legacy trackers' file, which makes trackers without a ``device_tracker:`` block.
_KNOWN = "known_devices.yaml"


def _has_block(config: Mapping[str, Any], *domains: str) -> bool:
    """Whether ``config`` has a block of one of ``domains`` (labelled ones, ``climate
    old:``, too): a platform's module is imported only for a house that has its block."""
    return any(str(key).split(" ", 1)[0] in domains for key in config)


def _setup_climate_devices(runtime: Runtime, config: Mapping[str, Any]) -> list[ConfigIssue]:
    """The generic thermostats and hygrostats and the manual alarm panels, each module
    imported only when the configuration has a block it reads."""
    issues: list[ConfigIssue] = []
    if _has_block(config, "climate"):
        from homeloom.scenarios._generic_thermostat import setup_generic_thermostats

        issues.extend(setup_generic_thermostats(runtime, config))
    if _has_block(config, "humidifier", "generic_hygrostat"):
        from homeloom.scenarios._generic_hygrostat import setup_generic_hygrostats

        issues.extend(setup_generic_hygrostats(runtime, config))
    if _has_block(config, "alarm_control_panel"):
        from homeloom.scenarios._manual_alarm import setup_manual_alarms

        issues.extend(setup_manual_alarms(runtime, config))
    return issues


def _adopted(config_dir: Path, report: CheckReport) -> list[Any]:
    """The adapters adopted from discovery, kept in their own file beside the configuration."""
    path = config_dir / ADOPTED_FILE
    if not path.exists():
        return []
    loaded = load_config_file(path, root=config_dir)
    report.errors.extend(loaded.errors)
    if isinstance(loaded.value, list):
        return list(loaded.value)
    if loaded.value is not None:
        report.errors.append(ConfigIssue(f"{ADOPTED_FILE} must be a list", file=str(path)))
    return []


@contextmanager
def _collector_paused(freeze: bool = False) -> Iterator[None]:
    """Loading builds a large graph of objects that live as long as the house; the cyclic
    collector would scan it again and again while it grows (most of the load time).

    With ``freeze`` (a house that runs for days), what was built is then moved out of
    the collector's way at once, without a collection: scanning it all would cost as
    much as building it, and loading leaves the collector next to nothing to find (a
    few objects of the libraries' own cycles, however many scenarios: a test checks
    it), which stays frozen with the rest. Without it, the next collection scans what
    was built once, as the young generation it is.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if freeze:
            gc.freeze()
        if enabled:
            gc.enable()


def _tune_collector_for_a_service() -> None:
    """Collect the young generation fifty times less often, and the middle one half as
    often as Python does by default.

    Nearly everything a house allocates per event (states, events, contexts, traces)
    is freed by reference counting; the cyclic collector mostly re-scans the traces
    kept for "why did that happen?". At the default thresholds that scanning took
    half the time of an event at 10,000 scenarios (benchmarks/README.md). A young
    generation of 50,000 objects is scanned in a millisecond or two.
    """
    _, _, oldest = gc.get_threshold()
    gc.set_threshold(50_000, 20, oldest)


class House:
    """A runtime and everything the configuration directory asks for.

    ``long_running`` is for the process that serves the house for days (``homeloom
    run``): once started, what loading built is moved out of the collector's way,
    so collections during the day only look at what the day allocates, and the
    configuration forgets where each value was written (file, line and column serve
    the errors of loading and checking, all reported by then; a reload reads the files
    again, reports its errors with their places, then forgets them in turn).
    """

    def __init__(
        self,
        config_dir: Path,
        *,
        clock: Clock | None = None,
        persist: bool = True,
        adapters: bool = True,
        read_only: bool = False,
        long_running: bool = False,
        discover: bool = False,
    ) -> None:
        self.config_dir = config_dir
        self.report = CheckReport()
        self.long_running = long_running
        with _collector_paused(freeze=long_running):
            loaded = load_config_dir(config_dir)
        self.report.errors.extend(loaded.errors)
        self.report.warnings.extend(loaded.warnings)
        self.config: Any = loaded.value if isinstance(loaded.value, dict) else {}
        self.runtime = Runtime(
            clock=clock, settings=_settings(self.config, self.report), config_dir=config_dir
        )
        self._persist = persist
        # Reports beside a running house read its database and write nothing.
        self._read_only = read_only
        self._adapters = adapters
        # Browse the network for devices to adopt once started (``homeloom run``).
        self._discover = discover
        self.automations = AutomationManager(self.runtime, config_dir)
        self.automations.keep_positions = not long_running
        # The unavailable states of the entities Home Assistant's registry lists, by
        # entity id: written at start for those that nothing provides by then.
        self._registry_only: dict[str, dict[str, Any]] = {}
        # What ``homeassistant.stop``/``restart`` call to end the process serving the
        # house (``homeloom run`` sets it), with the exit code to end it with.
        self.on_stop_request: Callable[[int], None] | None = None

    async def config_errors(self) -> list[ConfigIssue]:
        """The errors of the configuration directory as it is now (``homeloom check``)."""
        return (await check_config(self.config_dir)).errors

    def settings_from(self, config: Any) -> tuple[HouseSettings, list[ConfigIssue]]:
        report = CheckReport()
        return _settings(config, report), report.errors

    def request_stop(self, exit_code: int) -> bool:
        if self.on_stop_request is None:
            return False
        self.on_stop_request(exit_code)
        return True

    async def setup(self, before_scenarios: BeforeScenarios | None = None) -> CheckReport:
        """Set everything up without starting; returns what was found wrong."""
        with _collector_paused(freeze=self.long_running):
            return await self._setup(before_scenarios)

    async def _setup(self, before_scenarios: BeforeScenarios | None) -> CheckReport:
        runtime, report = self.runtime, self.report
        database = self.config_dir / DATABASE_FILE
        if self._persist and not (self._read_only and not database.exists()):
            await Persistence(runtime, database, read_only=self._read_only).open()
            Checkpoints(runtime)
        # Before helpers and adapters publish their entities, which the imports enrich.
        report.warnings.extend(
            import_ha_registries(
                runtime.registries,
                self.config_dir,
                self._registry_only,
                entity_registry_file(runtime),  # read once for every setup
            )
        )
        # After homeloom's own saved states, whose entities it leaves to them.
        report.warnings.extend(load_ha_restore_state(runtime, self.config_dir))
        register_capability_services(runtime)
        setup_select_moves(runtime)
        setup_core_services(runtime, self)
        report.errors.extend(setup_customize(runtime, self.config))  # before entities write
        report.errors.extend(setup_system_log(runtime, self.config))
        Notifications(runtime)
        Logbook(runtime)
        Webhooks(runtime)
        get_conversation(runtime)
        library_errors, library_warnings = setup_template_library(runtime)
        report.errors.extend(library_errors)
        report.warnings.extend(library_warnings)
        report.errors.extend(setup_sun(runtime, self.config))
        report.errors.extend(await setup_helpers(runtime, self.config))
        report.errors.extend(setup_commands(runtime, self.config))
        if _has_block(self.config, "command_line"):
            from homeloom.scenarios._command_line import setup_command_line

            report.errors.extend(setup_command_line(runtime, self.config))
        report.errors.extend(setup_calendars(runtime, self.config, self.config_dir))
        adapters = self.config.get("adapters") or []
        if not isinstance(adapters, list):
            report.errors.append(ConfigIssue("'adapters' must be a list", key="adapters"))
            adapters = []
        adapters = [*adapters, *_adopted(self.config_dir, report)]
        # Items of the ``mqtt:`` block, for the MQTT adapter (on HA's broker if none is set).
        mqtt_block = setup_mqtt_block(runtime, self.config, adapters)
        adapters += mqtt_block.adapters
        report.errors.extend(mqtt_block.errors)
        report.warnings.extend(mqtt_block.warnings)
        manager = AdapterManager(runtime)
        Discovery(runtime, manager, browse=self._adapters and self._discover)
        if self._adapters:
            report.errors.extend(await manager.setup(adapters))
            report.errors.extend(mqtt_block.refused())
        else:
            report.errors.extend(manager.validate(adapters)[1])
        # Tests and the simulator publish their devices here, as adapters would.
        if before_scenarios is not None:
            before_scenarios(runtime)
        # Once the trackers and persons they follow exist, before automations attach.
        report.errors.extend(setup_people(runtime, self.config))
        report.errors.extend(setup_zones(runtime, self.config))
        if _has_block(self.config, "device_tracker") or (self.config_dir / _KNOWN).is_file():
            from homeloom.scenarios._legacy_trackers import setup_legacy_trackers

            report.errors.extend(setup_legacy_trackers(runtime, self.config, self.config_dir))
        if _has_block(self.config, "sensor", "binary_sensor", "rest"):  # time_date, rest
            from homeloom.scenarios._rest import setup_rest
            from homeloom.scenarios._time_date import setup_time_date

            report.errors.extend(setup_time_date(runtime, self.config))
            report.errors.extend(setup_rest(runtime, self.config))
        # Rendered once the entities they read exist, before automations are enabled.
        report.errors.extend(setup_template_entities(runtime, self.config))
        report.errors.extend(setup_platform_groups(runtime, self.config))
        report.errors.extend(setup_notify_groups(runtime, self.config))
        # Once the entities they watch exist; they begin, if already due, at start.
        report.errors.extend(setup_alerts(runtime, self.config))
        report.errors.extend(setup_utility_meters(runtime, self.config))
        if _has_block(self.config, "python_script"):
            from homeloom.scenarios._python_script import setup_python_script

            report.errors.extend(setup_python_script(runtime, self.config, self.config_dir))
        report.errors.extend(_setup_climate_devices(runtime, self.config))
        # The same entities made in Home Assistant's UI, kept in its config entries.
        entry_errors, entry_warnings = setup_config_entry_helpers(runtime)
        report.errors.extend(entry_errors)
        report.warnings.extend(entry_warnings)
        report.warnings.extend(unsupported_keys(self.config))
        report.errors.extend(install_autonomy(runtime, self.config))
        report.errors.extend(setup_assemblages(runtime, self.config, self.config_dir))
        scripts = await setup_scripts(runtime, self.config)
        report.errors.extend(scripts.errors)
        loaded = self.automations.load(self.config)
        report.errors.extend(loaded.errors)
        report.warnings.extend(loaded.warnings)
        report.warnings.extend(self.automations.unknown_entities())
        if not self.long_running:  # kept whole for checking (see _automation_loose)
            from homeloom.scenarios._automation_loose import loose_warnings_of

            report.warnings.extend(loose_warnings_of(self.automations.automations.values()))
        report.scenarios_loaded = loaded.loaded + scripts.loaded
        report.scenarios_failed = loaded.failed + scripts.failed
        for issue in report.errors:
            _LOGGER.error("configuration: %s", issue)
        if self.long_running:  # everything is checked: starting reuses the memory freed
            self.automations.drop_positions(self.config)
            # Each part has kept what it runs, and a reload reads the files again: the
            # configuration as loaded (some 2 MiB at 10,000 scenarios) is not read again.
            self.config = {}
        return report

    async def start(self) -> None:
        with _collector_paused(freeze=self.long_running):
            automations = self.automations
            # Automations write their own entities' states as they start.
            write_registry_only_states(
                self.runtime, self._registry_only, {*automations.automations, *automations.broken}
            )
            self._registry_only.clear()
            if "command_line" in self.runtime.components:
                from homeloom.scenarios._command_line import take_first_readings

                await take_first_readings(self.runtime)
            if "rest" in self.runtime.components:
                from homeloom.scenarios._rest import fetch_first_data

                await fetch_first_data(self.runtime)
            await self.runtime.start(before_start=automations.start)
        if self.long_running:
            _tune_collector_for_a_service()
            # What loading freed stays free for the whole day: the system may have it.
            release_freed_memory()

    async def stop(self) -> None:
        await self.runtime.stop()


async def check_config(config_dir: Path) -> CheckReport:
    """Validate everything in ``config_dir``: set the house up on a test clock, run nothing."""
    if not (config_dir / CONFIG_FILE).exists():
        missing = ConfigIssue(f"no {CONFIG_FILE} in {config_dir}", file=str(config_dir))
        return CheckReport(errors=[missing])
    house = House(config_dir, clock=TestClock(), persist=False)
    report = await house.setup()
    await house.runtime.stop()
    return report
