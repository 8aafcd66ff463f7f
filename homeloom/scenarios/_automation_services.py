"""The ``automation`` domain's services: turn on, turn off, toggle, trigger, reload."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict

from homeloom.orchestrator import ServiceCall

from ._automation import Automation
from ._automation_config import DOMAIN
from ._script import end_calling_run

if TYPE_CHECKING:
    from ._automations import AutomationManager

__all__ = ["register_automation_services"]


class _TurnOff(BaseModel):
    model_config = ConfigDict(extra="forbid")
    stop_actions: bool = True


class _Trigger(BaseModel):
    model_config = ConfigDict(extra="forbid")
    skip_condition: bool = True
    variables: dict[str, Any] = {}


def register_automation_services(manager: AutomationManager) -> None:
    """The ``automation`` services, acting on ``manager``'s automations."""
    services = manager.runtime.services

    def targets(call: ServiceCall) -> list[Automation]:
        return [manager.automations[e] for e in call.entity_ids if e in manager.automations]

    async def turn_on(call: ServiceCall) -> None:
        for automation in targets(call):
            await automation.enable()

    async def turn_off(call: ServiceCall) -> None:
        options = _TurnOff.model_validate(dict(call.data))
        stopped_caller = False
        for automation in targets(call):
            stopped = await automation.disable(stop_actions=options.stop_actions)
            stopped_caller = stopped_caller or stopped
        if stopped_caller:  # a run turning its own automation off ends here
            await end_calling_run()

    async def toggle(call: ServiceCall) -> None:
        stopped_caller = False
        for automation in targets(call):
            if automation.enabled:
                stopped = await automation.disable()
                stopped_caller = stopped_caller or stopped
            else:
                await automation.enable()
        if stopped_caller:
            await end_calling_run()

    async def trigger(call: ServiceCall) -> None:
        """Run each target and wait for its run to end (the caller waits, as in HA);
        several targets run side by side."""
        options = _Trigger.model_validate(dict(call.data))
        runs = [
            automation.trigger(
                {
                    **options.variables,
                    "trigger": {"platform": None},
                },
                call.context,
                skip_condition=options.skip_condition,
            )
            for automation in targets(call)
        ]
        if len(runs) == 1:
            await runs[0]
        elif runs:
            # Tracked tasks, not a bare gather: the caller counts as waiting, so a test
            # clock settles and moves on to the runs' delays.
            await manager.runtime.tasks.run_together(runs, "automation.trigger")

    async def reload(call: ServiceCall) -> None:
        await manager.reload(call.context)

    for name, handler, schema in (
        ("turn_on", turn_on, None),
        ("turn_off", turn_off, _TurnOff),
        ("toggle", toggle, None),
        ("trigger", trigger, _Trigger),
    ):
        services.register(
            DOMAIN,
            name,
            handler,
            schema=schema,
            target="required",
            entity_domains=(DOMAIN,),
        )
    services.register(DOMAIN, "reload", reload)
