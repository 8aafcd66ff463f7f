"""``python_script:`` on a real runtime: the sandbox refuses escapes and stops runaway
scripts, failures are named by file and line, reload, responses, and the footprint."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from homeloom.house import House, check_config
from homeloom.orchestrator import HomeloomError, TestClock
from homeloom.scenarios._python_script import PythonScriptError
from homeloom.scenarios._python_script_sandbox import ScriptCompileError, compile_script

START = datetime(2026, 6, 1, 18, 0, tzinfo=UTC)
CONFIGURATION = "homeassistant: {time_zone: Europe/Paris}\npython_script:\n"


async def _house(config_dir: Path, scripts: dict[str, str]) -> House:
    (config_dir / "configuration.yaml").write_text(CONFIGURATION, encoding="utf-8")
    folder = config_dir / "python_scripts"
    folder.mkdir(exist_ok=True)
    for name, text in scripts.items():
        (folder / name).write_text(text, encoding="utf-8")
    house = House(config_dir, clock=TestClock(START), adapters=False, persist=False)
    await house.setup()
    await house.start()
    return house


async def _respond(house: House, name: str, **data: Any) -> Any:
    return await house.runtime.services.call("python_script", name, data, return_response=True)


ESCAPES = {
    "dunder attribute": "output['x'] = hass.__class__",
    "tuple bases": "output['x'] = ().__class__.__bases__",
    "private attribute": "output['x'] = hass.states._host",
    "getattr builtin": "output['x'] = getattr(hass, '_runtime')",
    "format field": "output['x'] = '{0._host}'.format(hass.states)",
    "str.format unbound": "output['x'] = str.format('{0.states._host}', hass)",
    "format_map": "output['x'] = '{h._host}'.format_map({'h': hass.states})",
    "string.Formatter": "output['x'] = string.Formatter().format('{0._host}', hass.states)",
    "import": "import os",
    "from import": "from os import path",
    "open": "output['x'] = open('/etc/hostname').read()",
    "exec": "exec('x = 1')",
    "eval": "output['x'] = eval('1')",
    "generator frame": "output['x'] = (i for i in [1]).gi_frame",
    "hass outside its list": "output['x'] = hass.config",
    "states outside its list": "output['x'] = hass.states.async_set",
    "datetime outside its list": "output['x'] = datetime.sys",
    "logger's tree": "output['x'] = logger.manager",
    "state object's context": "output['x'] = hass.states.get('sensor.t').context",
    "state view's state": "output['x'] = getattr(hass.states.get('sensor.t'), '_state')",
    "state view's state by name": "s = hass.states.get('sensor.t')\noutput['x'] = s._state",
    "state view's state by format": "s = hass.states.get('sensor.t')\nx = '{0._state}'.format(s)",
    "type builtin": "output['x'] = type(hass)",
    "attribute write": "hass.states = None",
    "catch the stop": "try:\n    x = 1 / 0\nexcept BaseException:\n    pass",
}


@pytest.mark.allow_error_logs
@pytest.mark.parametrize("source", list(ESCAPES.values()), ids=list(ESCAPES))
async def test_escape_attempts_are_refused(tmp_path: Path, source: str) -> None:
    house = await _house(tmp_path, {"escape.py": source})
    house.runtime.states.set("sensor.t", "1")
    try:
        with pytest.raises(HomeloomError):
            await _respond(house, "escape")
    finally:
        await house.stop()


async def test_a_script_reads_and_writes_through_its_facade(tmp_path: Path) -> None:
    script = (
        "s = hass.states.get('sensor.t')\n"
        "attrs = s.attributes.copy()\n"
        "attrs['seen'] = True\n"
        "hass.states.set('sensor.t', int(s.state) + 1, attrs)\n"
        "output['ids'] = hass.states.entity_ids('sensor')\n"
        "output['when'] = dt_util.now().isoformat()\n"
        "output['label'] = '{0.entity_id}={0.state}'.format(s)\n"
        "n = 0\n"
        "n += len(data['items'])\n"
        "output['n'] = n\n"
        "output['shown'] = s.as_dict()\n"
    )
    house = await _house(tmp_path, {"bump.py": script})
    try:
        house.runtime.states.set("sensor.t", "4", {"unit_of_measurement": "W"})
        response = await _respond(house, "bump", items=[1, 2])
        state = house.runtime.states.get("sensor.t")
        assert state is not None and state.state == "5"
        assert dict(state.attributes) == {"unit_of_measurement": "W", "seen": True}
        assert response == {
            "ids": ["sensor.t"],
            "when": "2026-06-01T20:00:00+02:00",
            "label": "sensor.t=4",
            "n": 2,
            "shown": {
                "entity_id": "sensor.t",
                "state": "4",
                "attributes": {"unit_of_measurement": "W"},
                "last_changed": "2026-06-01T18:00:00+00:00",
                "last_updated": "2026-06-01T18:00:00+00:00",
            },
        }
    finally:
        await house.stop()


@pytest.mark.allow_error_logs
async def test_a_runaway_loop_is_stopped_and_the_house_goes_on(tmp_path: Path) -> None:
    runaway = "while True:\n    try:\n        x = 1\n    except:\n        pass\n"
    house = await _house(tmp_path, {"spin.py": runaway, "ok.py": "output['ok'] = 1\n"})
    try:
        began = time.monotonic()
        with pytest.raises(PythonScriptError, match=r"spin\.py:2: ScriptStopped"):
            await _respond(house, "spin")
        assert time.monotonic() - began < 30
        assert await _respond(house, "ok") == {"ok": 1}
    finally:
        await house.stop()


@pytest.mark.allow_error_logs
async def test_a_failure_is_logged_with_file_and_line(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    house = await _house(tmp_path, {"fails.py": "x = 1\ny = x / 0\n"})
    try:
        assert await house.runtime.services.call("python_script", "fails") is None
        assert "Error executing script fails.py:2: ZeroDivisionError" in caplog.text
        with pytest.raises(PythonScriptError, match=r"fails\.py:2"):
            await _respond(house, "fails")
    finally:
        await house.stop()


def test_a_script_that_could_swallow_its_stop_is_refused() -> None:
    for source in ("while True:\n    try:\n        pass\n    finally:\n        continue\n",):
        with pytest.raises(ScriptCompileError, match=r"a\.py:5: .*'continue'"):
            compile_script(source, "a.py")
    with pytest.raises(ScriptCompileError, match="__exit__"):
        compile_script("class A:\n    def __exit__(self, *a):\n        return True\n", "a.py")


@pytest.mark.allow_error_logs
async def test_check_reports_a_syntax_error_with_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "configuration.yaml").write_text(CONFIGURATION, encoding="utf-8")
    (tmp_path / "python_scripts").mkdir()
    (tmp_path / "python_scripts" / "bad.py").write_text("x = 1\nif x\n", encoding="utf-8")
    report = await check_config(tmp_path)
    assert [(e.file, e.line) for e in report.errors] == [("python_scripts/bad.py", 2)]


async def test_reload_finds_new_scripts_and_forgets_removed_ones(tmp_path: Path) -> None:
    house = await _house(tmp_path, {"old.py": "output['v'] = 'old'\n"})
    try:
        services = house.runtime.services
        (tmp_path / "python_scripts" / "old.py").unlink()
        (tmp_path / "python_scripts" / "new.py").write_text("output['v'] = 'new'\n")
        (tmp_path / "python_scripts" / "services.yaml").write_text(
            "new: {name: New, description: Says new}\n"
        )
        await services.call("python_script", "reload")
        assert not services.has("python_script", "old")
        assert services.get("python_script", "new").description == "Says new"
        assert await _respond(house, "new") == {"v": "new"}
    finally:
        await house.stop()


def _script_threads_left() -> list[threading.Thread]:
    """The scripts' worker threads still alive a while after the house stopped: one
    asleep in a script would keep the process from exiting."""
    for thread in threading.enumerate():
        if thread.name.startswith("python_script"):
            thread.join(20)
    return [t for t in threading.enumerate() if t.name.startswith("python_script")]


async def test_a_running_script_stops_with_the_house(tmp_path: Path) -> None:
    script = "hass.states.set('sensor.nap', 'asleep')\ntime.sleep(600)\n"
    house = await _house(tmp_path, {"nap.py": script})
    asleep = asyncio.Event()
    house.runtime.states.track(["sensor.nap"], lambda event: asleep.set())
    task = house.runtime.create_background_task(_respond(house, "nap"))
    await asyncio.wait_for(asleep.wait(), 20)  # the script's thread is in its sleep
    began = time.monotonic()
    await house.stop()
    assert task.done()
    assert time.monotonic() - began < 20
    assert not _script_threads_left()


async def test_a_call_arriving_as_the_house_stops_starts_no_script(tmp_path: Path) -> None:
    house = await _house(tmp_path, {"nap.py": "time.sleep(600)\n"})
    task = house.runtime.create_background_task(_respond(house, "nap"))
    await house.stop()  # as the call's task starts
    assert task.done()
    assert not _script_threads_left()


_PROBE = """
import asyncio, json, sys, pathlib, tempfile
from homeloom.house import check_config
folder = pathlib.Path(tempfile.mkdtemp())
(folder / "configuration.yaml").write_text(sys.argv[1])
(folder / "python_scripts").mkdir()
(folder / "python_scripts" / "hello.py").write_text("x = 1")
asyncio.run(check_config(folder))
print(json.dumps("RestrictedPython" in sys.modules))
"""


@pytest.mark.parametrize(("configuration", "imported"), [("{}\n", False), (CONFIGURATION, True)])
def test_only_a_house_with_python_script_imports_restricted_python(
    configuration: str, imported: bool
) -> None:
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, configuration],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert json.loads(done.stdout.splitlines()[-1]) is imported
