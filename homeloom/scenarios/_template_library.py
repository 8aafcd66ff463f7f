"""Residents' shared Jinja macros: the ``*.jinja`` files under ``custom_templates/``.

As in Home Assistant, every ``.jinja`` file in the configuration directory's
``custom_templates`` folder (subfolders included) is read into memory at setup and
again on ``homeassistant.reload_custom_templates``. A template imports one by its path
under that folder: ``{% from 'tools.jinja' import my_macro %}``, ``{% import
'lights/helpers.jinja' as lights %}`` (``{% include %}`` works too). A macro sees the
template functions (``states``, ``is_state``...), not the importing template's
variables, unless imported ``with context``.

Names are looked up among the files read, never on disk: ``../``, an absolute path or
a symlink leading out of the folder finds nothing. Files over 5 MiB are skipped, as
Home Assistant skips them. A file that does not parse is reported at setup (``homeloom
check``) with its line; a template importing it, or a file that is not there, fails
when it renders, as any template error does.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from homeloom.orchestrator import ConfigIssue, Runtime, ServiceCall

if TYPE_CHECKING:
    import jinja2

__all__ = [
    "LIBRARY_DIR",
    "MAX_LIBRARY_FILE_SIZE",
    "TemplateLibrary",
    "setup_template_library",
]

_LOGGER = logging.getLogger(__name__)
LIBRARY_DIR = "custom_templates"
LIBRARY_SUFFIX = ".jinja"
MAX_LIBRARY_FILE_SIZE = 5 * 1024 * 1024  # Home Assistant's limit
RELOAD_SERVICE = "reload_custom_templates"

# What a jinja loader returns for a name: the text, the file name its errors show, and
# whether what was compiled from it is still current.
LoadedSource = tuple[str, str, Callable[[], bool]]


@dataclass(frozen=True, slots=True)
class LibraryFile:
    """One file read: its text, and where it was read (for ``homeloom check``)."""

    text: str
    path: Path


class TemplateLibrary:
    """The library files read last, by name (their path under ``custom_templates``).

    Each read starts a new generation: what jinja compiled from an older one is no
    longer current (:meth:`source`), so the next import compiles the new text.
    """

    def __init__(self) -> None:
        self.files: dict[str, LibraryFile] = {}
        self.generation = 0

    def read(self, config_dir: Path) -> list[ConfigIssue]:
        """Read every ``.jinja`` file under ``config_dir/custom_templates``, replacing
        what was read before; what was skipped, as warnings."""
        files: dict[str, LibraryFile] = {}
        warnings: list[ConfigIssue] = []
        root = config_dir / LIBRARY_DIR
        if root.is_dir():
            real_root = root.resolve()
            for path in _jinja_files(root):
                skipped = _why_skipped(path, real_root)
                if skipped is None:
                    try:
                        text = path.read_text(encoding="utf-8")
                    except (OSError, UnicodeDecodeError) as err:
                        skipped = f"could not be read: {err}"
                if skipped is not None:
                    warnings.append(ConfigIssue(f"template library file {skipped}", str(path)))
                    continue
                files[path.relative_to(root).as_posix()] = LibraryFile(text, path)
        self.files = files
        self.generation += 1
        return warnings

    def source(self, name: str) -> LoadedSource | None:
        """The text of library file ``name`` for jinja's loader; None when there is none."""
        found = self.files.get(name)
        if found is None:
            return None
        generation = self.generation
        return found.text, f"{LIBRARY_DIR}/{name}", lambda: self.generation == generation

    def syntax_errors(self, env: jinja2.Environment) -> list[ConfigIssue]:
        """Each file that does not parse, with the line jinja stopped at."""
        from jinja2 import TemplateSyntaxError

        issues = []
        for name, file in self.files.items():
            try:
                env.parse(file.text, name, str(file.path))
            except TemplateSyntaxError as err:
                issues.append(
                    ConfigIssue(f"template syntax error: {err.message}", str(file.path), err.lineno)
                )
            except RecursionError:  # jinja's parser recurses once per nested block
                issues.append(ConfigIssue("template nested too deeply to parse", str(file.path)))
        return issues


def _jinja_files(root: Path) -> list[Path]:
    """The ``.jinja`` files under ``root``, sorted; symlinked folders are not entered."""
    found = []
    for folder, subfolders, names in os.walk(root):
        subfolders.sort()
        found += [Path(folder, name) for name in sorted(names) if name.endswith(LIBRARY_SUFFIX)]
    return found


def _why_skipped(path: Path, real_root: Path) -> str | None:
    """Why ``path`` is not read: not a file, leading out of the folder, or too large."""
    real = path.resolve()
    if not real.is_relative_to(real_root):
        return f"leads outside {LIBRARY_DIR}/ and is skipped"
    if not real.is_file():
        return "is not a file and is skipped"
    if real.stat().st_size > MAX_LIBRARY_FILE_SIZE:
        return f"is larger than {MAX_LIBRARY_FILE_SIZE // (1024 * 1024)} MiB and is skipped"
    return None


def setup_template_library(runtime: Runtime) -> tuple[list[ConfigIssue], list[ConfigIssue]]:
    """Read the library of ``runtime``'s configuration directory and register the
    reload service; the errors (files that do not parse) and warnings (files skipped)."""
    from ._templates import get_template_engine  # the engine imports this module

    engine = get_template_engine(runtime)
    library = engine.library

    def load() -> tuple[list[ConfigIssue], list[ConfigIssue]]:
        if runtime.config_dir is None:
            return [], []
        warnings = library.read(runtime.config_dir)
        # Parsing needs jinja: a house without library files does not import it.
        errors = library.syntax_errors(engine.env) if library.files else []
        return errors, warnings

    async def reload(call: ServiceCall) -> None:
        errors, warnings = load()
        for issue in errors:
            _LOGGER.error("reloading %s: %s", LIBRARY_DIR, issue)
        for issue in warnings:
            _LOGGER.warning("reloading %s: %s", LIBRARY_DIR, issue)

    for domain in ("homeassistant", "homeloom"):
        if not runtime.services.has(domain, RELOAD_SERVICE):
            runtime.services.register(
                domain, RELOAD_SERVICE, reload, description=f"read {LIBRARY_DIR}/ again"
            )
    return load()
