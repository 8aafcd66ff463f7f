"""The ``mqtt.publish`` service: send any message, from a scenario or the dashboard."""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from homeloom.orchestrator import ServiceCall, ServiceValidationError

from ._router import MqttRouter
from ._topics import validate_topic

__all__ = ["PublishData", "publish_handler"]


class PublishData(BaseModel):
    """``mqtt.publish`` data, as in Home Assistant."""

    model_config = ConfigDict(extra="forbid")
    topic: str
    payload: Any = None
    qos: int = Field(0, ge=0, le=2)
    retain: bool = False
    evaluate_payload: bool = False

    @field_validator("topic")
    @classmethod
    def _topic(cls, value: str) -> str:
        return validate_topic(value, wildcards=False)

    @field_validator("qos", mode="before")
    @classmethod
    def _qos(cls, value: Any) -> Any:
        return int(value) if isinstance(value, str) and value.isdigit() else value


def payload_text(payload: Any) -> str | bytes:
    if payload is None:
        return b""
    if isinstance(payload, str | bytes):
        return payload
    if isinstance(payload, bool):
        return "true" if payload else "false"
    if isinstance(payload, int | float):
        return str(payload)
    return json.dumps(payload)


def publish_handler(router: MqttRouter) -> Any:
    async def publish(call: ServiceCall) -> None:
        data = call.data
        topic = str(data["topic"])
        payload = data.get("payload")
        if data.get("evaluate_payload") and isinstance(payload, str):
            if not (payload.startswith("b'") or payload.startswith('b"')):
                raise ServiceValidationError(
                    "mqtt", "publish", "payload", "evaluate_payload needs a bytes literal b'...'"
                )
            payload = payload[2:-1].encode("latin-1").decode("unicode_escape").encode("latin-1")
        await router.publish(
            topic, payload_text(payload), int(data.get("qos", 0)), bool(data.get("retain", False))
        )

    return publish
