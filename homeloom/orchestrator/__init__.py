"""The orchestrator: state store, event bus, services, scheduler and runtime."""

from ._autonomy import LEVELS, AutonomyPolicy, Decision, Level, most_cautious, parse_level
from ._capabilities import DOMAINS, DomainSpec
from ._capability_commands import normalize_light_command
from ._capability_services import register_capability_services
from ._clock import Clock, RealClock, TestClock
from ._context import Context, new_id
from ._eager import EagerRun, can_start_eagerly, in_a_task, run_eagerly, start_eagerly
from ._errors import (
    AdapterError,
    ConfigError,
    ConfigIssue,
    EntityNotFound,
    HomeloomError,
    InvalidEntityId,
    ServiceNotFound,
    ServiceValidationError,
)
from ._events import (
    EVENT_CALL_SERVICE,
    EVENT_HOMELOOM_START,
    EVENT_HOMELOOM_STARTED,
    EVENT_HOMELOOM_STARTING,
    EVENT_HOMELOOM_STOP,
    EVENT_STATE_CHANGED,
    MATCH_ALL,
    Event,
    EventBus,
)
from ._fixed_calls import FixedCall
from ._light_colour import (
    hs_to_rgb,
    hs_to_xy,
    kelvin_mireds,
    rgb_to_hs,
    shown_colours,
    xy_to_hs,
)
from ._logbook import EVENT_LOGBOOK_ENTRY, Logbook
from ._notifications import EVENT_NOTIFICATION, Notification, Notifications
from ._persistence import Persistence
from ._persistence_rows import AuditEntry, TracedScenario, read_traced_scenarios, read_traces
from ._persistence_schema import check_schema
from ._pressure import HOUSEHOLD, Budget, Pressure, parse_budget, person_key
from ._proposals import EVENT_PROPOSAL_CHANGED, Proposal, ProposalError, Proposals, TrustFigures
from ._registry import Area, EntityEntry, Registries, Thing, slugify
from ._runtime import HouseSettings, Runtime
from ._scheduler import Scheduler
from ._sensor_units import (
    SENSOR_DEVICE_CLASSES,
    converted_temperature,
    numeric_state_expected,
    temperature_unit_in_house,
)
from ._service_call import CallObserver, EntityCommandHandler, Middleware, Service, ServiceCall
from ._services import ServiceRegistry
from ._states import (
    STATE_UNAVAILABLE,
    STATE_UNKNOWN,
    InvalidState,
    State,
    StateStore,
    split_entity_id,
    valid_entity_id,
)
from ._sun import distance_m, next_sun_event, sun_event_time, sun_times
from ._template_sandbox import (
    bounded_render,
    compile_template,
    guard_template_filters,
    template_sandbox_class,
)
from ._webhooks import (
    DEFAULT_WEBHOOK_METHODS,
    WEBHOOK_METHODS,
    WebhookRequest,
    Webhooks,
    is_local_address,
)
from .template_limits import TemplateLimitError
from .types import EventHandler, ServiceHandler, ServiceResponse, TimerCallback, Unsubscribe

__all__ = [
    "DEFAULT_WEBHOOK_METHODS",
    "DOMAINS",
    "EVENT_CALL_SERVICE",
    "EVENT_HOMELOOM_START",
    "EVENT_HOMELOOM_STARTED",
    "EVENT_HOMELOOM_STARTING",
    "EVENT_HOMELOOM_STOP",
    "EVENT_LOGBOOK_ENTRY",
    "EVENT_NOTIFICATION",
    "EVENT_PROPOSAL_CHANGED",
    "EVENT_STATE_CHANGED",
    "HOUSEHOLD",
    "LEVELS",
    "MATCH_ALL",
    "SENSOR_DEVICE_CLASSES",
    "STATE_UNAVAILABLE",
    "STATE_UNKNOWN",
    "WEBHOOK_METHODS",
    "AdapterError",
    "Area",
    "AuditEntry",
    "AutonomyPolicy",
    "Budget",
    "CallObserver",
    "Clock",
    "ConfigError",
    "ConfigIssue",
    "Context",
    "Decision",
    "DomainSpec",
    "EagerRun",
    "EntityCommandHandler",
    "EntityEntry",
    "EntityNotFound",
    "Event",
    "EventBus",
    "EventHandler",
    "FixedCall",
    "HomeloomError",
    "HouseSettings",
    "InvalidEntityId",
    "InvalidState",
    "Level",
    "Logbook",
    "Middleware",
    "Notification",
    "Notifications",
    "Persistence",
    "Pressure",
    "Proposal",
    "ProposalError",
    "Proposals",
    "RealClock",
    "Registries",
    "Runtime",
    "Scheduler",
    "Service",
    "ServiceCall",
    "ServiceHandler",
    "ServiceNotFound",
    "ServiceRegistry",
    "ServiceResponse",
    "ServiceValidationError",
    "State",
    "StateStore",
    "TemplateLimitError",
    "TestClock",
    "Thing",
    "TimerCallback",
    "TracedScenario",
    "TrustFigures",
    "Unsubscribe",
    "WebhookRequest",
    "Webhooks",
    "bounded_render",
    "can_start_eagerly",
    "check_schema",
    "compile_template",
    "converted_temperature",
    "distance_m",
    "guard_template_filters",
    "hs_to_rgb",
    "hs_to_xy",
    "in_a_task",
    "is_local_address",
    "kelvin_mireds",
    "most_cautious",
    "new_id",
    "next_sun_event",
    "normalize_light_command",
    "numeric_state_expected",
    "parse_budget",
    "parse_level",
    "person_key",
    "read_traced_scenarios",
    "read_traces",
    "register_capability_services",
    "rgb_to_hs",
    "run_eagerly",
    "shown_colours",
    "slugify",
    "split_entity_id",
    "start_eagerly",
    "sun_event_time",
    "sun_times",
    "temperature_unit_in_house",
    "template_sandbox_class",
    "valid_entity_id",
    "xy_to_hs",
]
