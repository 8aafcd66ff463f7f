"""Template weather entities, as Home Assistant 2024.3 makes them: the legacy
``weather:`` items with ``platform: template`` (state-based: each template rendered
again when what it reads changes) and ``weather:`` items of a ``template:`` block with
``trigger`` (rendered when the trigger fires, restored after a restart).

The state is the condition (a state-based one only when it is one of the weather
conditions, else ``unknown``); the attributes are the values converted from the
entity's own units to the house's (``_template_weather_values``). A forecast template
per kind (``forecast_daily_template``...) gives ``weather.get_forecasts`` its answer
and the entity its ``supported_features``.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from homeloom.orchestrator import (
    ConfigIssue,
    Context,
    Runtime,
    ServiceCall,
    ServiceResponse,
    ServiceValidationError,
)

from ._errors import ScenarioConfigError, fail, issue_at
from ._ha_restore import restored_extra_data, restored_state
from ._platform_options import domain_items
from ._template_entity_config import _compile, _Definition, _entity_id, _optional_template
from ._template_state_entities import _Reads, _StateBasedEntity
from ._template_states import TemplateState
from ._template_trigger_entities import _TriggerBasedEntity
from ._template_weather_values import (
    CONDITIONS,
    UNIT_KEYS,
    convert_forecast,
    forecast_problem,
    weather_attributes,
)
from ._templates import Template, TemplateError

__all__ = ["setup_legacy_template_weather", "template_block_weather"]

_LOGGER = logging.getLogger(__name__)

DOMAIN = "weather"
# Each template key and the value it gives.
_TEMPLATES = {
    "condition_template": "condition",
    "temperature_template": "temperature",
    "humidity_template": "humidity",
    "attribution_template": "attribution",
    "pressure_template": "pressure",
    "wind_speed_template": "wind_speed",
    "wind_bearing_template": "wind_bearing",
    "ozone_template": "ozone",
    "visibility_template": "visibility",
    "forecast_template": "forecast",
    "forecast_daily_template": "daily",
    "forecast_hourly_template": "hourly",
    "forecast_twice_daily_template": "twice_daily",
    "wind_gust_speed_template": "wind_gust_speed",
    "cloud_coverage_template": "cloud_coverage",
    "dew_point_template": "dew_point",
    "apparent_temperature_template": "apparent_temperature",
}
_REQUIRED = ("name", "condition_template", "temperature_template", "humidity_template")
_KEYS = frozenset({"name", "unique_id", *_TEMPLATES, *UNIT_KEYS})
# Each forecast kind and its supported_features bit.
_FORECAST_KINDS = {"daily": 1, "hourly": 2, "twice_daily": 4}
# A trigger-based entity renders these three as text (Home Assistant parses the others).
_TEXT_VALUES = frozenset({"condition", "temperature", "humidity"})
# What Home Assistant saves beside a trigger-based weather's state, and its value.
_SAVED = (
    "apparent_temperature",
    "cloud_coverage",
    "dew_point",
    "humidity",
    "ozone",
    "pressure",
    "temperature",
    "visibility",
    "wind_bearing",
    "wind_gust_speed",
    "wind_speed",
)


@dataclass(slots=True)
class _Weather:
    """One template weather: its entity, its value templates and its native units."""

    definition: _Definition
    templates: dict[str, Template]
    units: dict[str, str | None] = field(default_factory=dict)

    @property
    def features(self) -> int:
        return sum(bit for kind, bit in _FORECAST_KINDS.items() if kind in self.templates)


class _WeatherEntity:
    """What state-based and trigger-based weathers share: their state and answers."""

    runtime: Runtime
    weather: _Weather
    values: dict[str, Any]

    def weather_state(self) -> tuple[str, dict[str, Any]]:
        attributes = weather_attributes(
            self.values, self.weather.units, self.runtime.settings.unit_system
        )
        features = self.weather.features
        attributes["supported_features"] = features
        condition = self.values.get("condition")
        return ("unknown" if condition is None else str(condition)), attributes

    def forecast(self, kind: str) -> list[dict[str, Any]]:
        forecasts = self.values.get(kind)
        if not isinstance(forecasts, list):
            return []
        return convert_forecast(forecasts, self.weather.units, self.runtime.settings.unit_system)


class TemplateWeather(_WeatherEntity, _StateBasedEntity):
    """A legacy template weather: rendered again when what its templates read changes."""

    def __init__(self, runtime: Runtime, weather: _Weather) -> None:
        super().__init__(runtime, weather.definition)
        self.weather = weather
        self.values = {}

    def start(self) -> None:
        if not self.entity_id:  # not added: see ``registered_entity_id``
            return
        _weathers(self.runtime)[self.entity_id] = self
        super().start()

    def render_state(self, reads: _Reads, variables: Mapping[str, Any]) -> Any:
        return {
            key: reads.render(template, variables, self.entity_id)
            for key, template in self.weather.templates.items()
        }

    def publish(
        self, value: Any, attributes: dict[str, Any], context: Context, reads: _Reads
    ) -> None:
        for key, result in value.items():
            # As Home Assistant: a template that failed leaves its value None.
            self.values[key] = None if isinstance(result, TemplateError) else result
        condition = self.values.get("condition")
        if not isinstance(condition, str) or condition not in CONDITIONS:
            self.values["condition"] = None
        for kind in _FORECAST_KINDS:
            if kind in self.values:
                self.values[kind] = self.checked_forecast(kind, self.values[kind])
        state, shown = self.weather_state()
        shown["attribution"] = self.values.get("attribution") or "Powered by Home Assistant"
        self.write(state, shown, context)

    def checked_forecast(self, kind: str, forecasts: Any) -> list[Any] | None:
        """The forecasts, or None (logged) when they are not what Home Assistant
        accepts: a list of mappings of forecast keys with a ``datetime`` (and an
        ``is_daytime`` for twice-daily ones)."""
        if forecasts is None:
            return None
        problem = forecast_problem(kind, forecasts)
        if problem is not None:
            _LOGGER.error("%s: %s forecast: %s", self.entity_id, kind, problem)
            return None
        return list(forecasts)


class TriggerWeather(_WeatherEntity, _TriggerBasedEntity):
    """A trigger-based template weather: rendered when its block's trigger fires."""

    def __init__(self, runtime: Runtime, weather: _Weather) -> None:
        super().__init__(runtime, weather.definition)
        self.weather = weather
        self.values = {}
        self.last_name: str | None = None

    def publish_first(self) -> None:
        """``unknown``, or as saved before a restart: Home Assistant restores a set
        condition with the values it saved beside it (homeloom's own saved state
        gives them from its attributes)."""
        _weathers(self.runtime)[self.entity_id] = self
        self.runtime.services.set_refresher(self.entity_id, self.refuse_refresh)
        saved = restored_state(self.runtime, self.entity_id)
        extra = restored_extra_data(self.runtime, self.entity_id)
        if saved is not None and saved.state not in ("unknown", "unavailable"):
            if extra is None:
                self.values = {key: saved.attributes.get(key) for key in _SAVED}
            elif all(f"last_{key}" in extra for key in _SAVED):
                self.values = {key: extra[f"last_{key}"] for key in _SAVED}
            if self.values:
                self.values["condition"] = saved.state
                with contextlib.suppress(ValueError):  # as Home Assistant: then no values
                    self.values = _coerced(self.values)
        self.publish(Context())

    def on_data(self, run_variables: Mapping[str, Any], context: Context) -> None:
        current = self.runtime.states.get(self.entity_id)
        variables = {"this": TemplateState(current) if current else None, **run_variables}
        try:
            rendered = {
                key: template.render(variables, parse_result=key not in _TEXT_VALUES)
                for key, template in self.weather.templates.items()
                if key != "attribution"  # a trigger-based weather has none
            }
            name = self.definition.name
            if name is not None and not name.is_static:
                self.last_name = str(name.render(variables, parse_result=False))
        except TemplateError as err:
            _LOGGER.error("%s: error rendering a template: %s", self.entity_id, err)
            self.values = {}
            self.publish(context, unavailable=True)
            return
        try:
            values = _coerced(rendered)
        except ValueError as err:
            # As Home Assistant, whose state write then fails: the state stays.
            _LOGGER.error("%s: %s", self.entity_id, err)
            return
        self.values = values
        self.publish(context)

    def publish(self, context: Context, *, unavailable: bool = False) -> None:
        state, attributes = self.weather_state()
        if self.last_name is not None and not unavailable:
            attributes["friendly_name"] = self.last_name
        if unavailable:  # as Home Assistant: an unavailable entity shows no values
            features = {"supported_features": attributes["supported_features"]}
            self.write("unavailable", self.static_attributes() | features, context)
            return
        self.write(state, self.static_attributes() | attributes, context)


def _coerced(values: Mapping[str, Any]) -> dict[str, Any]:
    """A trigger-based weather's values as Home Assistant reads them: each measure a
    number (a wind bearing a number or a text); ValueError for a measure that is none."""
    coerced: dict[str, Any] = {}
    for key, value in values.items():
        if key in _FORECAST_KINDS or key in ("forecast", "condition") or value is None:
            coerced[key] = value
            continue
        try:
            coerced[key] = float(value)
        except (TypeError, ValueError, OverflowError):
            if key != "wind_bearing":
                raise ValueError(f"{key} {value!r} is not a number") from None
            coerced[key] = str(value)
    return coerced


def _weathers(runtime: Runtime) -> dict[str, _WeatherEntity]:
    """The house's template weathers by entity id; the first registers get_forecasts."""
    weathers: dict[str, _WeatherEntity] | None = runtime.components.get("template_weather")
    if weathers is None:
        weathers = runtime.components["template_weather"] = {}
        known = weathers

        def get_forecasts(call: ServiceCall) -> ServiceResponse:
            kind: str = call.data["type"]
            answer: dict[str, Any] = {}
            for entity_id in call.entity_ids:
                entity = known.get(entity_id)
                if entity is None:
                    continue
                if not entity.weather.features:
                    raise ServiceValidationError(
                        DOMAIN,
                        "get_forecasts",
                        "",
                        f"Entity {entity_id} does not support this service.",
                    )
                if not entity.weather.features & _FORECAST_KINDS[kind]:
                    raise ServiceValidationError(
                        DOMAIN,
                        "get_forecasts",
                        "type",
                        f"Weather entity '{entity_id}' does not support '{kind}' forecast",
                    )
                answer[entity_id] = {"forecast": entity.forecast(kind)}
            return answer

        runtime.services.register(
            DOMAIN,
            "get_forecasts",
            get_forecasts,
            schema=_GetForecasts,
            target="required",
            entity_domains=(DOMAIN,),
            supports_response="only",
        )
    return weathers


_ForecastKind = Literal["daily", "hourly", "twice_daily"]


class _GetForecasts(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)
    type: _ForecastKind


def _read_weather(
    runtime: Runtime,
    entry: Any,
    container: Any,
    key: Any,
    path: str,
    taken: set[str],
    *,
    allowed: frozenset[str] = _KEYS,
    block_id: Any = None,
) -> _Weather:
    """The weather ``entry`` (``container[key]``) describes, as Home Assistant's
    schema accepts it."""
    if not isinstance(entry, Mapping):
        raise fail(container, key, path, "expected a mapping")
    problems = [
        issue_at(
            entry,
            name,
            f"{path}.{name}",
            f"unknown key {name!r}; valid: {', '.join(sorted(allowed - {'platform'}))}",
        )
        for name in entry
        if name not in allowed
    ]
    problems += [
        issue_at(container, key, path, f"missing {name!r}")
        for name in _REQUIRED
        if name not in entry
    ]
    problems += [  # as Home Assistant's schema: a template that is nothing is refused
        issue_at(entry, name, f"{path}.{name}", "expected a template (a text)")
        for name in ("name", *_TEMPLATES)
        if name in entry and entry[name] is None
    ]
    for name, (_, accepted) in UNIT_KEYS.items():
        if name in entry and entry[name] not in accepted:
            message = f"{entry[name]!r} is not a unit of this kind; valid: {', '.join(accepted)}"
            problems.append(issue_at(entry, name, f"{path}.{name}", message))
    if problems:
        raise ScenarioConfigError(problems)
    templates: dict[str, Template] = {}
    for name, value_key in _TEMPLATES.items():
        template = _optional_template(runtime, entry, name, f"{path}.{name}")
        if template is not None:
            templates[value_key] = template
    name_template = _compile(runtime, entry, "name", f"{path}.name", str(entry["name"]))
    definition = _Definition(
        domain=DOMAIN,
        entity_id="",
        name=name_template,
        state=templates["condition"],
        availability=None,
        icon=None,
        picture=None,
        attributes={},
    )
    definition.entity_id = _entity_id(DOMAIN, name_template, entry, block_id, taken, runtime)
    units = {kind: entry.get(name) for name, (kind, _) in UNIT_KEYS.items()}
    return _Weather(definition, templates, units)


def template_block_weather(
    runtime: Runtime, item: Mapping[str, Any], where: str, taken: set[str]
) -> list[_TriggerBasedEntity]:
    """The trigger-based weathers of one ``template:`` block item with ``trigger``."""
    entries = item.get(DOMAIN)
    if entries is None:
        return []
    entries = entries if isinstance(entries, list) else [entries]
    weathers = [
        _read_weather(
            runtime,
            entry,
            entries,
            number,
            f"{where}.{DOMAIN}[{number}]",
            taken,
            block_id=item.get("unique_id"),
        )
        for number, entry in enumerate(entries)
    ]
    return [TriggerWeather(runtime, weather) for weather in weathers]


def setup_legacy_template_weather(runtime: Runtime, config: Mapping[str, Any]) -> list[ConfigIssue]:
    """Make every ``weather:`` item with ``platform: template`` (labelled blocks too); an
    item with a problem is reported and skipped, as Home Assistant skips it."""
    issues: list[ConfigIssue] = []
    taken: set[str] = set()
    for _, where, item in domain_items(config, (DOMAIN,), "template"):
        try:
            weather = _read_weather(
                runtime, item, item, None, where, taken, allowed=_KEYS | {"platform"}
            )
        except ScenarioConfigError as err:
            issues.extend(err.issues)
            continue
        TemplateWeather(runtime, weather).start()
    return issues
