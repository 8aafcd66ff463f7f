"""Home Assistant MQTT discovery lights, one module a schema: the default schema (one
topic per feature), the JSON schema (one JSON object each way) and the template schema
(the device's own templates each way); what they share is in ``_ha_light_base``."""

from __future__ import annotations

from ._ha_light_default import DefaultLight
from ._ha_light_json import JsonLight
from ._ha_light_template import TemplateLight

__all__ = ["DefaultLight", "JsonLight", "TemplateLight"]
