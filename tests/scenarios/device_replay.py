"""One automation replayed through ``simulate`` in a house of its own, with stubbed
services: for the device automation tests, whose expected results come from reading
Home Assistant's code (the shared oracle has no device registry)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from homeloom.simulate import simulate

START = "2026-06-01T20:00:00+02:00"
CORE = {
    "homeassistant": {
        "name": "Devices",
        "time_zone": "Europe/Paris",
        "latitude": 48.8566,
        "longitude": 2.3522,
    }
}
NOTIFY = {"service": "notify.notify", "data": {"message": "fired"}}


async def replay(
    tmp_path: Path, automation: dict[str, Any], initial: dict[str, Any], steps: list[Any]
) -> dict[str, Any]:
    """What ``simulate`` makes of ``automation`` (given the id ``a``) from ``initial``
    states through ``steps``, starting at :data:`START`."""
    config = yaml.safe_dump(CORE) + "automation: !include automations.yaml\n"
    (tmp_path / "configuration.yaml").write_text(config, encoding="utf-8")
    automations = yaml.safe_dump([{"id": "a", **automation}], sort_keys=False)
    (tmp_path / "automations.yaml").write_text(automations, encoding="utf-8")
    events = {"start": START, "initial": initial, "steps": steps}
    return await simulate(tmp_path, events, stub_services=True)
