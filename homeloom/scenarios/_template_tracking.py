"""Following what a template read, so it renders again when that changes.

Template triggers, ``wait_template``, template entities and the Bayesian sensor's
template observations all render again on the same occasions, as Home
Assistant's template tracking does; :class:`ReadWatch` is that one rule.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from homeloom.orchestrator import EVENT_STATE_CHANGED, Event, Runtime, Unsubscribe

from ._template_states import RenderInfo

__all__ = ["NewEntityWatch", "ReadWatch"]

# As Home Assistant: how often (seconds) a template that read whole domains (every
# state) may render again for a change of an entity it did not name.
_DOMAINS_RATE_LIMIT = 1.0
_ALL_STATES_RATE_LIMIT = 60.0


class ReadWatch:
    """Calls ``update`` when a template should render again: with the event when an
    entity it read changes or appears in a domain it read whole, with None at the
    start of each minute once it has read the time.

    Changes of entities it saw only through a whole domain are rate limited from its
    last counted render: the first held back is replayed when the limit ends, the
    others are dropped. The owner tells it what each render read with :meth:`follow`
    (or :meth:`follow_failed`)."""

    __slots__ = (
        "_deferred",
        "_joining",
        "_named",
        "_rate_limit",
        "_rendered_at",
        "_runtime",
        "_tracked",
        "_untick",
        "_untrack",
        "_update",
    )

    def __init__(self, runtime: Runtime, update: Callable[[Event | None], None]) -> None:
        self._runtime = runtime
        self._update = update
        self._tracked: frozenset[str] = frozenset()
        self._untrack: Unsubscribe | None = None
        self._joining = NewEntityWatch(runtime, self._on_change)
        self._untick: Unsubscribe | None = None
        self._named: frozenset[str] = frozenset()
        self._rate_limit: float | None = None
        self._rendered_at: datetime | None = None
        self._deferred: Unsubscribe | None = None

    def follow(self, info: RenderInfo, *, counted: bool = True) -> None:
        """Watch what a render read. A render not ``counted`` (as Home Assistant's
        first render of a trigger's template) does not start the rate limit."""
        self._rendered(counted)
        self._named = frozenset(info.entities)
        self._rate_limit = (
            _ALL_STATES_RATE_LIMIT
            if info.all_states or info.failed
            else _DOMAINS_RATE_LIMIT
            if info.domains
            else None
        )
        watched = self._named
        if info.domains or info.all_states:
            watched |= frozenset(
                s.entity_id
                for s in self._runtime.states.all()
                if info.all_states or s.domain in info.domains
            )
        self._watch(watched)
        self._joining.watch(frozenset(info.domains), info.all_states, watched)
        if info.has_time and self._untick is None:
            # As Home Assistant: at the start of each minute, not a minute from now.
            now = self._runtime.now()
            next_minute = (now + timedelta(minutes=1)).replace(second=0, microsecond=0)
            self._untick = self._runtime.scheduler.call_every(60, self._on_tick, first=next_minute)

    def follow_failed(self, read: Iterable[str], *, counted: bool = True) -> None:
        """After a render that failed: keep watching what was watched, and what it read
        before failing. As Home Assistant, changes of entities it did not name are then
        rate limited as for a template reading every state."""
        self._rendered(counted)
        self._named = frozenset(read)
        self._rate_limit = _ALL_STATES_RATE_LIMIT
        self._watch(self._tracked | frozenset(read))

    def stop(self) -> None:
        self._joining.stop()
        for undo in (self._untrack, self._untick, self._deferred):
            if undo is not None:
                undo()
        self._untrack = self._untick = self._deferred = None

    def _rendered(self, counted: bool) -> None:
        self._cancel_deferred()
        if counted:
            self._rendered_at = self._runtime.now()

    def _watch(self, watched: frozenset[str]) -> None:
        if watched == self._tracked:
            return
        if self._untrack is not None:
            self._untrack()
        self._tracked = watched
        self._untrack = self._runtime.states.track(watched, self._on_change) if watched else None

    def _on_change(self, event: Event) -> None:
        rendered_at = self._rendered_at
        if (
            self._rate_limit is not None
            and rendered_at is not None
            and event.data["entity_id"] not in self._named
        ):
            due = rendered_at + timedelta(seconds=self._rate_limit)
            if due > self._runtime.now():
                if self._deferred is None:
                    self._deferred = self._runtime.scheduler.call_at(
                        due, lambda _: self._dispatch(event)
                    )
                return
        self._dispatch(event)

    def _on_tick(self, _: datetime) -> None:
        self._dispatch(None)

    def _dispatch(self, event: Event | None) -> None:
        self._cancel_deferred()
        self._update(event)

    def _cancel_deferred(self) -> None:
        if self._deferred is not None:
            self._deferred()
            self._deferred = None


class NewEntityWatch:
    """Tells ``handler`` of each entity that gets its first state in the domains a
    template read whole (in any domain, when it read every state): Home Assistant
    renders such a template again then, not only when an entity it saw changes."""

    __slots__ = ("_domains", "_every", "_handler", "_runtime", "_skip", "_unlisten")

    def __init__(self, runtime: Runtime, handler: Callable[[Event], None]) -> None:
        self._runtime = runtime
        self._handler = handler
        self._domains: frozenset[str] = frozenset()
        self._every = False
        self._skip: frozenset[str] = frozenset()
        self._unlisten: Unsubscribe | None = None

    def watch(self, domains: frozenset[str], every: bool, tracked: frozenset[str]) -> None:
        """Watch ``domains`` (every one with ``every``) for new entities, but those of
        ``tracked``, whose changes the template's owner hears already."""
        self._skip = tracked
        if (domains, every) == (self._domains, self._every):
            return
        self.stop()
        self._domains, self._every = domains, every
        if domains or every:
            self._unlisten = self._runtime.bus.listen(EVENT_STATE_CHANGED, self._on_change)

    def _on_change(self, event: Event) -> None:
        entity_id: str = event.data["entity_id"]
        if (
            event.data["old_state"] is None
            and entity_id not in self._skip
            and (self._every or entity_id.partition(".")[0] in self._domains)
        ):
            self._handler(event)

    def stop(self) -> None:
        if self._unlisten is not None:
            self._unlisten()
            self._unlisten = None
        self._domains, self._every = frozenset(), False
