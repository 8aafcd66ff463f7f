"""The command line loads the web server only for the command that serves it."""

from __future__ import annotations

import subprocess
import sys


def test_building_the_command_line_does_not_load_the_web_server() -> None:
    probe = "import sys, homeloom.cli; print('aiohttp' in sys.modules)"
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.strip() == "False"
