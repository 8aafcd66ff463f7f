"""The shared HA oracle with helper, script, scene, group and zone integrations set up.

A developer tool, run with the oracle's python by ``oracle_check.py`` for cases
marked ``oracle: full``; the tests never need it:

    "$(shared/oracle/setup.sh)" tests/scenarios/oracle_full.py --batch JOBS.jsonl

``shared/oracle/ha_oracle.py`` sets up only the homeassistant, blueprint, trace
and automation integrations and stubs every service. This module reuses it and
adds three things:

* after the core is up, every integration of ``INTEGRATIONS`` that the
  configuration holds, or that every house has (``DEFAULT_INTEGRATIONS``: zone,
  person, the helpers, scene, script), is set up for real, so helpers, timers,
  scripts, scenes, groups and zones exist as Home Assistant makes them;
* the job's ``.storage`` (Home Assistant's registries) is loaded, as a house's is
  (``ha_oracle.py`` copies the config dir without it);
* for a job with ``"real_services": true`` (a case with ``stub: false``), the
  services of those integrations and of ``automation`` run for real (and are
  still recorded as calls), and a service that no integration has stays
  unknown; every other service stays a recording stub, as homeloom's simulated
  devices have no counterpart in the oracle.

Each line of JOBS.jsonl is ``{"config", "events", "out", "real_services"}``.
Only automation runs are reported, as ``homeloom simulate`` does.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import json
import logging
import os
import shutil
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "shared" / "oracle"))
import ha_oracle  # the shared oracle, from the folder just put on the path

# Set up in this order when the configuration has their key: helpers first, so
# that groups, scenes and scripts set up later find their entities.
INTEGRATIONS = (
    # Set up in every house (bootstrap's core integrations): its notifications trigger
    # persistent_notification triggers.
    "persistent_notification",
    # The history that history_stats sensors read (a case's ``recorder: {}``).
    "recorder",
    "sun",
    "zone",
    # Legacy trackers (device_tracker.see, known_devices.yaml): before the persons.
    "device_tracker",
    "person",
    "tag",
    # Phones of the companion app, from their config entries: their notify services
    # and devices, which the mobile_app notify device action looks up.
    "mobile_app",
    "input_boolean",
    "input_button",
    "input_datetime",
    "input_number",
    "input_select",
    "input_text",
    "counter",
    "timer",
    "schedule",
    "group",
    "scene",
    "script",
    "template",
    # Their ``platform: template`` items: legacy template entities.
    "sensor",
    "binary_sensor",
    # Their ``platform: group`` items: platform groups.
    "light",
    "switch",
    "cover",
    "fan",
    "lock",
    "media_player",
    # Its ``platform: manual`` and ``platform: template`` items: alarm panels.
    "alarm_control_panel",
    # Its ``platform: template`` items: template vacuums.
    "vacuum",
    # Its ``platform: template`` items: template weathers (and weather.get_forecasts).
    "weather",
    # Its ``platform: group`` items: notify groups; then the alerts, which notify.
    "notify",
    "alert",
    # Its ``platform: generic_thermostat`` items: generic thermostats.
    "climate",
    # Its hygrostats, set up on the humidifier platform (which may hold them too).
    "generic_hygrostat",
    "humidifier",
    # Its meters' sensors and tariff selects, and its reset and calibrate services.
    "utility_meter",
    # Helpers made in the UI that compute a sensor from others (their YAML forms are
    # ``sensor``/``binary_sensor`` platforms): set up only for their config entries.
    "min_max",
    "threshold",
    "derivative",
    "integration",
    "tod",
    "trend",
    # Switches shown as lights, fans, covers...: set up only for their config entries.
    "switch_as_x",
    # Its workday sensors (entries only: 2024.3 refuses a YAML item) and check_date.
    "workday",
    # Its ``fire_event`` handler on the root logger fires ``system_log_event``.
    "system_log",
    # Its sensors, binary sensors, switches, covers and notify services, which run
    # their command lines for real.
    "command_line",
    # Its ``python_script.<name>`` services, which run python_scripts/*.py for real.
    "python_script",
    # Calendars made in the UI, from their entries and .storage/local_calendar.*.ics.
    "local_calendar",
)
# What Home Assistant 2024.3's bootstrap sets up in every house, whatever the
# configuration holds (its DEFAULT_INTEGRATIONS that matter to automations; tag, set up
# here too, has no entity until a tag is scanned).
DEFAULT_INTEGRATIONS = frozenset(
    {
        "persistent_notification",
        "person",
        "scene",
        "script",
        "tag",
        "zone",
        "counter",
        "input_boolean",
        "input_button",
        "input_datetime",
        "input_number",
        "input_select",
        "input_text",
        "schedule",
        "timer",
    }
)
# What the person integration depends on for the frontend only.
WEB_ONLY_DEPENDENCIES = ("http", "image_upload")
# Services that would reread configuration.yaml (untranslated, unlike the
# automations the oracle set up): they stay stubs.
STUBBED_SERVICES = frozenset({"reload"})
# Services of the core that act on those integrations' entities (a forced update
# renders a template entity again; turn_on, turn_off and toggle call each domain's own
# service; set_location moves zone.home and sun.sun; reload_config_entry makes a UI
# helper's entities again): real too, though
# ``homeassistant`` is no job's.
REAL_CORE_SERVICES = frozenset(
    ("homeassistant", service)
    for service in (
        "update_entity",
        "turn_on",
        "turn_off",
        "toggle",
        "set_location",
        "reload_config_entry",
    )
)


class Job:
    """Whether the job being run lets the real integrations' services run."""

    real_services = False
    real_domains: frozenset[str] = frozenset()
    storage: Path | None = None  # the case's .storage, which ha_oracle leaves uncopied


def is_integration(domain: str) -> bool:
    """Whether Home Assistant has an integration of that name (``nosuch`` is none)."""
    return importlib.util.find_spec(f"homeassistant.components.{domain}") is not None


def left_to_home_assistant(stubber: Any, domain: str, service: str) -> bool:
    """True when ``domain.service`` goes to Home Assistant's own registry: a service of
    a real integration, one such an integration lacks, or one of a domain no
    integration has (the last two then fail as they would in a house). A
    ``notify`` service nothing provides (a phone's) stays a recording stub, as
    homeloom opens a channel for any ``notify.<name>``."""
    return (
        Job.real_services
        and (
            domain in Job.real_domains
            or not is_integration(domain)
            or (domain, service) in REAL_CORE_SERVICES
        )
        and service not in STUBBED_SERVICES
        and not stubber.is_stub(domain, service)
        and (domain != "notify" or stubber.hass.services.has_service(domain, service))
    )


class FullStubber(ha_oracle.Stubber):
    """Stubs every service but those of the real integrations, when they run for real."""

    def register(self, domain: str, service: str) -> None:
        if not left_to_home_assistant(self, domain, service):
            super().register(domain, service)


_original_start_hass = ha_oracle._start_hass


async def start_hass_with_integrations(
    config_dir: str, rec: Any, translate: bool = True
) -> tuple[Any, dict[str, Any]]:
    from homeassistant.setup import async_setup_component

    if Job.storage is not None and Job.storage.is_dir():  # registries load from there
        shutil.copytree(Job.storage, Path(config_dir) / ".storage", dirs_exist_ok=True)
    hass, config = await _original_start_hass(config_dir, rec, translate)
    # The helpers made in the UI: an integration set up below sets up its entries.
    await hass.config_entries.async_initialize()
    with_entries = {entry.domain for entry in hass.config_entries.async_entries()}
    ready = {"automation"}
    # person depends on the web server and picture uploads, which no case uses (and
    # whose image library the oracle lacks): taken as set up, it sets up alone.
    hass.config.components.update(WEB_ONLY_DEPENDENCIES)
    # filter depends on the recorder, which the oracle does not run: its sensors then
    # start with empty windows, as in a house without history (and in homeloom).
    from homeassistant.loader import async_get_integration

    (await async_get_integration(hass, "filter")).__dict__["dependencies"] = []
    media_groups = any(
        entry.options.get("group_type") == "media_player"
        for entry in hass.config_entries.async_entries("group")
    )
    # For media players' artwork view, the phones' webhook and registration views and
    # the calendars' views, which no case uses.
    web_views = {"mobile_app", "local_calendar"} & with_entries
    if ("media_player" in config or media_groups or web_views) and hass.http is None:
        hass.http = _NoWebServer()
    if "recorder" in config:
        await start_recorder(hass, config)
    if "mobile_app" in with_entries:
        stand_in_for_phone_app_extras()
    for domain in INTEGRATIONS:
        # Platform groups need the group integration up first, as default_config has it.
        if (
            domain not in config
            and domain not in DEFAULT_INTEGRATIONS
            and not (domain == "group" and has_platform_groups(config))
            and domain not in with_entries
        ):
            continue
        if await async_setup_component(hass, domain, config):
            ready.add(domain)
        else:
            rec.error(f"setting up {domain} failed", level="ERROR")
    if "generic_hygrostat" in ready:  # its hygrostats answer humidifier services
        await hass.async_block_till_done()
        ready.add("humidifier")
    if "utility_meter" in ready:  # its tariff selects answer select.select_option
        ready.add("select")
    if "switch_as_x" in ready:  # its wrappers answer their domains' services
        await hass.async_block_till_done()
        ready |= {"light", "fan", "siren", "cover", "valve", "lock"} & set(hass.config.components)
    if "command_line" in ready:  # its switches, covers and notifiers answer their domains'
        await hass.async_block_till_done()
        ready |= {"switch", "cover", "notify"} & set(hass.config.components)
    if "local_calendar" in ready:  # its calendars answer the calendar services
        await hass.async_block_till_done()
        ready |= {"calendar"} & set(hass.config.components)
    if "template" in ready:  # its buttons, numbers and selects answer their domains' services
        await hass.async_block_till_done()
        ready |= {"button", "number", "select"} & set(hass.config.components)
    Job.real_domains = frozenset(ready)
    if "group" in ready:
        describe_group_states(hass)
    if "scene" in ready:
        await load_scene_domains(hass, config.get("scene") or [])
    return hass, config


async def start_recorder(hass: Any, config: Any) -> None:
    """Set the recorder up as bootstrap does, its thread's start waited for in real time
    (not as virtual time passing), and have the loop settle only once the thread has
    taken every event in, so that history queries see what Home Assistant's would."""
    import asyncio

    from homeassistant.helpers.recorder import async_initialize_recorder
    from homeassistant.setup import async_setup_component

    async_initialize_recorder(hass)
    loop = asyncio.get_running_loop()
    thread_busy = loop.create_future()
    loop.exec_pending.add(thread_busy)
    await async_setup_component(hass, "recorder", config)
    thread_busy.set_result(None)
    loop.exec_pending.discard(thread_busy)
    settle = type(loop).settle

    async def settle_with_recorder(self: Any) -> None:
        await settle(self)
        instance = hass.data.get("recorder_instance")
        # The thread takes events in once Home Assistant has started; a commit under
        # way counts as pending until it is done.
        if instance is not None and instance._hass_started.done():
            waited = asyncio.ensure_future(instance.async_block_till_done())
            self.exec_pending.add(waited)
            await waited
            self.exec_pending.discard(waited)
            await settle(self)

    loop.settle = settle_with_recorder.__get__(loop)


def stand_in_for_phone_app_extras() -> None:
    """Put stand-ins for the cloud, camera and conversation integrations where the
    mobile_app integration imports them, and for PyNaCl when the oracle lacks it (the
    oracle's lock holds Home Assistant's core requirements only). Their own imports
    need libraries the oracle lacks (a cloud client, numpy, hassil), and mobile_app
    uses them only when a phone calls its webhook (PyNaCl: with an encrypted payload),
    which no case does, or with a cloud subscription, which no house here has. Its
    notify services and devices are its own, and real."""
    import enum
    import types

    try:
        import nacl  # noqa: F401 (the real one, or the stand-in of an earlier job)
    except ImportError:
        for name, members in {
            "nacl": (),
            "nacl.encoding": ("Base64Encoder", "HexEncoder", "RawEncoder"),
            "nacl.exceptions": ("CryptoError",),
            "nacl.secret": ("SecretBox",),
        }.items():
            module = types.ModuleType(name)
            module.__path__ = []  # a package, which its modules are imported from
            module.__dict__.update({member: type(member, (Exception,), {}) for member in members})
            sys.modules[name] = module

    class CloudNotAvailable(Exception):
        """No Home Assistant Cloud here."""

    class CloudConnectionState(enum.Enum):
        CLOUD_CONNECTED = "cloud_connected"
        CLOUD_DISCONNECTED = "cloud_disconnected"

    class CameraEntityFeature(enum.IntFlag):
        ON_OFF = 1
        STREAM = 2

    def not_available(*_args: Any) -> Any:
        raise CloudNotAvailable

    parts = {
        "cloud": {
            "CloudNotAvailable": CloudNotAvailable,
            "CloudConnectionState": CloudConnectionState,
            "async_active_subscription": lambda _hass: False,
            "async_is_connected": lambda _hass: False,
            "async_listen_connection_change": lambda _hass, _listener: lambda: None,
            "async_remote_ui_url": not_available,
            "async_get_or_create_cloudhook": not_available,
            "async_delete_cloudhook": not_available,
        },
        "camera": {"CameraEntityFeature": CameraEntityFeature},
        "conversation": {},
    }
    for name, members in parts.items():
        module_name = f"homeassistant.components.{name}"
        if module_name in sys.modules:
            continue
        module = types.ModuleType(module_name)
        module.__dict__.update(members)
        sys.modules[module_name] = module


class _NoWebServer:
    """What stands for the web server, which the oracle does not start."""

    def register_view(self, view: Any) -> None:
        """Views are served by no one."""


def has_platform_groups(config: Any) -> bool:
    """Whether some domain's block holds an item with ``platform: group``."""
    return any(
        isinstance(item, dict) and item.get("platform") == "group"
        for block in config.values()
        for item in (block if isinstance(block, list) else [block])
    )


def describe_group_states(hass: Any) -> None:
    """Give the group integration every domain's on and off states, as in a house.

    Home Assistant learns them from the ``group`` platform of each integration
    loaded; the oracle loads no light, cover, person or lock integration, so
    without this a group of covers or persons would stay ``unknown``.
    """
    from homeassistant.components import group

    components = Path(group.__file__).parents[1]
    for platform in sorted(components.glob("*/group.py")):
        domain = platform.parent.name
        with contextlib.suppress(ImportError):  # an integration whose requirements are absent
            module = importlib.import_module(f"homeassistant.components.{domain}.group")
            group._process_group_platform(hass, domain, module)


async def load_scene_domains(hass: Any, scenes: Any) -> None:
    """Load up front the integrations whose entities the scenes set, as a house has them.

    A scene reproduces its domains in parallel; loaded on demand, the order of their
    calls would follow how fast each integration loads rather than Home Assistant's.
    """
    from homeassistant.loader import IntegrationNotFound, async_get_integration

    domains = {
        str(entity_id).split(".", 1)[0]
        for scene in (scenes if isinstance(scenes, list) else [scenes])
        if isinstance(scene, dict)
        for entity_id in scene.get("entities") or {}
    }
    for domain in sorted(domains):
        with contextlib.suppress(IntegrationNotFound, ImportError):
            integration = await async_get_integration(hass, domain)
            integration.get_platform("reproduce_state")


def install_service_hook() -> None:
    """Record the calls of the real integrations' services, stub any other on first call."""
    from homeassistant.core import ServiceRegistry

    original = ServiceRegistry.async_call
    ha_oracle._ORIG_ASYNC_CALL = original  # so ha_oracle does not install its own hook

    async def async_call(
        self: Any,
        domain: str,
        service: str,
        service_data: dict[str, Any] | None = None,
        blocking: bool = False,
        context: Any = None,
        target: dict[str, Any] | None = None,
        return_response: bool = False,
    ) -> Any:
        stubber = ha_oracle._ACTIVE[0]
        if stubber is not None and self is stubber.hass.services:
            name, action = str(domain).lower(), str(service).lower()
            if left_to_home_assistant(stubber, name, action):
                if self.has_service(name, action):
                    data = {**(service_data or {}), **(target or {})}
                    stubber.rec.record_call(
                        SimpleNamespace(domain=name, service=action, data=data, context=context)
                    )
            elif not stubber.is_stub(name, action):
                stubber.register(name, action)
        return await original(
            self, domain, service, service_data, blocking, context, target, return_response
        )

    ServiceRegistry.async_call = async_call


_original_runs = ha_oracle._runs


def automation_runs(hass: Any, rec: Any, loop: Any) -> list[dict[str, Any]]:
    """The oracle's runs without the scripts' traces: homeloom reports automation runs only."""
    traces = hass.data.get("trace") or {}
    automations_only = {
        key: value for key, value in traces.items() if key.startswith("automation.")
    }
    return _original_runs(SimpleNamespace(data={"trace": automations_only}), rec, loop)


def drop_system_log_handlers() -> None:
    """The job's house is never closed, so its ``system_log`` handler, left on the root
    logger, would fire the next job's records on a closed loop: it goes with its job."""
    from homeassistant.components.system_log import LogErrorHandler

    for handler in list(logging.root.handlers):
        if isinstance(handler, LogErrorHandler):
            logging.root.removeHandler(handler)


ha_oracle._start_hass = start_hass_with_integrations
ha_oracle.Stubber = FullStubber
ha_oracle._runs = automation_runs


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--batch", required=True, help="JSONL of jobs, one a line")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, handlers=[logging.NullHandler()])
    ha_oracle.install_clock()
    install_service_hook()
    lines = Path(args.batch).read_text(encoding="utf-8").splitlines()
    for job in (json.loads(line) for line in lines if line.strip()):
        Job.real_services = bool(job.get("real_services"))
        Job.real_domains = frozenset()
        Job.storage = Path(job["config"]) / ".storage"
        result = ha_oracle.run_job(job["config"], job["events"])
        ha_oracle._write(result, job["out"])
        drop_system_log_handlers()
    return 0


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    os._exit(code)  # Home Assistant leaves executor threads behind: do not wait for them
