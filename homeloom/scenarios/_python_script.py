"""``python_script:``, as Home Assistant 2024.3 runs it: each ``python_scripts/*.py``
under the config dir (not its subfolders) is the service ``python_script.<name>``.

* ``python_script.reload`` looks at the folder again (new and removed scripts); a
  script's text is read at each call, so an edit counts from the next call.
  ``python_scripts/services.yaml`` gives their descriptions (``name``, ``description``,
  ``fields``, only descriptive). Without the folder, nothing is set up.
* A call runs its script in the sandbox of ``_python_script_sandbox``, in a worker
  thread (Home Assistant runs it in its executor): the event loop goes on, and the
  script's ``hass.states.set``, ``hass.services.call`` and ``hass.bus.fire`` are
  handed back to the loop. ``data`` is the call's data; ``output`` (a dict) is the
  response, which a caller may ask for (``response_variable``).
* A script that fails (does not compile, is refused, raises, runs past its step
  budget) is logged with its file and line, and the call answers nothing: the
  calling step goes on, as in Home Assistant. Only a caller asking for the response
  fails with it (``continue_on_error`` goes past it). A script file gone since the
  last reload fails the call.
* ``homeloom check`` compiles every script and reports one that does not compile.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path
from types import TracebackType
from typing import Any

import yaml

from homeloom.orchestrator import ConfigIssue, HomeloomError, Runtime, ServiceCall
from homeloom.orchestrator.types import ServiceResponse, Unsubscribe

from ._python_script_hass import DateTimeFacade, HassFacade, LoggerFacade, ScriptHost, TimeFacade
from ._python_script_sandbox import (
    ScriptCompileError,
    ScriptRefused,
    ScriptStopped,
    compile_script,
    run_script,
)

__all__ = ["PythonScriptError", "PythonScripts", "setup_python_script"]

_LOGGER = logging.getLogger(__name__)
DOMAIN = "python_script"
FOLDER = "python_scripts"
# Scripts running at once; more wait for a thread (Home Assistant's executor has more,
# but a house rarely runs more than a few scripts at one time).
_THREADS = 8


class PythonScriptError(HomeloomError):
    """A script failed while its caller waited for its response."""

    def __init__(self, where: str, message: str) -> None:
        self.where = where
        self.reason = message
        super().__init__(f"Error executing script {where}: {message}")


def setup_python_script(
    runtime: Runtime, config: Mapping[str, Any], config_dir: Path
) -> list[ConfigIssue]:
    """Make the ``python_script.*`` services of a house whose configuration has
    ``python_script:``; the problems found (no folder, a script that does not compile)."""
    if DOMAIN not in config:
        return []
    if not isinstance(config[DOMAIN], Mapping | None):
        return [ConfigIssue("python_script: expected a dictionary (or nothing)", key=DOMAIN)]
    folder = config_dir / FOLDER
    if not folder.is_dir():
        _LOGGER.warning("Folder %s not found in configuration folder", FOLDER)
        return [ConfigIssue(f"folder {FOLDER} not found in the configuration folder", key=DOMAIN)]
    scripts = PythonScripts(runtime, folder)
    runtime.components[DOMAIN] = scripts
    runtime.services.register(DOMAIN, "reload", scripts.reload, description="Reload scripts")
    return scripts.discover()


class PythonScripts:
    """The scripts of one folder, as services, and the threads they run in."""

    def __init__(self, runtime: Runtime, folder: Path) -> None:
        self.runtime = runtime
        self.folder = folder
        self._registered: dict[str, Unsubscribe] = {}
        self._running: set[ScriptHost] = set()
        self._sleep_warned = [False]
        self._threads: ThreadPoolExecutor | None = None
        self._closed = False
        runtime.on_stop(self.close)

    def discover(self) -> list[ConfigIssue]:
        """Register a service per script in the folder, and only those; the scripts
        that do not compile."""
        for unregister in self._registered.values():
            unregister()
        self._registered.clear()
        descriptions = self._descriptions()
        issues: list[ConfigIssue] = []
        for file in sorted(self.folder.glob("*.py")):
            name = file.stem
            described = descriptions.get(name)
            text = described.get("description", "") if isinstance(described, Mapping) else ""
            self._registered[name] = self.runtime.services.register(
                DOMAIN, name, self.handle, supports_response="optional", description=str(text)
            )
            issues.extend(self._compile_issue(file))
        return issues

    def reload(self, call: ServiceCall) -> None:
        for issue in self.discover():
            _LOGGER.error("Error loading script %s", issue)

    async def handle(self, call: ServiceCall) -> ServiceResponse | None:
        if self._closed:  # a call still on its way as the house stops: no new thread
            _LOGGER.info("Not executing %s.py: the house is stopping", call.service)
            return None
        loop = asyncio.get_running_loop()
        host = ScriptHost(self.runtime, loop, call.context)
        self._running.add(host)
        try:
            run = partial(
                self._execute, host, f"{call.service}.py", dict(call.data), call.return_response
            )
            response: ServiceResponse | None = await loop.run_in_executor(self._pool(), run)
        finally:
            # Also when the call is cancelled (the house stopping, a restarted run): the
            # script left behind stops at its next step instead of running on unseen.
            host.stop.set()
            self._running.discard(host)
        return response

    def close(self) -> None:
        """Stop the running scripts at their next step (or sleep), and the threads."""
        self._closed = True
        for host in self._running:
            host.stop.set()
        if self._threads is not None:
            self._threads.shutdown(wait=False, cancel_futures=True)
            self._threads = None

    # --- in a worker thread -----------------------------------------------------

    def _execute(
        self, host: ScriptHost, filename: str, data: dict[str, Any], return_response: bool
    ) -> ServiceResponse | None:
        """Run one script; its ``output``, or None when it failed (logged)."""
        source = (self.folder / filename).read_text(encoding="utf-8")
        try:
            code = compile_script(source, filename)
        except ScriptCompileError as err:
            _LOGGER.error("Error loading script %s", err)
            if return_response:
                raise PythonScriptError(f"{filename}:{err.line or 1}", str(err)) from None
            return None
        logger = LoggerFacade(filename)
        given = {
            "hass": HassFacade(host),
            "data": data,
            "logger": logger,
            "output": {},
            "time": TimeFacade(host, self._sleep_warned),
            "dt_util": DateTimeFacade(host),
        }
        _LOGGER.info("Executing %s: %s", filename, data)
        try:
            output = run_script(code, given, host.stop.is_set)
            if not isinstance(output, dict):
                raise ScriptRefused(f"Expected `output` to be a dictionary, was {type(output)}")
        except (Exception, ScriptStopped) as err:
            where = f"{filename}:{_script_line(err.__traceback__, filename)}"
            message = str(err) if isinstance(err, ScriptRefused) else f"{type(err).__name__}: {err}"
            if return_response:  # Home Assistant's errors then, which continue_on_error passes
                raise PythonScriptError(where, message) from None
            logging.getLogger(logger.name).error("Error executing script %s: %s", where, message)
            return None
        response: ServiceResponse = output
        return response

    # --- helpers ---------------------------------------------------------------

    def _pool(self) -> ThreadPoolExecutor:
        if self._threads is None:
            self._threads = ThreadPoolExecutor(_THREADS, thread_name_prefix=DOMAIN)
        return self._threads

    def _descriptions(self) -> Mapping[str, Any]:
        """``python_scripts/services.yaml``: each script's name, description and fields."""
        file = self.folder / "services.yaml"
        if not file.is_file():
            return {}
        try:
            loaded = yaml.safe_load(file.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as err:
            _LOGGER.warning("Cannot read %s: %s", file, err)
            return {}
        return loaded if isinstance(loaded, Mapping) else {}

    def _compile_issue(self, file: Path) -> list[ConfigIssue]:
        try:
            compile_script(file.read_text(encoding="utf-8"), file.name)
        except ScriptCompileError as err:
            where = f"{FOLDER}/{file.name}"
            return [ConfigIssue("; ".join(err.messages), file=where, line=err.line, key=DOMAIN)]
        except (OSError, UnicodeDecodeError) as err:
            return [ConfigIssue(str(err), file=f"{FOLDER}/{file.name}", key=DOMAIN)]
        return []


def _script_line(trace: TracebackType | None, filename: str) -> int:
    """The line of the script's last frame in a traceback (where it failed)."""
    line = 0
    while trace is not None:
        if trace.tb_frame.f_code.co_filename == filename:
            line = trace.tb_lineno
        trace = trace.tb_next
    return line
