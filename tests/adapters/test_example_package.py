"""The example third-party package under ``examples/``: installed by pip, found by entry point."""

from __future__ import annotations

import os
import subprocess
import sys
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path

import pytest

from homeloom.adapters import AdapterManager, available_adapters
from homeloom.orchestrator import Runtime

EXAMPLE = Path(__file__).parents[2] / "examples" / "homeloom-adapter-sundial"


def _installed() -> bool:
    try:
        distribution("homeloom-adapter-sundial")
    except PackageNotFoundError:
        return False
    return True


needs_install = pytest.mark.skipif(
    not _installed(),
    reason="the example package is not installed; "
    "run: python3 -m pip install -e examples/homeloom-adapter-sundial (.ci/run does)",
)


@needs_install
def test_the_installed_example_is_found_through_its_entry_point() -> None:
    found = available_adapters()
    assert "sundial" in found
    assert found["sundial"].__module__.startswith("homeloom_adapter_sundial")
    assert found["sundial"].name == "sundial"


@needs_install
async def test_the_manager_runs_the_installed_example(runtime: Runtime) -> None:
    manager = AdapterManager(runtime)
    issues = await manager.setup([{"adapter": "sundial", "interval": 60}])
    assert issues == []
    assert manager.slots["sundial"].running
    elevation = runtime.states.get("sensor.sundial_elevation")
    assert elevation is not None and elevation.attributes["unit_of_measurement"] == "°"


def test_the_example_package_tests_pass() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:benchmark"],  # leave no files behind
        cwd=EXAMPLE,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert " passed" in done.stdout
