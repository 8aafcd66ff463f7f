"""Device command payloads, one pydantic model each, and light data in canonical terms."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ._light_colour import apply_profile, colour_name_rgb, convert_turn_on_colour, kelvin_mireds


class _Command(BaseModel):
    # Each command's validator is built at its first call, not when homeloom is imported.
    # A number given for a text field is taken as its text, as Home Assistant's
    # ``cv.string`` takes it (an option or colour name rendered from a template).
    model_config = ConfigDict(extra="forbid", defer_build=True, coerce_numbers_to_str=True)


class _Empty(_Command):
    pass


Percent = Field(None, ge=0, le=100)


class LightTurnOn(_Command):
    brightness: int | None = Field(None, ge=0, le=255)
    brightness_pct: float | None = Percent
    brightness_step: int | None = Field(None, ge=-255, le=255)
    brightness_step_pct: float | None = Field(None, ge=-100, le=100)
    color_temp_kelvin: int | None = Field(None, ge=1000, le=20000)
    kelvin: int | None = Field(None, ge=1000, le=20000)
    color_temp: int | None = Field(None, ge=50, le=1000, description="mireds (legacy)")
    rgb_color: tuple[int, int, int] | None = None
    rgbw_color: tuple[int, int, int, int] | None = None
    rgbww_color: tuple[int, int, int, int, int] | None = None
    hs_color: tuple[float, float] | None = None
    xy_color: tuple[float, float] | None = None
    color_name: str | None = None
    transition: float | None = Field(None, ge=0)
    effect: str | None = None
    flash: str | None = None
    profile: str | None = None
    white: bool | int | None = None

    @model_validator(mode="after")
    def _one_brightness(self) -> LightTurnOn:
        given = [
            n
            for n in ("brightness", "brightness_pct", "brightness_step", "brightness_step_pct")
            if getattr(self, n) is not None
        ]
        if len(given) > 1:
            raise ValueError(f"give only one of {', '.join(given)}")
        # As Home Assistant's schema: one colour descriptor at most (its "Color descriptors").
        colours = [n for n in _COLOUR_DESCRIPTORS if getattr(self, n) is not None]
        if len(colours) > 1:
            raise ValueError(f"give only one colour descriptor of {', '.join(colours)}")
        return self


_COLOUR_DESCRIPTORS = (
    "profile",
    "color_name",
    "color_temp",
    "color_temp_kelvin",
    "kelvin",
    "hs_color",
    "rgb_color",
    "rgbw_color",
    "rgbww_color",
    "xy_color",
    "white",
)


class LightTurnOff(_Command):
    transition: float | None = Field(None, ge=0)
    flash: str | None = None


class CoverPosition(_Command):
    position: int = Field(ge=0, le=100)


class CoverTilt(_Command):
    tilt_position: int = Field(ge=0, le=100)


class ClimateTemperature(_Command):
    temperature: float | None = None
    target_temp_high: float | None = None
    target_temp_low: float | None = None
    hvac_mode: str | None = None


class ClimateHvacMode(_Command):
    hvac_mode: str


class ClimatePreset(_Command):
    preset_mode: str


class ClimateFan(_Command):
    fan_mode: str


class ClimateHumidity(_Command):
    humidity: float = Field(ge=0, le=100)


class ClimateSwing(_Command):
    swing_mode: str


class LockCode(_Command):
    code: str | None = None


class AlarmCode(_Command):
    code: str | None = None


class FanTurnOn(_Command):
    percentage: int | None = Field(None, ge=0, le=100)
    preset_mode: str | None = None


class FanPercentage(_Command):
    percentage: int = Field(ge=0, le=100)


class FanSpeedStep(_Command):
    percentage_step: int | None = Field(None, ge=0, le=100)


class FanPreset(_Command):
    preset_mode: str


class FanOscillate(_Command):
    oscillating: bool


class FanDirection(_Command):
    direction: str


class MediaVolume(_Command):
    volume_level: float = Field(ge=0, le=1)


class MediaMute(_Command):
    is_volume_muted: bool


class MediaPlay(_Command):
    media_content_id: str
    media_content_type: str
    enqueue: str | None = None
    announce: bool | None = None
    # Passed to the player as it is (a TTS volume, a cast app's options...).
    extra: dict[str, Any] | None = None


class MediaSource(_Command):
    source: str


class MediaSeek(_Command):
    seek_position: float = Field(ge=0)


class MediaJoin(_Command):
    group_members: list[str]

    @field_validator("group_members", mode="before")
    @classmethod
    def _one_is_a_list(cls, value: Any) -> Any:
        # As Home Assistant's schema: one entity id is a list of one.
        return [value] if isinstance(value, str) else value


class MediaShuffle(_Command):
    shuffle: bool


class MediaRepeat(_Command):
    repeat: Literal["off", "all", "one"]


class MediaSoundMode(_Command):
    sound_mode: str


class NumberValue(_Command):
    value: float


class SelectOption(_Command):
    option: str


class VacuumFanSpeed(_Command):
    fan_speed: str


class VacuumSendCommand(_Command):
    command: str
    params: dict[str, Any] | list[Any] | None = None

    @field_validator("params", mode="before")
    @classmethod
    def _one_is_a_list(cls, value: Any) -> Any:
        # As Home Assistant's schema: a mapping, or a list (one value a list of one).
        return value if value is None or isinstance(value, dict | list) else [value]


class SirenTurnOn(_Command):
    tone: str | int | None = None
    volume_level: float | None = Field(None, ge=0, le=1)
    duration: int | None = Field(None, ge=0)


class WaterHeaterTemperature(_Command):
    temperature: float
    operation_mode: str | None = None


class HumidifierHumidity(_Command):
    humidity: int = Field(ge=0, le=100)


class HumidifierMode(_Command):
    mode: str


class WaterHeaterOperationMode(_Command):
    operation_mode: str


class WaterHeaterAwayMode(_Command):
    away_mode: bool


class TextValue(_Command):
    value: str


def normalize_light_command(
    data: Mapping[str, Any],
    current_brightness: int | None = None,
    *,
    modes: Collection[str] | None = None,
    kelvin_range: tuple[int, int] = (2000, 6535),
    kept_brightness: int | None = None,
) -> dict[str, Any]:
    """``light.turn_on`` data in canonical terms: brightness 0-255, colour temperature in K,
    a colour name as ``rgb_color``, a built-in ``profile`` as its colour and brightness.
    Given the light's colour ``modes`` (and its warmest and coolest Kelvin), a colour or
    colour temperature it lacks becomes one it has and ``white: true`` its brightness, as
    Home Assistant's light service does. ``current_brightness`` is the brightness while
    on (a step starts from it, else 0); ``kept_brightness`` the one a light remembers
    while off, which an rgbww light's emulated colour temperature uses when the call
    gives none (default: the current)."""
    out = dict(data)
    if "profile" in out:
        apply_profile(out)
    if "color_name" in out:
        out["rgb_color"] = colour_name_rgb(str(out.pop("color_name")))
    if "brightness_pct" in out:
        out["brightness"] = round(float(out.pop("brightness_pct")) * 255 / 100)
    base = current_brightness if current_brightness is not None else 0
    if "brightness_step" in out:
        out["brightness"] = max(0, min(255, base + int(out.pop("brightness_step"))))
    if "brightness_step_pct" in out:
        step = round(float(out.pop("brightness_step_pct")) * 255 / 100)
        out["brightness"] = max(0, min(255, base + step))
    if "kelvin" in out:
        out["color_temp_kelvin"] = int(out.pop("kelvin"))
    if "color_temp" in out:
        out["color_temp_kelvin"] = kelvin_mireds(float(out.pop("color_temp")))
    if modes is not None:
        kept = current_brightness if kept_brightness is None else kept_brightness
        brightness = out.get("brightness", kept)
        convert_turn_on_colour(out, modes, kelvin_range, brightness)
        if out.get("white") is True:
            out["white"] = current_brightness
        if "white" in out and "white" in modes:
            out["white"] = out.pop("brightness", out["white"])
    return out
