"""RESTful sensors, as Home Assistant 2024.3 makes them: ``sensor:`` and
``binary_sensor:`` items with ``platform: rest``, each asking its own resource, and the
``rest:`` block, whose items each ask one resource for all the sensors and binary
sensors they list (see _rest_config for the options, _rest_entities for the states).

The resources are first asked when the house starts, before automations listen. A
resource that does not answer then is not ready: as Home Assistant does, its entities
do not exist yet and it is asked again 30 s later, then 60 s, ... (at most 180 s) until
it answers (a warning logged once). After that, a ``rest:`` item asks again
``scan_interval`` (15 s) after each answer, a ``platform: rest`` item every
``scan_interval`` (30 s). A request that fails or runs out of time makes the entities
unavailable until one succeeds; the failure is logged once, not at every poll. A
reply's HTTP status is not looked at (an error page is a reply), as there.

``homeassistant.update_entity`` asks at once; ``rest.reload`` reads the configuration
again, removes every REST entity and makes them anew.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from homeloom.orchestrator import ConfigIssue, Context, Runtime, ServiceCall, Unsubscribe

from ._commands import HttpReply, send_http_request
from ._config_dir import reread_config_dir
from ._platform_options import OptionError, domain_items, option_issue, refuse_unknown_keys
from ._registered_ids import registered_entity_id
from ._rest_config import (
    BLOCK_SCAN_INTERVAL_S,
    ENTITY_KINDS,
    PLATFORM_SCAN_INTERVAL_S,
    RESOURCE_KEYS,
    RestEntityOptions,
    RestResource,
    read_entity_options,
    read_resource,
)
from ._rest_entities import RestBinarySensor, RestEntity, RestSensor
from ._slugs import entity_slug
from ._templates import TemplateError

__all__ = ["RestSource", "fetch_first_data", "setup_rest"]

_LOGGER = logging.getLogger(__name__)
DOMAIN = "rest"
# Home Assistant's waits before asking a resource that was not ready again.
_NOT_READY_WAIT_S = 30.0
_NOT_READY_TRIES_CAP = 6


@dataclass
class RestSource:
    """One resource, its latest reply and the entities that show it."""

    runtime: Runtime
    resource: RestResource
    # A ``rest:`` item's (polled after each answer) or a platform item's (on a grid).
    shared: bool
    entities: list[RestEntity] = field(default_factory=list)
    data: str | None = None
    media_type: str = ""  # the latest reply's (an XML one is read as JSON by sensors)
    ready: bool = False
    _failing: bool = False
    _fetching: bool = False
    _tries: int = 0
    _timer: Unsubscribe | None = None

    async def start(self) -> None:
        """Ask the resource; show the entities if it answered, else try again later."""
        await self._fetch()
        if self.data is None:
            self._not_ready()
            return
        self.ready = True
        for entity in self.entities:
            entity.start()
        self._show(Context())
        self._schedule()

    def stop(self) -> None:
        if self._timer is not None:
            self._timer()
            self._timer = None
        if self.ready:
            for entity in self.entities:
                entity.stop()

    async def refresh(self) -> None:
        """Ask now and show the reply (``homeassistant.update_entity``, each poll)."""
        if self._fetching:
            _LOGGER.warning("Updating %s took longer than its update interval", self.url)
            return
        await self._fetch()
        self._show(Context())
        if self.shared:  # a coordinator counts its interval from its latest answer
            self._schedule()

    @property
    def url(self) -> str:
        return self.resource.url or "resource_template"

    def _not_ready(self) -> None:
        self._tries += 1
        wait_s = min(self._tries, _NOT_READY_TRIES_CAP) * _NOT_READY_WAIT_S
        log = _LOGGER.warning if self._tries == 1 else _LOGGER.debug
        log(
            "Platform rest not ready yet: %s; retrying in background in %g seconds",
            self.url,
            wait_s,
        )
        self._timer = self.runtime.scheduler.call_later(wait_s, self._retry)

    def _retry(self, _: datetime) -> Any:
        return self.runtime.create_task(self.start(), f"rest {self.url}")

    def _schedule(self) -> None:
        interval = self.resource.scan_interval_s
        if self.shared:
            if self._timer is not None:
                self._timer()
            self._timer = self.runtime.scheduler.call_later(interval, lambda _: self.refresh())
        elif self._timer is None:
            self._timer = self.runtime.scheduler.call_every(interval, lambda _: self.refresh())

    def _show(self, context: Context) -> None:
        for entity in self.entities:
            entity.update(self.data, self.media_type, context)

    async def _fetch(self) -> None:
        """Ask the resource; ``data`` is its reply's text, None when the request failed."""
        self._fetching = True
        try:
            reply = await self._request()
        finally:
            self._fetching = False
        self.data = None if reply is None else reply.text
        self.media_type = "" if reply is None else reply.content_type

    async def _request(self) -> HttpReply | None:
        import aiohttp  # only a house with RESTful sensors pays for the HTTP client

        resource = self.resource
        url = resource.url
        try:
            if resource.url_template is not None:
                url = str(resource.url_template.render(parse_result=False))
            headers = {k: str(t.render(parse_result=False)) for k, t in resource.headers.items()}
            params = {k: _param(t.render()) for k, t in resource.params.items()}
        except TemplateError as err:
            self._failed(f"Error rendering the request for {self.url}: {err}")
            return None
        try:
            reply = await send_http_request(
                resource.method,
                str(url),
                body=None if resource.payload is None else resource.payload.encode(),
                headers=headers,
                params=params,
                timeout_s=resource.timeout_s,
                verify_ssl=resource.tls,
                login=resource.login,
                encoding=resource.encoding,
            )
        except TimeoutError:
            self._failed(f"Timeout while fetching data: {url}")
            return None
        except (aiohttp.ClientError, ValueError, LookupError) as err:
            self._failed(f"Error fetching data: {url} failed with {err}")
            return None
        if self._failing:
            _LOGGER.info("Fetching data from %s works again", url)
            self._failing = False
        return reply

    def _failed(self, message: str) -> None:
        """Log the first of a run of failures (the rest at debug level)."""
        (_LOGGER.debug if self._failing else _LOGGER.error)(message)
        self._failing = True


def _param(value: Any) -> str | int | float:
    """A query parameter aiohttp takes: a text or a number (a boolean as its text)."""
    return (
        value
        if isinstance(value, str | int | float) and not isinstance(value, bool)
        else str(value)
    )


_ENTITIES: dict[str, type[RestEntity]] = {"sensor": RestSensor, "binary_sensor": RestBinarySensor}


def _add_entity(
    runtime: Runtime, source: RestSource, options: RestEntityOptions, taken: set[str]
) -> None:
    name = options.name.source
    if not options.name.is_static:
        try:
            name = str(options.name.render({}, parse_result=False))
        except TemplateError:
            name = ""
    base = f"{options.kind}.{entity_slug(name or options.kind)}"
    entity_id = registered_entity_id(runtime, base, taken, DOMAIN, options.unique_id)
    if entity_id is not None:  # None: not added, as Home Assistant does not
        source.entities.append(_ENTITIES[options.kind](runtime, options, entity_id, source.refresh))


def read_sources(
    runtime: Runtime, config: Mapping[str, Any]
) -> tuple[list[RestSource], list[ConfigIssue]]:
    """The ``rest:`` items' and ``platform: rest`` items' resources and entities; an
    issue for each item Home Assistant's schema refuses."""
    sources: list[RestSource] = []
    issues: list[ConfigIssue] = []
    taken: set[str] = set()
    block = config.get(DOMAIN)
    items = [] if block is None else block if isinstance(block, list) else [block]
    for index, item in enumerate(items):
        where = f"{DOMAIN}[{index}]"
        if not item:  # Home Assistant drops empty items
            continue
        try:
            resource, entities = _block_item(runtime, item)
        except OptionError as err:
            issues.append(option_issue(item, where, err))
            continue
        source = RestSource(runtime, resource, shared=True)
        for options in entities:
            _add_entity(runtime, source, options, taken)
        sources.append(source)
    for kind, where, item in domain_items(config, ENTITY_KINDS, DOMAIN):
        try:
            options = read_entity_options(runtime, kind, item, with_resource=True)
            resource = read_resource(runtime, item, PLATFORM_SCAN_INTERVAL_S)
        except OptionError as err:
            issues.append(option_issue(item, where, err))
            continue
        source = RestSource(runtime, resource, shared=False)
        _add_entity(runtime, source, options, taken)
        sources.append(source)
    return sources, issues


def _block_item(runtime: Runtime, item: Any) -> tuple[RestResource, list[RestEntityOptions]]:
    """A ``rest:`` item's resource and entities; OptionError for the first problem (Home
    Assistant refuses the whole item then)."""
    if not isinstance(item, Mapping):
        raise OptionError(None, "a rest item is a mapping of its resource and entities")
    refuse_unknown_keys(item, (*RESOURCE_KEYS, *ENTITY_KINDS), base=frozenset({"scan_interval"}))
    resource = read_resource(runtime, item, BLOCK_SCAN_INTERVAL_S)
    if resource.url is None and resource.url_template is None:
        raise OptionError(None, "give 'resource' or 'resource_template'")
    entities = []
    for kind in ENTITY_KINDS:
        entries = item.get(kind) or []
        for number, entry in enumerate(entries if isinstance(entries, list) else [entries]):
            try:
                entities.append(read_entity_options(runtime, kind, entry, with_resource=False))
            except OptionError as err:
                key = f"{kind}[{number}]" + (f".{err.key}" if err.key else "")
                raise OptionError(key, str(err)) from None
    return resource, entities


def setup_rest(runtime: Runtime, config: Mapping[str, Any]) -> list[ConfigIssue]:
    """Read the RESTful sensors (asked when the house starts: :func:`fetch_first_data`)
    and register ``rest.reload``."""
    sources, issues = read_sources(runtime, config)
    if not sources and DOMAIN not in config:
        return issues
    runtime.components[DOMAIN] = sources

    async def reload(call: ServiceCall) -> None:
        fresh = reread_config_dir(runtime.config_dir, "RESTful sensors")
        for source in runtime.components.get(DOMAIN, ()):
            source.stop()  # first: their ids are free for the new entities
        new_sources, new_issues = read_sources(runtime, fresh)
        for issue in new_issues:
            _LOGGER.error("rest.reload: %s", issue)
        runtime.components[DOMAIN] = new_sources
        await fetch_first_data(runtime)

    runtime.services.register(DOMAIN, "reload", reload)
    return issues


async def fetch_first_data(runtime: Runtime) -> None:
    """Ask every resource once, all at the same time, as Home Assistant does while
    setting the platforms up."""
    await asyncio.gather(*(source.start() for source in runtime.components.get(DOMAIN, ())))
