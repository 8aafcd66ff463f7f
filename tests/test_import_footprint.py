"""What importing the house costs: optional libraries stay out until a feature needs them.

Each check runs in a new interpreter, so that what other tests imported does not count.
"""

from __future__ import annotations

import json
import platform
import subprocess
import sys
from pathlib import Path

import pytest

from homeloom._memory import release_freed_memory
from homeloom.house import check_config

# Imported only by the features that need them: the dashboard (aiohttp), discovery
# (zeroconf), templates (jinja2), the database (sqlite3), python_script's sandbox
# (RestrictedPython), the built-in adapters, and
# the memory release of a long-running house once it is loaded (ctypes).
NOT_IMPORTED = (
    "aiohttp",
    "zeroconf",
    "jinja2",
    "sqlite3",
    "ctypes",
    "multiprocessing",
    "RestrictedPython",
    "homeloom.ui",
    "homeloom.adapters.virtual",
    "homeloom.adapters.mqtt",
    "homeloom.adapters.shelly",
)

# The platforms a house imports only when its configuration (or a config entry) has an
# item of theirs: the others cost every house that does not use them.
LAZY_PLATFORM_MODULES = tuple(
    f"homeloom.scenarios.{module}"
    for module in (
        "_bayesian",
        "_command_line",
        "_filter_sensor",
        "_generic_hygrostat",
        "_generic_thermostat",
        "_history_stats",
        "_integration",
        "_legacy_trackers",
        "_manual_alarm",
        "_python_script",
        "_statistics",
        "_switch_as_x",
        "_template_devices",
        "_template_image",
        "_template_trigger_controls",
        "_template_weather",
        "_tod",
        "_trend",
        "_universal_media",
        "_workday",
    )
)

# The modules whose pydantic models must build their validators on first use only.
LAZY_MODEL_MODULES = (
    "homeloom.orchestrator.",
    "homeloom.adapters.",
    "homeloom.scenarios._helpers_base",
    "homeloom.scenarios._input_helpers",
    "homeloom.scenarios._input_datetime",
    "homeloom.scenarios._counter",
    "homeloom.scenarios._timers",
    "homeloom.scenarios._groups",
    "homeloom.scenarios._scenes",
    "homeloom.scenarios._conversation",
)

_PROBE = """
import json, sys
import homeloom.house
from pydantic import BaseModel

def subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from subclasses(sub)

print(json.dumps({
    "modules": sorted(sys.modules),
    "built": sorted(
        f"{model.__module__}.{model.__qualname__}"
        for model in subclasses(BaseModel)
        if model.__module__.startswith("homeloom.") and model.__pydantic_complete__
    ),
}))
"""


def _probe() -> dict[str, list[str]]:
    done = subprocess.run(
        [sys.executable, "-c", _PROBE], capture_output=True, text=True, check=True, timeout=60
    )
    result: dict[str, list[str]] = json.loads(done.stdout)
    return result


def test_importing_the_house_leaves_optional_libraries_out() -> None:
    modules = set(_probe()["modules"])
    assert not modules & set(NOT_IMPORTED)


def test_importing_the_house_leaves_the_unused_platforms_out() -> None:
    modules = set(_probe()["modules"])
    assert sorted(modules & set(LAZY_PLATFORM_MODULES)) == []


def test_the_template_devices_are_looked_for_under_their_own_domains() -> None:
    from homeloom.scenarios import _template_devices, _template_entities

    assert set(_template_entities.DEVICE_DOMAINS) == set(_template_devices._DOMAINS)


_LABELLED_AND_PACKAGED = """\
homeassistant:
  packages:
    alarm:
      alarm_control_panel:
        - {platform: manual, name: Home, arming_time: soon}
climate old:
  - platform: generic_thermostat
    name: Study
    heater: input_boolean.heater
    target_sensor: sensor.study_temp
    precision: 0.25
"""


@pytest.mark.allow_error_logs
async def test_a_platform_in_a_labelled_block_or_a_package_is_still_set_up(
    tmp_path: Path,
) -> None:
    (tmp_path / "configuration.yaml").write_text(_LABELLED_AND_PACKAGED, encoding="utf-8")
    report = await check_config(tmp_path)
    assert sorted(str(issue.key) for issue in report.errors) == [
        "alarm_control_panel[0].arming_time",
        "climate old[0].precision",
    ]


def test_command_and_configuration_models_are_built_when_first_used() -> None:
    built = [
        name
        for name in _probe()["built"]
        if any(name.startswith(prefix) for prefix in LAZY_MODEL_MODULES)
    ]
    assert built == []


def test_a_loaded_house_can_give_freed_memory_back() -> None:
    released = release_freed_memory()
    if sys.platform.startswith("linux") and platform.libc_ver()[0] == "glibc":
        assert released
