"""Fixtures shared by the MQTT tests: a real broker and a client that watches it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.adapters.mqtt_broker import MOSQUITTO, Broker
from tests.adapters.mqtt_z2m import MqttProbe


@pytest.fixture
async def broker(tmp_path: Path) -> AsyncIterator[Broker]:
    """mosquitto on loopback, in a folder of its own (a test may start a second one)."""
    if MOSQUITTO is None:
        pytest.skip("mosquitto is not installed")
    workdir = tmp_path / "broker"
    workdir.mkdir()
    server = Broker(MOSQUITTO, workdir)
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def probe(broker: Broker) -> AsyncIterator[MqttProbe]:
    async with MqttProbe(broker.port) as client:
        yield client
