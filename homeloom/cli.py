"""The ``homeloom`` command: run a house, check a configuration."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import signal
import sqlite3
import sys
from collections.abc import Sequence
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

from homeloom import __version__
from homeloom.adapters._discovery_cli import add_discovered_command, run_discovered
from homeloom.adapters._scaffold import add_adapter_command, run_adapter_command
from homeloom.assemblage_report import add_assemblage_command, run_assemblage_command
from homeloom.demo import write_demo_config
from homeloom.history_replay import HistoryError, events_from_history, parse_span
from homeloom.house import DATABASE_FILE, House, check_config
from homeloom.orchestrator import check_schema, read_traced_scenarios, read_traces
from homeloom.scenarios import format_trace
from homeloom.simulate import EventsFileError, load_events_file, simulate
from homeloom.ui import (
    CLIENT_COMMANDS,
    DEFAULT_HOST,
    DEFAULT_PORT,
    add_client_commands,
    run_client_command,
)

_LOGGER = logging.getLogger("homeloom")


def default_config_dir() -> Path:
    return Path(os.environ.get("HOMELOOM_CONFIG", Path.home() / ".homeloom"))


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="homeloom", description=__doc__)
    parser.add_argument("--version", action="version", version=f"homeloom {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("run", help="start the house (a demo house on first start)")
    run.add_argument("--config", type=Path, default=None, help="configuration directory")
    run.add_argument("--log-level", default="INFO", help="DEBUG, INFO, WARNING or ERROR")
    run.add_argument("--host", default=DEFAULT_HOST, help="dashboard address (default loopback)")
    run.add_argument("--port", type=int, default=DEFAULT_PORT, help="dashboard port")

    check = commands.add_parser("check", help="validate a configuration and exit")
    check.add_argument("--config", type=Path, default=None, help="configuration directory")
    check.add_argument("--json", action="store_true", help="print the report as JSON")

    replay = commands.add_parser(
        "simulate", help="replay an events file against the scenarios, touching no device"
    )
    replay.add_argument("--config", type=Path, default=None, help="configuration directory")
    source = replay.add_mutually_exclusive_group(required=True)
    source.add_argument("--events", type=Path, help="events file (YAML/JSON)")
    source.add_argument(
        "--from-history",
        metavar="SPAN",
        help="replay the inputs the house recorded over the last SPAN (6h, 90m, 2d)",
    )
    replay.add_argument("--json", action="store_true", help="print calls, runs and errors as JSON")
    replay.add_argument(
        "--stub-services",
        action="store_true",
        help="record every call and answer it as a no-op",
    )

    trace = commands.add_parser("trace", help="print the last run of a scenario, step by step")
    trace.add_argument("scenario", help="the scenario's id, alias or entity id")
    trace.add_argument("--config", type=Path, default=None, help="configuration directory")
    trace.add_argument("--all", action="store_true", help="print every stored run")
    add_assemblage_command(commands)
    add_adapter_command(commands)
    add_discovered_command(commands)
    add_client_commands(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "adapter":
        return run_adapter_command(args)
    if args.command in CLIENT_COMMANDS:
        return run_client_command(args)
    config_dir: Path = args.config or default_config_dir()
    if args.command == "check":
        return asyncio.run(_check(config_dir, as_json=args.json))
    if args.command == "assemblage":
        return run_assemblage_command(args, config_dir)
    if args.command == "discovered":
        return run_discovered(args, config_dir / DATABASE_FILE)
    if args.command == "trace":
        return _trace(config_dir, args.scenario, every=args.all)
    if args.command == "simulate":
        return asyncio.run(
            _simulate(
                config_dir,
                args.events,
                args.from_history,
                as_json=args.json,
                stub=args.stub_services,
            )
        )
    logging.basicConfig(
        level=args.log_level.upper(),
        format="%(asctime)s %(levelname)-7s %(name)s: %(message)s",
    )
    return asyncio.run(_run(config_dir, args.host, args.port))


async def _check(config_dir: Path, *, as_json: bool) -> int:
    # Only the report goes to stdout; what the loading logs would repeat it.
    logging.basicConfig(level=logging.CRITICAL)
    report = await check_config(config_dir)
    if as_json:
        print(json.dumps(report.as_dict(), indent=2))
    else:
        for issue in report.errors:
            print(f"error: {issue}")
        for issue in report.warnings:
            print(f"warning: {issue}")
        print(
            f"{'ok' if report.ok else 'failed'}: {len(report.errors)} errors, "
            f"{len(report.warnings)} warnings, {report.scenarios_loaded} scenarios loaded, "
            f"{report.scenarios_failed} failed"
        )
    return 0 if report.ok else 1


def _trace(config_dir: Path, scenario: str, *, every: bool) -> int:
    database = config_dir / DATABASE_FILE
    if not database.exists():
        print(f"error: no database in {config_dir}: has homeloom run there?", file=sys.stderr)
        return 1
    with closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True)) as db:
        try:
            check_schema(db, database)
        except RuntimeError as err:
            print(f"error: {err}", file=sys.stderr)
            return 1
        scenarios = read_traced_scenarios(db)
        found = next((traced for traced in scenarios if traced.answers_to(scenario)), None)
        traces = read_traces(db, found.key, None if every else 1) if found is not None else []
    if found is not None and traces:
        for trace in traces:
            print(format_trace(found.name or found.key, trace))
        return 0
    known = ", ".join(traced.name or traced.key for traced in scenarios)
    print(
        f"error: no stored run of {scenario!r}; scenarios with runs: {known or 'none'}",
        file=sys.stderr,
    )
    return 1


async def _simulate(
    config_dir: Path,
    events_file: Path | None,
    history_span: str | None,
    *,
    as_json: bool,
    stub: bool,
) -> int:
    # Nothing logged goes to the console, but warnings and errors still reach the
    # replay, which lists them under "errors".
    logging.basicConfig(level=logging.WARNING, handlers=[logging.NullHandler()])
    try:
        if events_file is not None:
            events = load_events_file(events_file)
        else:
            span = parse_span(str(history_span))
            events = events_from_history(config_dir / DATABASE_FILE, span, datetime.now(UTC))
    except (EventsFileError, HistoryError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    result = await simulate(config_dir, events, stub_services=stub)
    if as_json:
        print(json.dumps(result, indent=2))
        return 0
    for call in result["calls"]:
        target = ", ".join(f"{key}={value}" for key, value in call["target"].items())
        data = json.dumps(call["data"]) if call["data"] else ""
        print(f"{call['time']}  {call['service']}  {target}  {data}  [{call['scenario']}]")
    for error in result["errors"]:
        print(f"error at {error.get('offset_s')} s: {error.get('message')}")
    return 0


async def _run(config_dir: Path, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT) -> int:
    from homeloom.ui import BindRefused, Server, serve  # the web server, for this command only

    if write_demo_config(config_dir):
        _LOGGER.info("wrote a demo configuration to %s", config_dir)
    house = House(config_dir, long_running=True, discover=True)
    await house.setup()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    exit_code = 0

    def stop_requested(code: int) -> None:  # homeassistant.stop / restart
        nonlocal exit_code
        exit_code = code
        stop.set()

    house.on_stop_request = stop_requested
    try:
        await house.start()
        name = house.runtime.settings.name
        try:
            server: Server | None = await serve(house.runtime, host, port)
        except BindRefused as err:
            _LOGGER.error("dashboard: %s", err)
            return 2
        except OSError as err:
            # The house keeps running its scenarios; only the dashboard is missing.
            _LOGGER.error("dashboard unavailable on %s:%s: %s", host, port, err)
            server = None
        if server is not None:
            _LOGGER.info("dashboard on %s", server.url)
        _LOGGER.info("homeloom %s is running %s from %s", __version__, name, config_dir)
        await stop.wait()
        _LOGGER.info("stopping")
        if server is not None:
            await server.close()
    finally:
        await house.stop()
    return exit_code


if __name__ == "__main__":
    sys.exit(main())
