"""The error hierarchy: one root, subclasses that keep their fields."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


class HomeloomError(Exception):
    """Root of every error homeloom raises on purpose."""

    #: The error is data that is not valid, as Home Assistant's ``vol.Invalid``: a fault
    #: of the script, not of the moment, so ``continue_on_error`` does not go past it.
    invalid_data: bool = False


class ServiceNotFound(HomeloomError):
    """No service is registered under ``domain.service``."""

    def __init__(self, domain: str, service: str) -> None:
        self.domain = domain
        self.service = service
        super().__init__(f"service {domain}.{service} is not known")


class ServiceValidationError(HomeloomError):
    """The data or target given to a service is not valid for it.

    ``invalid_data`` tells the two kinds Home Assistant keeps apart: data a schema
    refuses (``vol.Invalid``, or a helper's ``ValueError``), which ``continue_on_error``
    does not go past, and a call refused by the entity (``HomeAssistantError``), which
    it does."""

    def __init__(
        self, domain: str, service: str, field: str, message: str, *, invalid_data: bool = False
    ) -> None:
        self.domain = domain
        self.service = service
        self.field = field
        self.reason = message
        self.invalid_data = invalid_data
        where = f"{domain}.{service}" + (f": {field}" if field else "")
        super().__init__(f"{where}: {message}")


class EntityNotFound(HomeloomError):
    """An entity id names no entity the house knows."""

    def __init__(self, entity_id: str) -> None:
        self.entity_id = entity_id
        super().__init__(f"entity {entity_id} is not known")


class InvalidEntityId(HomeloomError):
    """A string is not of the form ``domain.object_id``."""

    invalid_data = True  # Home Assistant's InvalidEntityFormat: not gone past either

    def __init__(self, entity_id: str) -> None:
        self.entity_id = entity_id
        super().__init__(
            f"{entity_id!r} is not a valid entity id: expected domain.object_id "
            "in lower case letters, digits and underscores"
        )


class AdapterError(HomeloomError):
    """A device adapter failed; transport errors are converted to this at the edge."""

    def __init__(self, adapter: str, message: str) -> None:
        self.adapter = adapter
        self.reason = message
        super().__init__(f"adapter {adapter}: {message}")


@dataclass(frozen=True, slots=True)
class ConfigIssue:
    """One problem found in the configuration, with where it is."""

    message: str
    file: str | None = None
    line: int | None = None  # 1-based
    column: int | None = None  # 1-based
    key: str | None = None  # dotted key path, e.g. ``actions[0].target``
    scenario: str | None = None  # id or alias of the scenario it belongs to

    def __str__(self) -> str:
        where = self.file or "<config>"
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        key = f" {self.key}:" if self.key else ""
        return f"{where}:{key} {self.message}"

    def as_dict(self) -> dict[str, object]:
        return {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "key": self.key,
            "message": self.message,
            "scenario": self.scenario,
        }


class ConfigError(HomeloomError):
    """One or more configuration problems, all reported at once."""

    def __init__(self, issues: Iterable[ConfigIssue]) -> None:
        self.issues = list(issues)
        super().__init__("\n".join(str(issue) for issue in self.issues))
