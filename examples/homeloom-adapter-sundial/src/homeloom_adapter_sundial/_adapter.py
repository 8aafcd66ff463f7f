"""The ``sundial`` adapter: the sun's position as sensors, and an hourly chime.

It shows every part of an adapter: a config model, a thing with entities,
periodic readings on the runtime's clock, a command, and events.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any, ClassVar

from homeloom.adapters import Adapter, AdapterConfig, AdapterHub, EntityDescription
from homeloom.orchestrator import Context, ServiceValidationError, Unsubscribe
from pydantic import Field

from ._solar import sun_position

__all__ = ["CHIME_EVENT", "SundialAdapter", "SundialConfig"]

CHIME_EVENT = "sundial_chime"


class SundialConfig(AdapterConfig):
    """The options of one ``adapter: sundial`` entry."""

    interval: float = Field(300.0, gt=0, le=3600, description="seconds between readings")
    chime: bool = Field(False, description="whether the hourly chime starts on")


class SundialAdapter(Adapter[SundialConfig]):
    """Reads the sun at the house's latitude and longitude, like a sundial."""

    name = "sundial"
    config_model = SundialConfig
    command_timeout: ClassVar[float] = 2.0

    def __init__(self, hub: AdapterHub, config: SundialConfig) -> None:
        super().__init__(hub, config)
        self.ids: dict[str, str] = {}
        self._chime_on = config.chime
        self._next_chime: Unsubscribe | None = None

    async def setup(self) -> None:
        label = self.config.name or "Sundial"
        thing = f"sundial-{self.hub.name}"
        self.hub.add_thing(thing, label, manufacturer="homeloom examples", model="sundial")

        def describe(domain: str, key: str, device_class: str | None = None) -> EntityDescription:
            return EntityDescription(
                domain, f"{thing}-{key}", f"{label} {key}", thing, device_class
            )

        degrees = {"unit_of_measurement": "°", "state_class": "measurement"}
        self.ids["elevation"] = self.hub.add_entity(describe("sensor", "elevation"), "0", degrees)
        self.ids["azimuth"] = self.hub.add_entity(describe("sensor", "azimuth"), "0", degrees)
        self.ids["daylight"] = self.hub.add_entity(
            describe("binary_sensor", "daylight", "light"), "off"
        )
        self.ids["chime"] = self.hub.add_entity(
            describe("switch", "chime"), "on" if self._chime_on else "off"
        )

    async def start(self) -> None:
        self._read(self.hub.now())
        self.hub.call_every(self.config.interval, self._read)
        if self._chime_on:
            self._arm_chime()

    def _read(self, now: datetime) -> None:
        settings = self.hub.settings
        sun = sun_position(now, settings.latitude, settings.longitude)
        self.hub.set_state(self.ids["elevation"], f"{sun.elevation:.1f}", merge=True)
        self.hub.set_state(self.ids["azimuth"], f"{sun.azimuth:.1f}", merge=True)
        # The sun's disc clears the horizon a little below 0 degrees, through refraction.
        self.hub.set_state(self.ids["daylight"], "on" if sun.elevation > -0.83 else "off")

    # --- the chime ------------------------------------------------------------------

    def _arm_chime(self) -> None:
        now = self.hub.now()
        next_hour = now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
        self._next_chime = self.hub.call_later((next_hour - now).total_seconds(), self._chime)

    def _chime(self, now: datetime) -> None:
        local = now.astimezone(self.hub.settings.tz)
        self.hub.fire_event(CHIME_EVENT, {"hour": local.hour, "time": local.isoformat()})
        self._arm_chime()

    def _set_chime(self, on: bool) -> None:
        if self._next_chime is not None:
            self._next_chime()
            self._next_chime = None
        self._chime_on = on
        if on:
            self._arm_chime()
        self.hub.set_state(self.ids["chime"], "on" if on else "off", merge=True)

    async def handle_command(
        self, entity_id: str, service: str, data: Mapping[str, Any], context: Context
    ) -> None:
        if entity_id != self.ids["chime"] or service not in ("turn_on", "turn_off", "toggle"):
            raise ServiceValidationError(
                entity_id.split(".", 1)[0], service, "", f"the sundial's {entity_id} is read-only"
            )
        self._set_chime(service == "turn_on" or (service == "toggle" and not self._chime_on))
