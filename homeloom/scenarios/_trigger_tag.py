"""The tag trigger: an NFC tag (or a QR code) scanned, as Home Assistant 2024.3's.

A scan is the ``tag_scanned`` event (data ``tag_id``, ``device_id`` and the tag's
``name``), fired by whatever read the tag; the trigger matches its tag and,
optionally, the device that read it. The tags made in the UI (``.storage/tag``)
change nothing here: Home Assistant reads them only when one of its own
integrations reports a scan, to name the tag in the event it fires then.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from homeloom.orchestrator import Event, Runtime, Unsubscribe

from ._errors import fail
from ._template_repr import template_event
from ._triggers import Attach, Fire, Validate, as_list

__all__ = ["TAG_PLATFORMS"]

EVENT_TAG_SCANNED = "tag_scanned"


def _ids(config: Mapping[str, Any], key: str) -> list[str]:
    """``tag_id`` or ``device_id``: one or a list of ids, each read as its text (a
    number too), as Home Assistant's ``cv.string``; a mapping, a list or null in the
    list is refused (null alone is the empty list)."""
    ids = []
    for value in as_list(config.get(key)):
        if value is None or isinstance(value, Mapping | list):
            raise fail(
                config,
                key,
                f"{config['_path']}.{key}",
                f"'{key}' is one id or a list of ids (strings), not {value!r}",
            )
        ids.append(str(value))
    return ids


def _validate_tag(runtime: Runtime, config: Mapping[str, Any]) -> None:
    if "tag_id" not in config:
        raise fail(
            config,
            None,
            f"{config['_path']}.tag_id",
            "'tag_id' is required: the tag's id, or a list of ids",
        )
    _ids(config, "tag_id")
    _ids(config, "device_id")


def _attach_tag(runtime: Runtime, config: Mapping[str, Any], fire: Fire) -> Unsubscribe:
    # Plain strings, never templates, as Home Assistant reads them.
    tag_ids = frozenset(_ids(config, "tag_id"))
    device_ids = frozenset(_ids(config, "device_id")) if "device_id" in config else None

    def on_scan(event: Event) -> None:
        data = event.data
        tag_id, device_id = data.get("tag_id"), data.get("device_id")
        # An id of another type (a number) is no string id, so never a match.
        if not isinstance(tag_id, str) or tag_id not in tag_ids:
            return
        if device_ids is not None and (
            not isinstance(device_id, str) or device_id not in device_ids
        ):
            return
        scanned = {
            "event": template_event(event, EVENT_TAG_SCANNED),
            "description": "Tag scanned",
        }
        fire(scanned, event.context)

    return runtime.bus.listen(EVENT_TAG_SCANNED, on_scan)


TAG_PLATFORMS: dict[str, tuple[Attach, Validate]] = {"tag": (_attach_tag, _validate_tag)}
