"""Bayesian binary sensors: ``binary_sensor:`` items with ``platform: bayesian``, as Home
Assistant 2024.3 makes them.

The sensor starts from its ``prior`` probability and updates it by Bayes' rule with
each of its ``observations`` that holds (``prob_given_true``/``prob_given_false``) or
does not (one minus each); it is on while the result is at least its
``probability_threshold`` (0.5 unless given). An observation is of ``platform: state``
(the entity is in ``to_state``), ``numeric_state`` (its number is above ``above`` and
below ``below``) or ``template`` (``value_template`` renders true). An entity that is
unknown, unavailable or missing (or not a number, for numeric_state) tells nothing:
its observation is skipped. A ``to_state`` naming an ``input_*`` entity
(``input_select.mode``) asks for that entity's state, read when the observed entity
changes (a missing one: the observation tells nothing). Several state observations of
one entity become ``multi_state``: each holds when its ``to_state`` is the state, and
tells nothing otherwise. A template tells nothing only when it fails; once a change of
an entity it read re-renders it to a new result, the observation shows that entity's
id.

The updates run in Home Assistant's order, which shapes no result but is shown: the
template observations first (in order of their first appearance), then the entities'.
An observation without ``prob_given_false`` is dropped and reported (Home Assistant
logs it and raises a repair issue); two observations of one entity (or two templates)
that mirror each other (probabilities summing to 1) are logged as Home Assistant's
repair issue warns. Attributes: ``probability`` (rounded to 2 digits),
``probability_threshold``, ``occurred_observation_entities`` (the entities whose
observation tells something; Home Assistant lists them in no set order, homeloom
sorted), ``observations`` (each as configured, with ``observed`` when it tells
something), ``device_class`` if given.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from homeloom.orchestrator import ConfigIssue, Context, Event, Runtime

from ._condition_state import _INPUT_ENTITY_ID
from ._errors import issue_at
from ._platform_options import (
    OptionError,
    entity_id_option,
    number_option,
    option_issue,
    refuse_unknown_keys,
    required_text_option,
    text_option,
)
from ._registered_ids import registered_entity_id, with_registry_names
from ._slugs import entity_slug
from ._template_tracking import ReadWatch
from ._templates import (
    Template,
    TemplateEngine,
    TemplateError,
    as_boolean,
    get_template_engine,
)

__all__ = ["BayesianSensor", "setup_bayesian"]

_LOGGER = logging.getLogger(__name__)
DEFAULT_NAME = "Bayesian Binary Sensor"
_GONE = ("unknown", "unavailable")
_KEYS = ("name", "unique_id", "device_class", "observations", "prior", "probability_threshold")
_PROBABILITIES = ("prob_given_true", "prob_given_false")
_OBSERVATION_KEYS = {
    "state": ("platform", "entity_id", "to_state", *_PROBABILITIES),
    "numeric_state": ("platform", "entity_id", "above", "below", *_PROBABILITIES),
    "template": ("platform", "value_template", *_PROBABILITIES),
}
_NOTHING = object()  # a template not rendered yet


@dataclass
class Observation:
    platform: str
    prob_given_true: float
    prob_given_false: float
    entity_id: str | None = None
    to_state: str | None = None
    above: float | None = None
    below: float | None = None
    template: str | None = None
    observed: bool | None = None

    def shown(self) -> dict[str, Any]:
        """As Home Assistant shows it: the keys that hold something, in its order."""
        found = {
            "platform": self.platform,
            "entity_id": self.entity_id,
            "value_template": self.template,
            "to_state": self.to_state,
            "above": self.above,
            "below": self.below,
            "prob_given_true": self.prob_given_true,
            "prob_given_false": self.prob_given_false,
            "observed": self.observed,
        }
        return {key: value for key, value in found.items() if value is not None}

    def mirrors(self, other: Observation) -> bool:
        return (
            self.platform == other.platform
            and round(self.prob_given_true + other.prob_given_true, 1) == 1
            and round(self.prob_given_false + other.prob_given_false, 1) == 1
        )


def updated(prior: float, given_true: float, given_false: float) -> float:
    """Bayes' rule, as Home Assistant writes it."""
    numerator = given_true * prior
    return numerator / (numerator + given_false * (1 - prior))


class _TemplateWatch:
    """One distinct template, rendered again when what it read changes; its observations
    change only when its result does, as Home Assistant's template tracking reports."""

    def __init__(
        self, sensor: BayesianSensor, template: Template, observations: list[Observation]
    ) -> None:
        self.sensor = sensor
        self.template = template
        self.observations = observations
        self.last: object = _NOTHING
        self.tracking = ReadWatch(sensor.runtime, self._changed)

    def refresh(self, event: Event | None) -> bool:
        """Render; True when the result changed (the observations then follow it)."""
        try:
            result, info = self.template.render_with_info()
        except TemplateError as err:
            result = err
            self.tracking.follow_failed(err.read.entities if err.read else ())
        else:
            self.tracking.follow(info)
        same_error = isinstance(result, TemplateError) and isinstance(self.last, TemplateError)
        if same_error or (not isinstance(result, TemplateError) and result == self.last):
            return False
        self.last = result
        if isinstance(result, TemplateError):
            _LOGGER.error("%s: %s", self.sensor.entity_id, result)
        observed = None if isinstance(result, TemplateError) else as_boolean(result)
        for observation in self.observations:
            observation.observed = observed
            if event is not None:  # as Home Assistant: the entity whose change did it
                observation.entity_id = event.data["entity_id"]
        return True

    def _changed(self, event: Event | None) -> None:
        if self.refresh(event):
            self.sensor.write(event.context if event is not None else None)


@dataclass
class BayesianSensor:
    runtime: Runtime
    entity_id: str
    name: str
    prior: float
    threshold: float
    observations: list[Observation]
    device_class: str | None = None
    by_entity: dict[str, list[Observation]] = field(default_factory=dict)
    watches: list[_TemplateWatch] = field(default_factory=list)
    # Home Assistant's order of updates: the templates', then the entities'.
    ordered: list[Observation] = field(default_factory=list)

    def start(self) -> None:
        engine = get_template_engine(self.runtime)
        by_template: dict[str, list[Observation]] = {}
        for observation in self.observations:
            if observation.entity_id is not None:
                self.by_entity.setdefault(observation.entity_id, []).append(observation)
            elif observation.template is not None:
                by_template.setdefault(observation.template, []).append(observation)
        for group in self.by_entity.values():
            for observation in group:
                if len(group) > 1 and observation.platform == "state":
                    observation.platform = "multi_state"
        self.runtime.states.track(list(self.by_entity), self._entity_changed)
        for source, group in by_template.items():
            watch = _TemplateWatch(self, engine.template(source), group)
            self.watches.append(watch)
            watch.refresh(None)
        self.ordered = [o for group in by_template.values() for o in group]
        self.ordered += [o for group in self.by_entity.values() for o in group]
        for entity_id in self.by_entity:
            self._observe(entity_id)
        self._warn_mirrors(by_template)
        self.write(None)

    def _warn_mirrors(self, by_template: Mapping[str, list[Observation]]) -> None:
        pairs = [(f"{self.name}/{e}", group) for e, group in self.by_entity.items()]
        if len(by_template) == 2:
            firsts = [group[0] for group in by_template.values()]
            pairs.append((f"{self.name}/{firsts[0].template}", firsts))
        for text, group in pairs:
            if len(group) == 2 and group[0].mirrors(group[1]):
                _LOGGER.warning(
                    "bayesian %s: two observations mirror each other (probabilities summing"
                    " to 1), a workaround no longer needed since Home Assistant 2022.10",
                    text,
                )

    def _entity_changed(self, event: Event) -> None:
        self._observe(event.data["entity_id"])
        self.write(event.context)

    def _observe(self, entity_id: str) -> None:
        state = self.runtime.states.get(entity_id)
        value = None if state is None else state.state
        for observation in self.by_entity[entity_id]:
            observation.observed = _observed(observation, value, self._wanted(observation))

    def _wanted(self, observation: Observation) -> str | None:
        """The state ``to_state`` asks for: as Home Assistant's state condition, an
        ``input_*`` entity's id stands for that entity's state (read now, its changes
        not followed); None when that entity is missing."""
        wanted = observation.to_state
        if wanted is None or not _INPUT_ENTITY_ID.match(wanted):
            return wanted
        named = self.runtime.states.get(wanted)
        return None if named is None else named.state

    def probability(self) -> float:
        probability = self.prior
        for observation in self.ordered:
            if observation.observed is True:
                given = (observation.prob_given_true, observation.prob_given_false)
            elif observation.observed is False:
                given = (1 - observation.prob_given_true, 1 - observation.prob_given_false)
            else:
                continue  # it tells nothing
            probability = updated(probability, *given)
        return probability

    def write(self, context: Context | None) -> None:
        try:
            probability = self.probability()
        except ZeroDivisionError:  # probabilities of 0 and 1 met: Home Assistant fails so
            _LOGGER.error("%s: the observations' probabilities divide by zero", self.entity_id)
            return
        occurred = {o.entity_id for o in self.ordered if o.entity_id and o.observed is not None}
        attributes: dict[str, Any] = {
            "probability": round(probability, 2),
            "probability_threshold": self.threshold,
            "occurred_observation_entities": sorted(occurred),
            "observations": [observation.shown() for observation in self.ordered],
        }
        if self.device_class is not None:
            attributes["device_class"] = self.device_class
        attributes["friendly_name"] = self.name
        state = "on" if probability >= self.threshold else "off"
        self.runtime.states.set(
            self.entity_id,
            state,
            with_registry_names(self.runtime, self.entity_id, attributes),
            context=context or Context(),
        )


def _observed(observation: Observation, value: str | None, wanted: str | None) -> bool | None:
    """What an entity's state tells: True, False, or None for nothing (also when the
    state ``to_state`` asks for is not known: ``wanted`` None)."""
    if observation.platform == "multi_state":
        return True if value is not None and wanted is not None and value == wanted else None
    if value is None or value in _GONE:
        return None
    if observation.platform == "state":
        return None if wanted is None else value == wanted
    try:
        number = float(value)
    except ValueError:
        return None
    # Rejected only at or past a limit, as Home Assistant's numeric_state condition
    # compares: a NaN state is in every range.
    if observation.below is not None and number >= observation.below:
        return False
    return not (observation.above is not None and number <= observation.above)


def read_observation(item: Any, index: int, engine: TemplateEngine) -> Observation | None:
    """One item of ``observations``, checked as Home Assistant's schema for its platform;
    None for one without ``prob_given_false`` (valid, but left out)."""
    where = f"observations[{index}]"
    platform = item.get("platform") if isinstance(item, Mapping) else None
    if not isinstance(platform, str) or platform not in _OBSERVATION_KEYS:
        valid = ", ".join(_OBSERVATION_KEYS)
        raise OptionError("observations", f"{where}: needs a platform of {valid}")
    try:
        refuse_unknown_keys(item, _OBSERVATION_KEYS[platform], frozenset())
        given_true = number_option(item, "prob_given_true")
        if given_true is None:
            raise OptionError("prob_given_true", "'prob_given_true' missing")
        given_false = number_option(item, "prob_given_false")
        observation = Observation(platform, given_true, given_false or 0.0)
        if platform == "template":
            observation.template = required_text_option(item, "value_template")
            try:
                engine.template(observation.template).ensure_valid()
            except TemplateError as err:
                raise OptionError("value_template", str(err)) from None
        else:
            observation.entity_id = entity_id_option(item, "entity_id")
        if platform == "state":
            observation.to_state = required_text_option(item, "to_state")
        if platform == "numeric_state":
            observation.above = number_option(item, "above")
            observation.below = number_option(item, "below")
    except OptionError as err:
        raise OptionError("observations", f"{where} ({platform}): {err}") from None
    return None if given_false is None else observation


def setup_bayesian(runtime: Runtime, item: Mapping[str, Any], where: str) -> list[ConfigIssue]:
    """Make a ``platform: bayesian`` item's binary sensor; a bad item is reported and
    skipped, as Home Assistant skips a platform it cannot validate; an observation
    without ``prob_given_false`` is reported and left out."""
    try:
        refuse_unknown_keys(item, _KEYS)
        name = text_option(item, "name") or DEFAULT_NAME
        text_option(item, "unique_id")
        device_class = text_option(item, "device_class")
        prior = number_option(item, "prior")
        if prior is None:
            raise OptionError("prior", "'prior' missing")
        threshold = number_option(item, "probability_threshold")
        listed = item.get("observations")
        if listed is None:
            raise OptionError("observations", "'observations' missing")
        listed = listed if isinstance(listed, list) else [listed]
        engine = get_template_engine(runtime)
        observations = [read_observation(each, i, engine) for i, each in enumerate(listed)]
    except OptionError as err:
        return [option_issue(item, where, err)]
    issues = []
    for index, observation in enumerate(observations):
        if observation is None:  # Home Assistant logs it, raises a repair issue, goes on
            each = listed[index]
            subject = f"{name}/{each.get('entity_id', '')}{each.get('value_template', '')}"
            message = f"prob_given_false missing for {subject}: the observation is left out"
            issues.append(issue_at(each, None, f"{where}.observations[{index}]", message))
    kept = [observation for observation in observations if observation is not None]
    entity_id = registered_entity_id(
        runtime, f"binary_sensor.{entity_slug(name)}", set(), "bayesian", item.get("unique_id")
    )
    if entity_id is None:  # not added, as Home Assistant does not
        return issues
    threshold = 0.5 if threshold is None else threshold
    BayesianSensor(runtime, entity_id, name, prior, threshold, kept, device_class).start()
    return issues
