"""The ``homeassistant.*`` services that manage the house itself, as in Home Assistant 2024.3.

* ``set_location``: new latitude, longitude (and elevation, when not 0); ``zone.home``
  and ``sun.sun`` follow, and ``core_config_updated`` is fired with what was given.
* ``reload_core_config``: the core block read again (name, place, time zone, units,
  customize: see ``_customize``).
  As in Home Assistant, ``zone.home`` and ``sun.sun`` do not follow: they move only
  on ``set_location``.
* ``check_config``: the configuration checked as ``homeloom check`` does; on errors,
  logged, a persistent notification ``homeassistant.check_config`` and the call fails.
* ``reload_all``: refused, as ``check_config`` fails, while the configuration has
  errors; else every domain's ``reload`` (but ``notify``'s), then the core
  configuration and the custom templates (Home Assistant also reloads its frontend's
  themes, which homeloom has none of).
* ``reload_config_entry``: the entities of the config entries named (``entry_id``,
  or the entries of the targets) made again from the file (see ``_config_entry_reload``).
* ``save_persistent_states``: nothing to do, homeloom writes each state as it changes.
* ``stop`` and ``restart``: ask whatever serves the house (``homeloom run``) to stop;
  a restart is checked first like ``check_config`` and ends with Home Assistant's
  restart exit code, for the supervisor (systemd, Docker) to start it again. Both are
  guarded by the autonomy gate: a person approves them.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field

from homeloom.orchestrator import (
    ConfigIssue,
    Context,
    HomeloomError,
    HouseSettings,
    Notifications,
    Runtime,
    ServiceCall,
)

from ._config_dir import load_config_dir
from ._customize import customize_from

__all__ = [
    "EVENT_CORE_CONFIG_UPDATED",
    "RESTART_EXIT_CODE",
    "SHUTDOWN_SERVICES",
    "ConfigRefused",
    "CoreHost",
    "setup_core_services",
]

DOMAIN = "homeassistant"
EVENT_CORE_CONFIG_UPDATED = "core_config_updated"
RESTART_EXIT_CODE = 100  # Home Assistant's: its supervisor starts it again
SHUTDOWN_SERVICES = frozenset(
    f"{domain}.{service}" for domain in (DOMAIN, "homeloom") for service in ("stop", "restart")
)
CHECK_NOTIFICATION_ID = f"{DOMAIN}.check_config"
# Reloaded after every domain's ``reload``, in Home Assistant's order.
_RELOADED_LAST = ("reload_core_config", "reload_custom_templates")

_LOGGER = logging.getLogger(__name__)


class ConfigRefused(HomeloomError):
    """A service that needs a valid configuration found errors in it."""

    def __init__(self, service: str, errors: list[ConfigIssue]) -> None:
        self.service = service
        self.errors = errors
        listed = "; ".join(str(error) for error in errors)
        super().__init__(
            f"The system cannot {service} because the configuration is not valid: {listed}"
        )


class CoreHost(Protocol):
    """What the core services ask of the house that serves them (:class:`House`)."""

    async def config_errors(self) -> list[ConfigIssue]:
        """The errors of the configuration directory as it is now."""

    def settings_from(self, config: Any) -> tuple[HouseSettings, list[ConfigIssue]]:
        """The core settings a configuration gives, and its issues."""

    def request_stop(self, exit_code: int) -> bool:
        """Ask the process serving the house to stop; False when nothing serves it."""


class _Location(BaseModel):
    model_config = ConfigDict(extra="forbid")

    latitude: float = Field(ge=-90, le=90)
    longitude: float = Field(ge=-180, le=180)
    elevation: int | None = None


class _ReloadEntry(BaseModel):
    """An entry id, or targets (taken apart by the registry), as Home Assistant's."""

    model_config = ConfigDict(extra="forbid")

    entry_id: str | None = None


class _Restart(BaseModel):
    """Accepted as Home Assistant does; homeloom has no safe mode to start in."""

    model_config = ConfigDict(extra="forbid")

    safe_mode: bool = False


def setup_core_services(runtime: Runtime, host: CoreHost) -> None:
    """Register the core services of ``homeassistant`` (and ``homeloom``) on ``runtime``."""
    services = _CoreServices(runtime, host)
    handlers: dict[str, tuple[Callable[[ServiceCall], Awaitable[None]], type[BaseModel] | None]]
    handlers = {
        "set_location": (services.set_location, _Location),
        "reload_core_config": (services.reload_core_config, None),
        "check_config": (services.check_config, None),
        "reload_all": (services.reload_all, None),
        "save_persistent_states": (services.save_persistent_states, None),
        "stop": (services.stop, None),
        "restart": (services.restart, _Restart),
    }
    for domain in (DOMAIN, "homeloom"):
        for name, (handler, schema) in handlers.items():
            runtime.services.register(domain, name, handler, schema=schema)
        runtime.services.register(
            domain,
            "reload_config_entry",
            services.reload_config_entry,
            schema=_ReloadEntry,
            target="optional",
        )


class _CoreServices:
    def __init__(self, runtime: Runtime, host: CoreHost) -> None:
        self.runtime = runtime
        self.host = host

    async def set_location(self, call: ServiceCall) -> None:
        changes: dict[str, Any] = {
            "latitude": float(call.data["latitude"]),
            "longitude": float(call.data["longitude"]),
        }
        if call.data.get("elevation"):  # as Home Assistant: an elevation of 0 is left out
            changes["elevation"] = int(call.data["elevation"])
        self.runtime.settings = dataclasses.replace(self.runtime.settings, **changes)
        self._home_follows(call.context)
        self.runtime.bus.fire(EVENT_CORE_CONFIG_UPDATED, changes, context=call.context)

    def _home_follows(self, context: Context) -> None:
        """``zone.home`` and ``sun.sun`` at the house's new place."""
        settings = self.runtime.settings
        zones = self.runtime.components.get("zone") or {}
        home = zones.get("zone.home")
        if home is not None and not home.settings.get("id"):  # the core's, not a stored one
            home.settings = {
                **home.settings,
                "name": settings.name,
                "latitude": settings.latitude,
                "longitude": settings.longitude,
            }
            home.write()
        sun = self.runtime.components.get("sun")
        if sun is not None:
            sun.relocate(settings.latitude, settings.longitude, settings.elevation)

    async def reload_core_config(self, call: ServiceCall) -> None:
        if self.runtime.config_dir is None:
            return
        loaded = load_config_dir(self.runtime.config_dir)
        if loaded.errors:  # as Home Assistant: the file that does not load is logged
            _LOGGER.error("reload_core_config: %s", "; ".join(map(str, loaded.errors)))
            return
        settings, issues = self.host.settings_from(loaded.value)
        customize, customize_issues = customize_from(loaded.value or {})
        if issues or customize_issues:
            raise ConfigRefused("reload_core_config", [*issues, *customize_issues])
        self.runtime.settings = settings
        self.runtime.states.override_with(customize or None)

    async def reload_config_entry(self, call: ServiceCall) -> None:
        # Imported by the call: most houses never make one.
        from ._config_entry_reload import reload_config_entries

        reload_config_entries(self.runtime, call)

    async def check_config(self, call: ServiceCall) -> None:
        await self._refuse_on_errors(call.service)

    async def _refuse_on_errors(self, service: str) -> None:
        errors = await self.host.config_errors()
        if not errors:
            return
        refused = ConfigRefused(service, errors)
        _LOGGER.error("%s", refused)
        notifications = self.runtime.components.get("notifications")
        if isinstance(notifications, Notifications):
            notifications.create_persistent(  # standing, as Home Assistant's
                "Config error. See the logs for details.",
                title="Config validating",
                notification_id=CHECK_NOTIFICATION_ID,
            )
        raise refused

    async def reload_all(self, call: ServiceCall) -> None:
        errors = await self.host.config_errors()
        if errors:
            refused = ConfigRefused("reload", errors)
            _LOGGER.error("%s", refused)
            raise refused
        services = self.runtime.services
        for domain, named in services.all().items():
            if "reload" in named and domain != "notify":
                await services.call(domain, "reload", context=call.context)
        for name in _RELOADED_LAST:
            if services.has(call.domain, name):
                await services.call(call.domain, name, context=call.context)

    async def save_persistent_states(self, call: ServiceCall) -> None:
        """Nothing waits to be saved: homeloom's store writes each state as it changes."""

    async def stop(self, call: ServiceCall) -> None:
        self._stop(0)

    async def restart(self, call: ServiceCall) -> None:
        await self._refuse_on_errors(call.service)
        self._stop(RESTART_EXIT_CODE)

    def _stop(self, exit_code: int) -> None:
        if not self.host.request_stop(exit_code):
            _LOGGER.warning(
                "homeassistant.%s: no process serves this house (only `homeloom run` stops)",
                "restart" if exit_code == RESTART_EXIT_CODE else "stop",
            )
