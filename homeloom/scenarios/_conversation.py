"""Conversation: sentences a person types (or a voice assistant transcribes) run scenarios.

The ``conversation`` trigger lists sentence templates as Home Assistant writes
them: words match whatever their case, punctuation is ignored, ``[optional
words]``, ``(this|that)`` alternatives, and ``{slot}`` wildcards that the
scenario reads in ``trigger.slots``. ``conversation.process`` (``text``) runs
the matching scenarios and answers with what they said through
``set_conversation_response`` ("Done" when they said nothing) once they have
said it or finished.
"""

from __future__ import annotations

import asyncio
import re
import unicodedata
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, ConfigDict

from homeloom.orchestrator import Context, Event, Runtime, ServiceCall, Unsubscribe

from ._action_calls import EVENT_CONVERSATION_RESPONSE
from ._automation import EVENT_AUTOMATION_TRIGGERED, EVENT_RUN_FINISHED

__all__ = [
    "EVENT_CONVERSATION_RESPONSE",
    "Conversation",
    "compile_sentence",
    "get_conversation",
    "normalize",
]

RESPONSE_TIMEOUT_S = 30.0
NOT_UNDERSTOOD = "Sorry, I couldn't understand that"
# The marks Home Assistant's matcher (hassil 1.6) passes over between the words of a
# sentence template, and takes off the end of a slot's words; a slot keeps those
# within them ("21.5", "warm, cosy") and every other character ("o'brien", "°c").
# The Latin ones, and their full-width (and Arabic) forms.
_MARKS = ".\u3002,\uff0c?¿\uff1f\u061f!¡\uff01;\uff1b:\uff1a"
_MARK = f"[{re.escape(_MARKS)}]"
_MARKS_AT_END = re.compile(f"{_MARK}+\\s*$")
# Between words: a space, with marks standing alone before it ("good , night").
_BETWEEN = f"(?: ?{_MARK}++)*+ ?"
_SPACES = re.compile(r"\s+")

Handler = Callable[[dict[str, Any], Context], None]


class _Process(BaseModel):
    model_config = ConfigDict(extra="allow", defer_build=True)
    text: str


def _nothing() -> None:
    pass


def normalize(text: str) -> str:
    """A sentence as Home Assistant's matcher reads it: its spaces single, its case
    folded ("Straße" as "strasse"), its accents composed; its marks kept."""
    return unicodedata.normalize("NFC", _SPACES.sub(" ", text).casefold()).strip()


def _slot_value(text: str) -> str:
    """A slot's words as Home Assistant gives them: without the marks that end them."""
    return _MARKS_AT_END.sub("", text).strip()


def compile_sentence(template: str) -> re.Pattern[str]:
    """A sentence template as a pattern over normalized text; raises ValueError."""
    out: list[str] = []
    depth: list[str] = []
    slots: set[str] = set()
    spaced = template.replace("{", " {").replace("}", "} ")
    index, text = 0, normalize(re.sub(_MARK, "", spaced))
    while index < len(text):
        char = text[index]
        if char in "[(":
            depth.append(char)
            out.append("(?:")
        elif char in "])":
            if not depth or depth.pop() != ("[" if char == "]" else "("):
                raise ValueError(f"unbalanced {char!r} in {template!r}")
            out.append(")?" if char == "]" else ")")
        elif char == "|":
            out.append("|")
        elif char == "{":
            end = text.find("}", index)
            name = text[index + 1 : end].strip() if end > 0 else ""
            if not name.isidentifier() or name in slots:
                raise ValueError(f"slot {{{name}}} in {template!r} must be a new name")
            slots.add(name)
            out.append(f"(?P<{name}>.+?)")
            index = end
        elif char == " ":
            # Marks before a slot are the slot's ("¿qué tal"), as Home Assistant keeps them.
            out.append(" ?" if text.startswith("{", index + 1) else _BETWEEN)
        else:
            out.append(re.escape(char) + f"{_MARK}*+")  # a word's marks: "to:", "door."
        index += 1
    if depth:
        raise ValueError(f"unclosed {depth[-1]!r} in {template!r}")
    return re.compile(_BETWEEN + "".join(out) + _BETWEEN)


class Conversation:
    """Kept as ``runtime.components["conversation"]``; offers ``conversation.process``."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self._listeners: list[tuple[list[re.Pattern[str]], Handler]] = []
        runtime.components["conversation"] = self
        runtime.services.register(
            "conversation",
            "process",
            self._process,
            schema=_Process,
            supports_response="optional",
            description="run the scenarios whose conversation trigger matches a sentence",
        )

    def listen(self, patterns: list[re.Pattern[str]], handler: Handler) -> Unsubscribe:
        entry = (patterns, handler)
        self._listeners.append(entry)

        def stop() -> None:
            if entry in self._listeners:
                self._listeners.remove(entry)

        return stop

    async def _process(self, call: ServiceCall) -> dict[str, Any]:
        return await self.process(str(call.data["text"]), call.context)

    async def process(self, text: str, caller: Context | None = None) -> dict[str, Any]:
        """Run what ``text`` matches; the answer in Home Assistant's response shape."""
        context = Context(
            parent_id=caller.id if caller else None,
            user_id=caller.user_id if caller else None,
            origin="user",
            source="conversation",
        )
        said: list[str] = []
        runs = {"started": 0, "finished": 0}
        # Runs start at once, so one may end before the next matching scenario has
        # started: "all ended" means something only once every match has started.
        matching = True
        done = asyncio.get_running_loop().create_future()

        wake: Callable[[], None] = _nothing  # set while this waits for the answer

        def ours(event: Event) -> bool:
            return event.context.parent_id == context.id

        def answered() -> None:
            if not done.done():
                done.set_result(None)
                wake()  # busy from now on: the caller must take its answer before idle()

        def on_started(event: Event) -> None:
            if ours(event):
                runs["started"] += 1

        def on_finished(event: Event) -> None:
            if ours(event):
                runs["finished"] += 1
                if not matching and runs["finished"] >= runs["started"]:
                    answered()

        def on_response(event: Event) -> None:
            if ours(event):
                said.append(str(event.data.get("text", "")))
                answered()

        bus = self.runtime.bus
        undo = [
            bus.listen(EVENT_AUTOMATION_TRIGGERED, on_started),
            bus.listen(EVENT_RUN_FINISHED, on_finished),
            bus.listen(EVENT_CONVERSATION_RESPONSE, on_response),
        ]
        try:
            matched = self._match(text, context)
            matching = False
            if matched and runs["started"] > runs["finished"] and not said:
                # Parked until answered (or given up on), and busy from that moment: a
                # timeout block would keep this parked until it wakes, a turn later.
                with self.runtime.tasks.parked_until_woken() as wake:
                    give_up = self.runtime.scheduler.call_later(
                        RESPONSE_TIMEOUT_S, lambda _: answered()
                    )
                    try:
                        await done
                    finally:
                        give_up()
        finally:
            for stop in undo:
                stop()
        speech = said[0] if said else ("Done" if matched else NOT_UNDERSTOOD)
        return {
            "response": {
                "response_type": "action_done" if matched else "error",
                "speech": {"plain": {"speech": speech}},
            },
            "matched": matched,
        }

    def _match(self, text: str, context: Context) -> bool:
        sentence = normalize(text)
        matched = False
        for patterns, handler in list(self._listeners):
            for pattern in patterns:
                found = pattern.fullmatch(sentence)
                if found is None:
                    continue
                slots = {k: _slot_value(v) for k, v in found.groupdict().items() if v}
                if all(slots.values()):  # a slot of marks alone matches nothing
                    details = {k: {"name": k, "text": v, "value": v} for k, v in slots.items()}
                    handler({"sentence": text, "slots": slots, "details": details}, context)
                    matched = True
                    break
        return matched


def get_conversation(runtime: Runtime) -> Conversation:
    found = runtime.components.get("conversation")
    return found if isinstance(found, Conversation) else Conversation(runtime)
