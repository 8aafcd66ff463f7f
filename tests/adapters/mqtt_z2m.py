"""A simulated Zigbee2MQTT bridge: a real MQTT client that publishes the bridge's device list
and each device's state, and acts on ``<name>/set`` and ``<name>/get`` as Zigbee2MQTT does.

Device states are retained, as with Zigbee2MQTT's ``retain: true`` device option."""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any

import aiomqtt

__all__ = ["DEVICES", "MqttProbe", "Zigbee2MqttSim"]

BASE = "zigbee2mqtt"

_STATE = {
    "type": "binary",
    "name": "state",
    "property": "state",
    "access": 7,
    "value_on": "ON",
    "value_off": "OFF",
    "value_toggle": "TOGGLE",
}

DEVICES: list[dict[str, Any]] = [
    {
        "ieee_address": "0x00124b0000000000",
        "type": "Coordinator",
        "friendly_name": "Coordinator",
        "definition": None,
    },
    {
        "ieee_address": "0x000b57fffec6a5b2",
        "type": "Router",
        "friendly_name": "hall_light",
        "software_build_id": "2.3.087",
        "definition": {
            "model": "LED1545G12",
            "vendor": "IKEA",
            "description": "TRADFRI bulb E27, white spectrum",
            "exposes": [
                {
                    "type": "light",
                    "features": [
                        _STATE,
                        {
                            "type": "numeric",
                            "name": "brightness",
                            "property": "brightness",
                            "access": 7,
                            "value_min": 0,
                            "value_max": 254,
                        },
                        {
                            "type": "numeric",
                            "name": "color_temp",
                            "property": "color_temp",
                            "access": 7,
                            "unit": "mired",
                            "value_min": 250,
                            "value_max": 454,
                        },
                    ],
                },
                {"type": "numeric", "name": "linkquality", "property": "linkquality", "access": 1},
            ],
        },
    },
    {
        "ieee_address": "0x00158d0001e1a2b3",
        "type": "EndDevice",
        "friendly_name": "hall_motion",
        "definition": {
            "model": "RTCGQ11LM",
            "vendor": "Aqara",
            "description": "Motion sensor",
            "exposes": [
                {
                    "type": "binary",
                    "name": "occupancy",
                    "property": "occupancy",
                    "access": 1,
                    "value_on": True,
                    "value_off": False,
                },
                {
                    "type": "numeric",
                    "name": "illuminance",
                    "property": "illuminance",
                    "access": 1,
                    "unit": "lx",
                },
                {
                    "type": "numeric",
                    "name": "battery",
                    "property": "battery",
                    "access": 1,
                    "unit": "%",
                    "value_min": 0,
                    "value_max": 100,
                },
            ],
        },
    },
    {
        "ieee_address": "0x00158d0002c3d4e5",
        "type": "EndDevice",
        "friendly_name": "front_door",
        "definition": {
            "model": "MCCGQ11LM",
            "vendor": "Aqara",
            "description": "Door and window contact sensor",
            "exposes": [
                {
                    "type": "binary",
                    "name": "contact",
                    "property": "contact",
                    "access": 1,
                    "value_on": True,
                    "value_off": False,
                },
                {
                    "type": "numeric",
                    "name": "temperature",
                    "property": "temperature",
                    "access": 1,
                    "unit": "°C",
                },
            ],
        },
    },
    {
        "ieee_address": "0x7cb03eaa0a0b0c0d",
        "type": "Router",
        "friendly_name": "kitchen/plug",
        "definition": {
            "model": "AB3257001NJ",
            "vendor": "OSRAM",
            "description": "Smart+ plug",
            "exposes": [
                {"type": "switch", "features": [_STATE]},
                {"type": "numeric", "name": "power", "property": "power", "access": 5, "unit": "W"},
            ],
        },
    },
]

DEVICES.append(
    {
        "ieee_address": "0x0c4314fffe1a2b3c",
        "type": "EndDevice",
        "friendly_name": "bedroom_radiator",
        "definition": {
            "model": "014G2461",
            "vendor": "Danfoss",
            "description": "Ally thermostat",
            "exposes": [
                {
                    "type": "climate",
                    "features": [
                        {"type": "numeric", "name": "occupied_heating_setpoint",
                         "property": "occupied_heating_setpoint", "access": 7, "unit": "°C",
                         "value_min": 5, "value_max": 32, "value_step": 0.5},
                        {"type": "numeric", "name": "local_temperature",
                         "property": "local_temperature", "access": 5, "unit": "°C"},
                        {"type": "enum", "name": "system_mode", "property": "system_mode",
                         "access": 7, "values": ["off", "heat"]},
                        {"type": "enum", "name": "running_state", "property": "running_state",
                         "access": 5, "values": ["idle", "heat"]},
                    ],
                },
                {"type": "numeric", "name": "battery", "property": "battery", "access": 1,
                 "unit": "%"},
            ],
        },
    }
)  # fmt: skip

INITIAL_STATES: dict[str, dict[str, Any]] = {
    "bedroom_radiator": {
        "occupied_heating_setpoint": 19,
        "local_temperature": 18.2,
        "system_mode": "heat",
        "running_state": "heat",
        "battery": 80,
    },
    "hall_light": {"state": "OFF", "brightness": 0, "color_temp": 370, "linkquality": 120},
    "hall_motion": {"occupancy": False, "illuminance": 40, "battery": 91},
    "front_door": {"contact": True, "temperature": 19.5},
    "kitchen/plug": {"state": "OFF", "power": 0},
}


class Zigbee2MqttSim:
    """The bridge's side of Zigbee2MQTT, with its devices' state in memory."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.states = {name: dict(state) for name, state in INITIAL_STATES.items()}
        self.received: list[tuple[str, dict[str, Any]]] = []  # (topic, payload) of /set, /get
        self._client: aiomqtt.Client | None = None
        self._task: asyncio.Task[None] | None = None
        self._ready = asyncio.Event()

    async def start(self) -> None:
        self._ready = asyncio.Event()
        self._task = asyncio.create_task(self._run())
        async with asyncio.timeout(5):
            await self._ready.wait()

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, aiomqtt.MqttError):
                await task
        self._client = None

    async def _run(self) -> None:
        will = aiomqtt.Will(f"{BASE}/bridge/state", '{"state":"offline"}', retain=True)
        try:
            async with aiomqtt.Client("127.0.0.1", self.port, will=will) as client:
                self._client = client
                await client.subscribe([(f"{BASE}/+/set", 0), (f"{BASE}/+/+/set", 0)])
                await client.subscribe([(f"{BASE}/+/get", 0), (f"{BASE}/+/+/get", 0)])
                await self.publish("bridge/state", {"state": "online"}, retain=True)
                await self.publish("bridge/devices", DEVICES, retain=True)
                for name in self.states:
                    await self.publish(f"{name}/availability", {"state": "online"}, retain=True)
                    await self.publish(name, self.states[name], retain=True)
                self._ready.set()
                async for message in client.messages:
                    await self._on_command(message.topic.value, bytes(message.payload))  # type: ignore[arg-type]
        except aiomqtt.MqttError:
            return  # the broker went away; a test restarts the bridge with start()

    async def _on_command(self, topic: str, raw: bytes) -> None:
        rest = topic[len(BASE) + 1 :]
        name, verb = rest.rsplit("/", 1)
        payload = json.loads(raw)
        self.received.append((topic, payload))
        if verb == "set":
            state = self.states[name]
            for key, value in payload.items():
                if key == "state" and value == "TOGGLE":
                    value = "OFF" if state.get("state") == "ON" else "ON"
                if key != "transition":
                    state[key] = value
        await self.publish(name, self.states[name], retain=True)

    async def publish(self, subtopic: str, payload: Any, *, retain: bool = False) -> None:
        if self._client is None:
            raise RuntimeError("the simulated bridge is not connected")
        text = payload if isinstance(payload, str | bytes) else json.dumps(payload)
        await self._client.publish(f"{BASE}/{subtopic}", text, qos=1, retain=retain)

    async def report(self, name: str, **changes: Any) -> None:
        """The device reports a change (a sensor sees motion, a door opens)."""
        self.states[name].update(changes)
        await self.publish(name, self.states[name], retain=True)

    async def availability(self, name: str, online: bool) -> None:
        state = "online" if online else "offline"
        await self.publish(f"{name}/availability", {"state": state}, retain=True)


class MqttProbe:
    """A plain MQTT client for a test: publish, and record what arrives on a filter."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.messages: list[tuple[str, str, bool]] = []  # (topic, payload, retain)
        self._client: aiomqtt.Client | None = None
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> MqttProbe:
        self._client = aiomqtt.Client("127.0.0.1", self.port)
        await self._client.__aenter__()
        self._task = asyncio.create_task(self._receive())
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, aiomqtt.MqttError):
                await self._task
        if self._client is not None:
            with contextlib.suppress(aiomqtt.MqttError):
                await self._client.__aexit__(None, None, None)

    async def _receive(self) -> None:
        assert self._client is not None
        async for message in self._client.messages:
            payload = bytes(message.payload).decode()  # type: ignore[arg-type]
            self.messages.append((message.topic.value, payload, message.retain))

    async def subscribe(self, topic_filter: str) -> None:
        assert self._client is not None
        await self._client.subscribe(topic_filter, qos=1)

    async def publish(self, topic: str, payload: Any, *, retain: bool = False) -> None:
        assert self._client is not None
        text = payload if isinstance(payload, str | bytes) else json.dumps(payload)
        await self._client.publish(topic, text, qos=1, retain=retain)

    def on(self, topic: str) -> list[str]:
        return [payload for t, payload, _ in self.messages if t == topic]
