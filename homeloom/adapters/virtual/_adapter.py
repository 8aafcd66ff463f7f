"""The ``virtual`` adapter: a simulated demo home that behaves plausibly over time."""

from __future__ import annotations

import random
from collections.abc import Mapping
from datetime import date, datetime, time
from typing import Any, ClassVar

from pydantic import Field

from homeloom.orchestrator import (
    Context,
    ServiceValidationError,
    normalize_light_command,
    sun_event_time,
)

from .._sdk import Adapter, AdapterConfig, EntityDescription
from ._model import (
    HEATED_ROOMS,
    LIT_ROOMS,
    MOTION_ROOMS,
    Person,
    RoomClimate,
    Schedule,
    day_schedule,
    daylight_lux,
    outdoor_temperature,
    room_lux,
)

__all__ = ["VirtualAdapter", "VirtualConfig"]

MANUFACTURER = "homeloom"


class VirtualConfig(AdapterConfig):
    seed: int = 42
    tick_seconds: float = Field(60.0, gt=0, le=3600)


def _sun_times(hub: Any, day: date) -> tuple[datetime | None, datetime | None]:
    settings = hub.settings
    return (
        sun_event_time("sunrise", day, settings, local=True),
        sun_event_time("sunset", day, settings, local=True),
    )


class VirtualAdapter(Adapter[VirtualConfig]):
    """Rooms with sensors and actuators, and two people whose days come and go."""

    name = "virtual"
    config_model = VirtualConfig
    command_timeout: ClassVar[float] = 5.0

    LIGHTS: ClassVar[dict[str, tuple[str, str, dict[str, Any]]]] = {
        # key: (room, name, extra attributes)
        "living_room": (
            "living_room",
            "Living room light",
            {
                "supported_color_modes": ["color_temp", "rgb"],
                "min_color_temp_kelvin": 2200,
                "max_color_temp_kelvin": 6500,
            },
        ),
        "kitchen": ("kitchen", "Kitchen light", {"supported_color_modes": ["brightness"]}),
        "hall": ("hall", "Hall light", {"supported_color_modes": ["brightness"]}),
        "bedroom": (
            "bedroom",
            "Bedroom light",
            {
                "supported_color_modes": ["color_temp"],
                "min_color_temp_kelvin": 2200,
                "max_color_temp_kelvin": 4000,
            },
        ),
        "bathroom": ("bathroom", "Bathroom light", {"supported_color_modes": ["onoff"]}),
    }

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.rng = random.Random(self.config.seed)
        self.people = [
            Person("alice", "Alice", time(8, 0), time(18, 0)),
            Person("bob", "Bob", time(9, 0), time(19, 0)),
        ]
        self.climates = {room: RoomClimate(20.0 + self.rng.uniform(-1, 1)) for room in HEATED_ROOMS}
        self.lights: dict[str, dict[str, Any]] = {
            key: {"on": False, "brightness": 0} for key in self.LIGHTS
        }
        self.blinds = 100
        self.garage = "closed"
        self.lock = "locked"
        self.coffee = False
        self.target = 20.0
        self.hvac_mode = "heat"
        self.motion_left: dict[str, int] = {room: 0 for room in MOTION_ROOMS}
        self.schedule: tuple[date, Schedule] | None = None
        self.ids: dict[str, str] = {}

    # --- publishing --------------------------------------------------------------

    def _entity(
        self,
        key: str,
        domain: str,
        name: str,
        room: str,
        state: str,
        attributes: dict[str, Any] | None = None,
        device_class: str | None = None,
    ) -> None:
        thing_id = f"virtual_{key}"
        self.hub.add_thing(
            thing_id, name, manufacturer=MANUFACTURER, model=f"virtual {domain}", area_id=room
        )
        self.ids[key] = self.hub.add_entity(
            EntityDescription(
                domain,
                f"virtual-{key}",
                name,
                thing_id=thing_id,
                device_class=device_class,
                object_id=key.replace("-", "_"),
            ),
            state,
            attributes,
        )

    async def setup(self) -> None:
        hub = self.hub
        for room in ("living_room", "kitchen", "hall", "bedroom", "bathroom", "garage"):
            hub.add_area(room.replace("_", " ").capitalize(), room)
        for key, (room, name, extra) in self.LIGHTS.items():
            self._entity(key, "light", name, room, "off", dict(extra))
        for room in MOTION_ROOMS:
            self._entity(
                f"{room}_motion",
                "binary_sensor",
                f"{room.replace('_', ' ').capitalize()} motion",
                room,
                "off",
                device_class="motion",
            )
        self._entity(
            "front_door", "binary_sensor", "Front door", "hall", "off", device_class="door"
        )
        self._entity(
            "bedroom_window",
            "binary_sensor",
            "Bedroom window",
            "bedroom",
            "off",
            device_class="window",
        )
        for room in HEATED_ROOMS:
            self._entity(
                f"{room}_temperature",
                "sensor",
                f"{room.replace('_', ' ').capitalize()} temperature",
                room,
                f"{self.climates[room].temperature:.1f}",
                {"unit_of_measurement": "°C", "state_class": "measurement"},
                "temperature",
            )
        self._entity(
            "outdoor_temperature",
            "sensor",
            "Outdoor temperature",
            "garage",
            "15.0",
            {"unit_of_measurement": "°C", "state_class": "measurement"},
            "temperature",
        )
        for room in LIT_ROOMS:
            self._entity(
                f"{room}_illuminance",
                "sensor",
                f"{room.replace('_', ' ').capitalize()} illuminance",
                room,
                "0",
                {"unit_of_measurement": "lx", "state_class": "measurement"},
                "illuminance",
            )
        self._entity("coffee_maker", "switch", "Coffee maker", "kitchen", "off")
        self._entity(
            "coffee_maker_power",
            "sensor",
            "Coffee maker power",
            "kitchen",
            "0.0",
            {"unit_of_measurement": "W", "state_class": "measurement"},
            "power",
        )
        self._entity(
            "house_power",
            "sensor",
            "House power",
            "garage",
            "150.0",
            {"unit_of_measurement": "W", "state_class": "measurement"},
            "power",
        )
        self._entity(
            "living_room_blinds",
            "cover",
            "Living room blinds",
            "living_room",
            "open",
            {"current_position": 100},
            "blind",
        )
        self._entity(
            "garage_door",
            "cover",
            "Garage door",
            "garage",
            "closed",
            {"current_position": 0},
            "garage",
        )
        self._entity("front_door_lock", "lock", "Front door lock", "hall", "locked")
        self._entity(
            "thermostat", "climate", "Thermostat", "living_room", "heat", self._climate_attributes()
        )
        for person in self.people:
            self._entity(
                f"{person.key}_phone",
                "device_tracker",
                f"{person.name}'s phone",
                "hall",
                "home",
                {"source_type": "router"},
            )
            self._entity(
                person.key,
                "person",
                person.name,
                "hall",
                "home",
                {"source": f"device_tracker.{person.key}_phone"},
            )

    async def start(self) -> None:
        self._tick(self.hub.now())
        self.hub.call_every(self.config.tick_seconds, self._tick)

    # --- simulation --------------------------------------------------------------

    def _climate_attributes(self) -> dict[str, Any]:
        current = self.climates["living_room"].temperature
        heating = self.hvac_mode == "heat" and current < self.target - 0.2
        return {
            "current_temperature": round(current, 1),
            "temperature": self.target,
            "hvac_modes": ["off", "heat"],
            "min_temp": 7,
            "max_temp": 30,
            "hvac_action": "heating"
            if heating
            else ("idle" if self.hvac_mode == "heat" else "off"),
        }

    def _people_home(self, now: datetime) -> dict[str, bool]:
        tz = self.hub.settings.tz
        day = now.astimezone(tz).date()
        if self.schedule is None or self.schedule[0] != day:
            self.schedule = (day, day_schedule(self.config.seed, day, tz, self.people))
        home: dict[str, bool] = {}
        for person in self.people:
            away = self.schedule[1].away.get(person.key)
            home[person.key] = away is None or not away[0] <= now < away[1]
        return home

    def _tick(self, now: datetime) -> None:
        hub, ids = self.hub, self.ids
        minutes = self.config.tick_seconds / 60
        tz = hub.settings.tz
        outdoor = outdoor_temperature(now, tz, self.rng.uniform(-0.3, 0.3))
        hub.set_state(ids["outdoor_temperature"], f"{outdoor:.1f}", merge=True)
        heating = (
            self.hvac_mode == "heat"
            and self.climates["living_room"].temperature < self.target - 0.2
        )
        for room, climate in self.climates.items():
            climate.step(outdoor, heating, minutes)
            hub.set_state(ids[f"{room}_temperature"], f"{climate.temperature:.1f}", merge=True)
        hub.set_state(ids["thermostat"], self.hvac_mode, self._climate_attributes(), merge=True)

        home = self._people_home(now)
        anyone_home = any(home.values())
        for person in self.people:
            state = "home" if home[person.key] else "not_home"
            previous = hub.state(ids[person.key])
            if previous is not None and previous.state != state:
                hub.set_state(ids["front_door"], "on", merge=True)
                self.motion_left["hall"] = 2
            hub.set_state(ids[f"{person.key}_phone"], state, merge=True)
            hub.set_state(ids[person.key], state, merge=True)
        door = hub.state(ids["front_door"])
        if door is not None and door.state == "on" and self.motion_left["hall"] < 2:
            hub.set_state(ids["front_door"], "off", merge=True)

        local = now.astimezone(tz)
        awake = time(6, 30) <= local.time() <= time(23, 0)
        for room in MOTION_ROOMS:
            if self.motion_left[room] > 0:
                self.motion_left[room] -= 1
            elif anyone_home and awake and self.rng.random() < 0.08:
                self.motion_left[room] = self.rng.randint(1, 3)
            hub.set_state(
                ids[f"{room}_motion"], "on" if self.motion_left[room] else "off", merge=True
            )

        sunrise, sunset = _sun_times(hub, local.date())
        daylight = daylight_lux(now, sunrise, sunset)
        for room in LIT_ROOMS:
            light = self.lights[room]
            blinds = self.blinds / 100 if room == "living_room" else 0.5
            lux = room_lux(daylight, light["on"], light["brightness"], blinds)
            hub.set_state(ids[f"{room}_illuminance"], f"{lux:.0f}", merge=True)
        self._power()

    def _power(self) -> None:
        lights = sum(
            10 * light["brightness"] / 255 for light in self.lights.values() if light["on"]
        )
        coffee = 1200.0 if self.coffee else 0.0
        self.hub.set_state(self.ids["coffee_maker_power"], f"{coffee:.1f}", merge=True)
        self.hub.set_state(self.ids["house_power"], f"{150 + lights + coffee:.1f}", merge=True)

    # --- commands ----------------------------------------------------------------

    async def handle_command(
        self, entity_id: str, service: str, data: Mapping[str, Any], context: Context
    ) -> None:
        key = next(k for k, v in self.ids.items() if v == entity_id)
        domain = entity_id.split(".", 1)[0]
        handler = getattr(self, f"_{domain}", None)
        if handler is None:
            raise ServiceValidationError(domain, service, "", f"{entity_id} does not take commands")
        handler(key, entity_id, service, data)
        self._power()

    def _light(self, key: str, entity_id: str, service: str, data: Mapping[str, Any]) -> None:
        light = self.lights[key]
        if service == "toggle":
            service = "turn_off" if light["on"] else "turn_on"
        attributes: dict[str, Any] = {}
        if service == "turn_on":
            command = normalize_light_command(data, light["brightness"] or 255)
            light["on"] = True
            light["brightness"] = int(command.get("brightness", light["brightness"] or 255))
            if light["brightness"] == 0:
                light["on"] = False
            attributes["brightness"] = light["brightness"] if light["on"] else None
            for name in ("color_temp_kelvin", "rgb_color"):
                if name in command:
                    attributes[name] = command[name]
        else:
            light["on"] = False
            attributes["brightness"] = None
        self.hub.set_state(entity_id, "on" if light["on"] else "off", attributes, merge=True)
        self._refresh_lux(key)

    def _refresh_lux(self, room: str) -> None:
        if room not in LIT_ROOMS:
            return
        now = self.hub.now()
        sunrise, sunset = _sun_times(self.hub, now.astimezone(self.hub.settings.tz).date())
        light = self.lights[room]
        blinds = self.blinds / 100 if room == "living_room" else 0.5
        lux = room_lux(daylight_lux(now, sunrise, sunset), light["on"], light["brightness"], blinds)
        self.hub.set_state(self.ids[f"{room}_illuminance"], f"{lux:.0f}", merge=True)

    def _switch(self, key: str, entity_id: str, service: str, data: Mapping[str, Any]) -> None:
        on = service == "turn_on" or (service == "toggle" and not self.coffee)
        self.coffee = on
        self.hub.set_state(entity_id, "on" if on else "off", merge=True)

    def _cover(self, key: str, entity_id: str, service: str, data: Mapping[str, Any]) -> None:
        current = self.hub.state(entity_id)
        position = int(current.attributes.get("current_position", 0)) if current else 0
        if service == "open_cover" or (service == "toggle" and position == 0):
            position = 100
        elif service == "close_cover" or service == "toggle":
            position = 0
        elif service == "set_cover_position":
            position = int(data["position"])
        elif service == "stop_cover":
            pass
        if key == "living_room_blinds":
            self.blinds = position
            self._refresh_lux("living_room")
        state = "open" if position > 0 else "closed"
        self.hub.set_state(entity_id, state, {"current_position": position}, merge=True)

    def _lock(self, key: str, entity_id: str, service: str, data: Mapping[str, Any]) -> None:
        self.lock = "locked" if service == "lock" else "unlocked"
        self.hub.set_state(entity_id, self.lock, merge=True)

    def _climate(self, key: str, entity_id: str, service: str, data: Mapping[str, Any]) -> None:
        if service == "set_temperature" and data.get("temperature") is not None:
            self.target = float(data["temperature"])
        if data.get("hvac_mode") is not None:
            self.hvac_mode = str(data["hvac_mode"])
        if service in ("turn_on", "turn_off"):
            self.hvac_mode = "heat" if service == "turn_on" else "off"
        self.hub.set_state(entity_id, self.hvac_mode, self._climate_attributes(), merge=True)
