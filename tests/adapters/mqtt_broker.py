"""A real MQTT broker (Debian's mosquitto) on a free loopback port, for the MQTT tests."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import socket
from pathlib import Path

__all__ = ["MOSQUITTO", "Broker", "find_mosquitto"]


def find_mosquitto() -> str | None:
    found = shutil.which("mosquitto")
    if found is None and Path("/usr/sbin/mosquitto").exists():
        found = "/usr/sbin/mosquitto"
    return found


# The broker's binary, None where mosquitto is not installed (the MQTT tests skip).
MOSQUITTO = find_mosquitto()


# Tries at a port: another process (a test run next to this one) may take the free port
# found before mosquitto listens on it.
_PORT_TRIES = 5
# mosquitto's log line once every listener is open.
_RUNNING = re.compile(r"mosquitto version \S+ running")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


async def _run(*command: str) -> None:
    process = await asyncio.create_subprocess_exec(
        *command, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE
    )
    _, err = await process.communicate()
    if process.returncode != 0:
        raise RuntimeError(f"{command[0]} failed: {err.decode(errors='replace')}")


class Broker:
    """mosquitto on 127.0.0.1; ``stop`` and ``start`` again keep the same port.

    With ``login``, anonymous clients are refused; with ``tls``, the listener
    speaks TLS with a self-signed certificate for 127.0.0.1 (``self.certificate``).
    """

    def __init__(
        self,
        binary: str,
        workdir: Path,
        *,
        login: tuple[str, str] | None = None,
        tls: bool = False,
    ) -> None:
        self.binary = binary
        self.workdir = workdir
        self.port = _free_port()
        self.login = login
        self.tls = tls
        self.certificate = workdir / "broker.crt"
        self.config = workdir / "mosquitto.conf"
        self.log = workdir / "mosquitto.log"
        self._settings: list[str] = []  # the configuration, but for its listener
        self._started = False
        self._process: asyncio.subprocess.Process | None = None

    async def _prepare(self) -> None:
        lines = ["persistence false", f"log_dest file {self.log}"]
        lines += ["log_type error", "log_type warning", "log_type information"]
        if os.geteuid() == 0:
            # As root, mosquitto would switch to its own user, who cannot read pytest's
            # private temporary directory (the password file, the key).
            lines.append("user root")
        if self.login is None:
            lines.append("allow_anonymous true")
        else:
            passwords = self.workdir / "passwords"
            user, password = self.login
            passwd = shutil.which("mosquitto_passwd") or "mosquitto_passwd"
            await _run(passwd, "-b", "-c", str(passwords), user, password)
            lines += ["allow_anonymous false", f"password_file {passwords}"]
        if self.tls:
            key = self.workdir / "broker.key"
            await _run(
                "openssl", "req", "-x509", "-newkey", "ec",
                "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1",
                "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                "-keyout", str(key), "-out", str(self.certificate),
            )  # fmt: skip
            lines += [f"certfile {self.certificate}", f"keyfile {key}"]
        self._settings = lines
        self._write_config()

    def _write_config(self) -> None:
        lines = [f"listener {self.port} 127.0.0.1", *self._settings]
        self.config.write_text("\n".join(lines) + "\n")

    async def start(self) -> None:
        if not self._settings:
            await self._prepare()
        for _ in range(_PORT_TRIES):
            if await self._launch():
                self._started = True
                return
            if self._started:
                break  # a restart keeps its port, and another process holds it now
            self.port = _free_port()
            self._write_config()
        raise RuntimeError(f"mosquitto did not start on port {self.port}")

    async def _launch(self) -> bool:
        """Start mosquitto; False if it could not listen on the port (taken meanwhile).

        Its own log says when it listens: the port answering could be another
        process's broker, whose clients would then share this test's topics."""
        logged_before = self.log.stat().st_size if self.log.exists() else 0
        self._process = await asyncio.create_subprocess_exec(
            self.binary,
            "-c",
            str(self.config),
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 10
        while True:  # bounded: until mosquitto says it runs, or ten seconds
            if self.log.exists():
                with self.log.open("rb") as log:
                    log.seek(logged_before)
                    if _RUNNING.search(log.read().decode(errors="replace")):
                        return True
            if self._process.returncode is not None:
                return False
            if loop.time() > deadline:
                await self.stop()
                raise RuntimeError(f"mosquitto did not start on port {self.port}")
            await asyncio.sleep(0.02)

    async def stop(self) -> None:
        process, self._process = self._process, None
        if process is None or process.returncode is not None:
            return
        process.terminate()
        try:
            async with asyncio.timeout(5):
                await process.wait()
        except TimeoutError:
            process.kill()
            await process.wait()
