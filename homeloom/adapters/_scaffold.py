"""``homeloom adapter new NAME``: write an installable adapter package to start from.

The package has a pyproject declaring the ``homeloom.adapters`` entry point, a
typed adapter with its config model, a simulated device to replace with the
real protocol, and tests (on the runtime's test clock) that pass as written.
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from string import Template

from homeloom.orchestrator import HomeloomError

__all__ = [
    "PackageNames",
    "ScaffoldError",
    "add_adapter_command",
    "run_adapter_command",
    "scaffold",
]

_NAME = re.compile(r"[a-z][a-z0-9]*(?:[_-][a-z0-9]+)*")


class ScaffoldError(HomeloomError):
    """The package cannot be written (a bad name, a directory in the way)."""


@dataclass(frozen=True, slots=True)
class PackageNames:
    """Every spelling of one adapter's name."""

    adapter: str  # acme_plug: the entry point and the ``adapter:`` key
    dist: str  # homeloom-adapter-acme-plug: the PyPI name and the directory
    module: str  # homeloom_adapter_acme_plug
    cls: str  # AcmePlug
    title: str  # Acme plug

    @classmethod
    def from_name(cls, name: str) -> PackageNames:
        if not _NAME.fullmatch(name):
            raise ScaffoldError(
                f"adapter name {name!r} is not valid: use lowercase letters and digits, "
                "words separated by '_' or '-', starting with a letter (e.g. acme_plug)"
            )
        words = re.split(r"[_-]", name)
        return cls(
            adapter="_".join(words),
            dist="homeloom-adapter-" + "-".join(words),
            module="homeloom_adapter_" + "_".join(words),
            cls="".join(word.capitalize() for word in words),
            title=" ".join(words).capitalize(),
        )


def scaffold(name: str, directory: Path) -> Path:
    """Write the package for adapter ``name`` into ``directory``; return its root."""
    names = PackageNames.from_name(name)
    root = directory / names.dist
    if root.exists() and any(root.iterdir()):
        raise ScaffoldError(f"{root} already exists and is not empty; choose another --dir")
    values = {
        "adapter": names.adapter,
        "dist": names.dist,
        "module": names.module,
        "cls": names.cls,
        "title": names.title,
    }
    for relative, template in _FILES.items():
        path = root / Template(relative).substitute(values)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(Template(template).substitute(values), encoding="utf-8")
    return root


# --- the command line ------------------------------------------------------------------


def add_adapter_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``adapter new NAME [--dir DIR]`` to the ``homeloom`` command."""
    adapter = commands.add_parser("adapter", help="tools for adapter authors")
    actions = adapter.add_subparsers(dest="adapter_command", required=True)
    new = actions.add_parser("new", help="scaffold an installable adapter package")
    new.add_argument("name", help="the adapter's name, e.g. acme_plug")
    new.add_argument("--dir", type=Path, default=Path(), help="where to create the package")


def run_adapter_command(args: argparse.Namespace) -> int:
    try:
        root = scaffold(args.name, args.dir)
    except (ScaffoldError, OSError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    print(f"created {root}")
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        print(f"  {path.relative_to(root)}")
    print(
        f"next:\n  cd {root}\n  python -m pip install -e '.[test]'\n  python -m pytest\n"
        "then replace the simulated device in _device.py with your device's protocol;\n"
        "see docs/adapters.md"
    )
    return 0


# --- the templates ($adapter, $dist, $module, $cls, $title) ------------------------------

_PYPROJECT = """\
[build-system]
requires = ["setuptools>=68"]
build-backend = "setuptools.build_meta"

[project]
name = "$dist"
version = "0.1.0"
description = "A homeloom adapter for $title devices."
readme = "README.md"
requires-python = ">=3.11"
dependencies = ["homeloom>=0.1"]

[project.optional-dependencies]
test = ["pytest>=8", "pytest-asyncio>=0.23", "mypy>=1.10", "ruff>=0.5"]

# How homeloom finds the adapter: `adapter: $adapter` in a configuration.
[project.entry-points."homeloom.adapters"]
$adapter = "$module:${cls}Adapter"

[tool.setuptools.packages.find]
where = ["src"]

[tool.setuptools.package-data]
"*" = ["py.typed"]

[tool.pytest.ini_options]
testpaths = ["tests"]
pythonpath = ["src"]
asyncio_mode = "auto"
asyncio_default_fixture_loop_scope = "function"
addopts = "-p no:cacheprovider"

[tool.ruff]
line-length = 100
target-version = "py311"

[tool.mypy]
strict = true
plugins = ["pydantic.mypy"]
"""

_README = """\
# $dist

A [homeloom](https://example.invalid/homeloom) adapter for $title devices.

    python -m pip install -e '.[test]'
    python -m pytest

Configure it in homeloom's `configuration.yaml`:

```yaml
adapters:
  - adapter: $adapter
    host: 192.168.1.40
    poll_interval: 30
```

The device is simulated in `src/$module/_device.py`; replace it with your
device's protocol. See homeloom's `docs/adapters.md` for the whole tutorial.
"""

_INIT = '''\
"""$title: a homeloom adapter."""

from ._adapter import ${cls}Adapter, ${cls}Config
from ._device import Device, DeviceError, Reading

__all__ = ["${cls}Adapter", "${cls}Config", "Device", "DeviceError", "Reading"]
'''

_DEVICE = '''\
"""Talking to the device: the only module that knows its protocol.

This one is simulated, so the package works before you own the device. Replace
the bodies with real I/O (aiohttp, a socket, a serial port): keep every call
async with a timeout, and turn transport failures into ``DeviceError``.
"""

from __future__ import annotations

from dataclasses import dataclass


class DeviceError(Exception):
    """The device did not answer, or answered nonsense."""


@dataclass(frozen=True, slots=True)
class Reading:
    """What one poll of the device returns."""

    on: bool
    power_w: float


class Device:
    """One device at ``host:port`` (simulated: a plug that draws 60 W when on)."""

    def __init__(self, host: str, port: int, *, timeout: float) -> None:
        self.host = host
        self.port = port
        self.timeout = timeout
        # The simulation; tests flip these to play the device's part.
        self.on = False
        self.reachable = True

    async def connect(self) -> str:
        """Open the connection and return the device's serial number."""
        self._check()
        return "sim" + "".join(ch for ch in self.host if ch.isalnum())

    async def read(self) -> Reading:
        self._check()
        return Reading(self.on, 60.0 if self.on else 0.0)

    async def set_on(self, on: bool) -> None:
        self._check()
        self.on = on

    async def close(self) -> None:
        """Release the connection; safe to call twice."""

    def _check(self) -> None:
        if not self.reachable:
            raise DeviceError(f"{self.host}:{self.port} is not answering")
'''

_ADAPTER = '''\
"""The ``$adapter`` adapter: each device as a switch and a power sensor."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, ClassVar

from homeloom.adapters import Adapter, AdapterConfig, AdapterHub, EntityDescription
from homeloom.orchestrator import AdapterError, Context, ServiceValidationError
from pydantic import Field

from ._device import Device, DeviceError, Reading

__all__ = ["${cls}Adapter", "${cls}Config"]


class ${cls}Config(AdapterConfig):
    """The options of one ``adapter: $adapter`` entry."""

    host: str = Field(description="the device's address")
    port: int = Field(80, ge=1, le=65535, description="its port")
    poll_interval: float = Field(30.0, gt=0, le=3600, description="seconds between polls")
    timeout: float = Field(5.0, gt=0, le=60, description="seconds one request may take")


class ${cls}Adapter(Adapter[${cls}Config]):
    """Publishes the device, polls it, and carries out its commands."""

    name = "$adapter"
    config_model = ${cls}Config
    command_timeout: ClassVar[float] = 10.0
    max_parallel_commands: ClassVar[int] = 1  # one request at a time to a small device

    def __init__(self, hub: AdapterHub, config: ${cls}Config) -> None:
        super().__init__(hub, config)
        self.device = Device(config.host, config.port, timeout=config.timeout)
        self.switch_id = ""
        self.power_id = ""
        self._available = True

    async def setup(self) -> None:
        try:
            serial = await self.device.connect()
            reading = await self.device.read()
        except DeviceError as err:
            raise AdapterError(self.hub.name, str(err)) from None
        thing_id = f"$adapter-{serial}"
        name = self.config.name or "$title"
        self.hub.add_thing(thing_id, name, manufacturer="$title", model="simulated")
        self.switch_id = self.hub.add_entity(
            EntityDescription("switch", f"{serial}-switch", name, thing_id=thing_id),
            "on" if reading.on else "off",
        )
        self.power_id = self.hub.add_entity(
            EntityDescription(
                "sensor", f"{serial}-power", f"{name} power", thing_id, device_class="power"
            ),
            f"{reading.power_w:.1f}",
            {"unit_of_measurement": "W", "state_class": "measurement"},
        )

    async def start(self) -> None:
        self.hub.call_every(self.config.poll_interval, self._poll)

    async def stop(self) -> None:
        await self.device.close()

    async def _poll(self, now: datetime) -> None:
        try:
            reading = await self.device.read()
        except DeviceError as err:
            if self._available:
                self.hub.logger.warning("%s; its entities are unavailable", err)
                self._available = False
                self.hub.mark_unavailable()
            return
        self._available = True
        self._report(reading)

    def _report(self, reading: Reading) -> None:
        self.hub.set_state(self.switch_id, "on" if reading.on else "off", merge=True)
        self.hub.set_state(self.power_id, f"{reading.power_w:.1f}", merge=True)

    async def handle_command(
        self, entity_id: str, service: str, data: Mapping[str, Any], context: Context
    ) -> None:
        if entity_id != self.switch_id or service not in ("turn_on", "turn_off", "toggle"):
            raise ServiceValidationError("switch", service, "", f"{entity_id} cannot {service}")
        current = self.hub.state(entity_id)
        on = service == "turn_on" or (
            service == "toggle" and (current is None or current.state != "on")
        )
        try:
            await self.device.set_on(on)
            reading = await self.device.read()
        except DeviceError as err:
            raise AdapterError(self.hub.name, str(err)) from None
        self._report(reading)
'''

_CONFTEST = '''\
"""A fresh homeloom runtime per test, on a clock the test moves by hand."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from homeloom.orchestrator import Runtime, TestClock


@pytest.fixture
async def runtime() -> AsyncIterator[Runtime]:
    rt = Runtime(clock=TestClock(datetime(2026, 1, 1, 12, 0, tzinfo=UTC)))
    await rt.start()
    yield rt
    await rt.stop()
'''

_TESTS = '''\
"""The $adapter adapter in a real homeloom runtime, its device simulated."""

from __future__ import annotations

import tomllib
from importlib import import_module
from pathlib import Path
from typing import Any

from homeloom.adapters import AdapterManager
from homeloom.orchestrator import Runtime

from $module import ${cls}Adapter

KNOWN = {"$adapter": ${cls}Adapter}


async def _start(runtime: Runtime, **options: Any) -> ${cls}Adapter:
    manager = AdapterManager(runtime)
    issues = await manager.setup(
        [{"adapter": "$adapter", "host": "192.0.2.10", **options}], known=KNOWN
    )
    assert issues == []
    adapter = manager.slots["$adapter"].adapter
    assert isinstance(adapter, ${cls}Adapter)
    return adapter


def _state(runtime: Runtime, entity_id: str) -> str:
    state = runtime.states.get(entity_id)
    assert state is not None
    return state.state


async def test_the_device_appears_with_its_entities(runtime: Runtime) -> None:
    adapter = await _start(runtime)
    assert _state(runtime, adapter.switch_id) == "off"
    assert _state(runtime, adapter.power_id) == "0.0"


async def test_commands_reach_the_device(runtime: Runtime) -> None:
    adapter = await _start(runtime)
    await runtime.services.call("switch", "turn_on", target={"entity_id": adapter.switch_id})
    assert adapter.device.on
    assert _state(runtime, adapter.switch_id) == "on"
    assert _state(runtime, adapter.power_id) == "60.0"


async def test_changes_on_the_device_are_polled(runtime: Runtime) -> None:
    adapter = await _start(runtime, poll_interval=30)
    adapter.device.on = True  # someone pressed the device's own button
    await runtime.advance(29)
    assert _state(runtime, adapter.switch_id) == "off"
    await runtime.advance(1)
    assert _state(runtime, adapter.switch_id) == "on"


async def test_a_silent_device_is_unavailable_until_it_answers(runtime: Runtime) -> None:
    adapter = await _start(runtime, poll_interval=30)
    adapter.device.reachable = False
    await runtime.advance(30)
    assert _state(runtime, adapter.switch_id) == "unavailable"
    assert _state(runtime, adapter.power_id) == "unavailable"
    adapter.device.reachable = True
    await runtime.advance(30)
    assert _state(runtime, adapter.switch_id) == "off"


async def test_bad_options_are_reported(runtime: Runtime) -> None:
    manager = AdapterManager(runtime)
    issues = await manager.setup(
        [{"adapter": "$adapter", "host": "192.0.2.10", "poll_interval": 0}], known=KNOWN
    )
    assert [issue.key for issue in issues] == ["adapters[0].poll_interval"]


def test_the_entry_point_names_the_adapter() -> None:
    pyproject = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text())
    target = pyproject["project"]["entry-points"]["homeloom.adapters"]["$adapter"]
    module, _, attribute = target.partition(":")
    assert getattr(import_module(module), attribute) is ${cls}Adapter
'''

_FILES = {
    "pyproject.toml": _PYPROJECT,
    "README.md": _README,
    "src/$module/__init__.py": _INIT,
    "src/$module/_device.py": _DEVICE,
    "src/$module/_adapter.py": _ADAPTER,
    "src/$module/py.typed": "",
    "tests/conftest.py": _CONFTEST,
    "tests/test_adapter.py": _TESTS,
}
