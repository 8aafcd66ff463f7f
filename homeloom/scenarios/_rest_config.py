"""RESTful sensors' options, read as Home Assistant 2024.3's ``rest`` schemas read them.

A resource (a ``rest:`` item, or a ``platform: rest`` item's own) is where and how to
ask: ``resource`` or ``resource_template``, ``method`` (``GET`` or ``POST``, in capitals),
``payload``, ``headers`` and ``params`` (templates), ``username``/``password`` with
``authentication`` ``basic`` (the default) or ``digest``, ``verify_ssl`` and
``ssl_cipher_list`` (see _rest_tls), ``timeout``
(10 s), ``encoding`` of a reply that names none, and how often (``scan_interval``). An
entity's options are its name (a template), icon, picture, ``availability``,
``value_template``, ``force_update``, ``unique_id``; a sensor's unit, device and state
classes and ``json_attributes`` (with ``json_attributes_path``); a binary sensor's
device class. Unknown keys are refused.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from homeloom.orchestrator import Runtime

from ._command_line_config import _choice, _csv_list, _device_classes, _interval, _template
from ._platform_options import (
    OptionError,
    boolean_option,
    refuse_unknown_keys,
    text_option,
)
from ._rest_json import JsonPath, JsonPathError
from ._rest_tls import CIPHER_LISTS, tls_context
from ._sensor_groups import _STATE_CLASSES
from ._templates import Template, get_template_engine

if TYPE_CHECKING:
    import ssl

__all__ = [
    "ENTITY_KINDS",
    "RESOURCE_KEYS",
    "RestEntityOptions",
    "RestResource",
    "read_entity_options",
    "read_resource",
]

ENTITY_KINDS = ("sensor", "binary_sensor")
DEFAULT_NAMES = {"sensor": "REST Sensor", "binary_sensor": "REST Binary Sensor"}
RESOURCE_KEYS = (
    "resource",
    "resource_template",
    "authentication",
    "headers",
    "params",
    "method",
    "username",
    "password",
    "payload",
    "verify_ssl",
    "ssl_cipher_list",
    "timeout",
    "encoding",
)
_ENTITY_KEYS = (
    "name",
    "icon",
    "picture",
    "unique_id",
    "availability",
    "value_template",
    "force_update",
    "device_class",
)
_SENSOR_KEYS = (*_ENTITY_KEYS, "state_class", "unit_of_measurement", "json_attributes")
_KEYS = {"sensor": (*_SENSOR_KEYS, "json_attributes_path"), "binary_sensor": _ENTITY_KEYS}
DEFAULT_TIMEOUT_S = 10
# How often a ``rest:`` item polls (Home Assistant's coordinator default), and a
# ``platform: rest`` item (the sensor and binary sensor domains' own).
BLOCK_SCAN_INTERVAL_S = 15.0
PLATFORM_SCAN_INTERVAL_S = 30.0


@dataclass(slots=True)
class RestResource:
    """Where and how to ask, and how often."""

    url: str | None
    url_template: Template | None
    method: str
    payload: str | None
    headers: dict[str, Template]
    params: dict[str, Template]
    # User name, password, and whether digest rather than basic authentication.
    login: tuple[str, str, bool] | None
    tls: ssl.SSLContext | bool  # the HTTP client's ``ssl``: see _rest_tls
    timeout_s: int
    encoding: str
    scan_interval_s: float


@dataclass(slots=True)
class RestEntityOptions:
    """One sensor's or binary sensor's options."""

    kind: str
    name: Template
    unique_id: str | None = None
    icon: Template | None = None
    picture: Template | None = None
    availability: Template | None = None
    value_template: Template | None = None
    force_update: bool = False
    device_class: str | None = None
    state_class: str | None = None
    unit: str | None = None
    json_attributes: list[str] = field(default_factory=list)
    json_attributes_path: JsonPath | None = None


def read_resource(
    runtime: Runtime, item: Mapping[str, Any], default_interval_s: float
) -> RestResource:
    """The resource ``item`` names (its other keys are not checked here)."""
    if "resource" in item and "resource_template" in item:
        message = "give either 'resource' or 'resource_template', not both"
        raise OptionError("resource_template", message)
    method = item.get("method", "GET")
    if method not in ("GET", "POST"):
        raise OptionError("method", f"method must be GET or POST, got {method!r}")
    authentication = item.get("authentication")
    if authentication not in (None, "basic", "digest"):
        message = f"authentication must be basic or digest, got {authentication!r}"
        raise OptionError("authentication", message)
    cipher_list = item.get("ssl_cipher_list", "python_default")
    if cipher_list not in CIPHER_LISTS:
        raise OptionError("ssl_cipher_list", f"ssl_cipher_list: one of {', '.join(CIPHER_LISTS)}")
    username, password = text_option(item, "username"), text_option(item, "password")
    return RestResource(
        url=_url(item),
        url_template=_template(runtime, item, "resource_template"),
        method=method,
        payload=text_option(item, "payload"),
        headers=_templates(runtime, item, "headers"),
        params=_templates(runtime, item, "params"),
        # As Home Assistant: without both a user name and a password, no login.
        login=(username, password, authentication == "digest") if username and password else None,
        tls=tls_context(boolean_option(item, "verify_ssl", True), cipher_list),
        timeout_s=_timeout(item),
        encoding=text_option(item, "encoding") or "UTF-8",
        scan_interval_s=_interval(item, default_interval_s),
    )


def read_entity_options(
    runtime: Runtime, kind: str, item: Any, *, with_resource: bool
) -> RestEntityOptions:
    """A ``kind`` entity's options; ``with_resource``: a ``platform: rest`` item, which
    holds its resource's keys too."""
    if not isinstance(item, Mapping):
        raise OptionError(None, f"a REST {kind} is a mapping of its options")
    if with_resource:
        refuse_unknown_keys(item, (*_KEYS[kind], *RESOURCE_KEYS, "entity_namespace"))
        if "resource" not in item and "resource_template" not in item:
            raise OptionError(None, "give 'resource' or 'resource_template'")
    else:
        refuse_unknown_keys(item, _KEYS[kind], base=frozenset())
    name = get_template_engine(runtime).template(text_option(item, "name") or DEFAULT_NAMES[kind])
    options = RestEntityOptions(
        kind=kind,
        name=name,
        unique_id=text_option(item, "unique_id"),
        force_update=boolean_option(item, "force_update", False),
        device_class=_choice(item, "device_class", _device_classes(kind)),
    )
    for key in ("icon", "picture", "availability", "value_template"):
        setattr(options, key, _template(runtime, item, key))
    if kind == "sensor":
        options.state_class = _choice(item, "state_class", _STATE_CLASSES)
        options.unit = text_option(item, "unit_of_measurement")
        if "json_attributes" in item:
            options.json_attributes = _csv_list(item, "json_attributes")
        path = text_option(item, "json_attributes_path")
        try:
            options.json_attributes_path = None if path is None else JsonPath.read(path)
        except JsonPathError as err:
            raise OptionError("json_attributes_path", str(err)) from None
    return options


def _url(item: Mapping[str, Any]) -> str | None:
    url = text_option(item, "resource")
    if url is not None and not url.lower().startswith(("http://", "https://")):
        raise OptionError("resource", f"invalid url {url!r}: it starts with http:// or https://")
    return url


def _templates(runtime: Runtime, item: Mapping[str, Any], key: str) -> dict[str, Template]:
    """A mapping of names to templates (``headers``, ``params``)."""
    value = item.get(key)
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise OptionError(key, f"{key} must be a mapping of names to values")
    templates: dict[str, Template] = {}
    for name, text in value.items():
        template = _template(runtime, {key: text}, key)  # refuses a value of None
        if template is not None:
            templates[str(name)] = template
    return templates


def _timeout(item: Mapping[str, Any]) -> int:
    value = item.get("timeout", DEFAULT_TIMEOUT_S)
    try:
        number = int(value)
    except (TypeError, ValueError, OverflowError):
        number = -1
    if isinstance(value, bool) or number < 0:
        raise OptionError("timeout", f"timeout must be a whole number of seconds, got {value!r}")
    return number
