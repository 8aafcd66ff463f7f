"""Steps that tell rather than act: an event fired on the bus, a conversation response."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ._action_call_values import _renderable, _Templated
from ._actions import ActionStep, Run, render
from ._errors import fail
from ._templates import TemplateError
from ._trace import trace_set_result

if TYPE_CHECKING:
    from ._script import Script

__all__ = ["EVENT_CONVERSATION_RESPONSE", "_ConversationResponse", "_Event"]

EVENT_CONVERSATION_RESPONSE = "homeloom_conversation_response"
_LOGGER = logging.getLogger(__name__)


class _Event(ActionStep):
    """Fires an event on the bus.

    As Home Assistant: ``event_data`` then ``event_data_template`` are rendered, each on
    its own, the second's keys over the first's; one that fails to render is logged
    and left out, and the event fires all the same.
    """

    __slots__ = ("data", "event_type")
    may_wait = False

    def build(self, config: Mapping[str, Any], path: str, script: Script) -> None:
        # Taken as written, braces and all: Home Assistant renders only the data.
        self.event_type = str(config["event"])
        for key in ("event_data", "event_data_template"):
            if key in config and not isinstance(config[key], Mapping):  # none too, as there
                message = f"'{key}' must be a mapping (a template goes in its values)"
                raise fail(config, key, f"{path}.{key}", message)
        self.data = tuple(
            config[key] for key in ("event_data", "event_data_template") if config.get(key)
        )

    async def act(self, run: Run) -> None:
        name = self.event_type
        payload: dict[str, Any] = {}
        for data in self.data:
            try:
                payload.update(render(self.engine, data, run))
            except TemplateError as err:
                _LOGGER.error("%s: Error rendering event data template: %s", self.path, err)
        trace_set_result(event=name, event_data=payload)
        self.runtime.bus.fire(name, payload, run.context)


class _ConversationResponse(ActionStep):
    """Say something to the person whose sentence started the run (``conversation.process``)."""

    __slots__ = ("text",)

    def build(self, config: Mapping[str, Any], path: str, script: Script) -> None:
        engine = self.engine
        self.text = _renderable(engine, config["set_conversation_response"])

    async def act(self, run: Run) -> None:
        said = self.text.render(run) if type(self.text) is _Templated else self.text
        text = "" if said is None else str(said)
        trace_set_result(response=text)
        self.runtime.bus.fire(EVENT_CONVERSATION_RESPONSE, {"text": text}, run.context)
