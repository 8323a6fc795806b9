"""Where things live: the packaged resources and the project's working folders."""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path
from typing import Any

RESOURCES = Path(str(resources.files("benchmark") / "resources"))


def workdir() -> Path:
    """The folder outputs go under (``data/processed``, ``figures``, ``data/raw``).

    ``TALENTBENCH_HOME`` overrides it; otherwise the current directory.
    """
    return Path(os.environ.get("TALENTBENCH_HOME", ".")).resolve()


def resource(*parts: str) -> Path:
    return RESOURCES.joinpath(*parts)


MAX_YAML_BYTES = 1_000_000  # a method or settings file is a few kilobytes


def _no_alias_loader():
    """A safe YAML loader that refuses aliases: a few kilobytes of nested aliases ("billion
    laughs") would otherwise expand into gigabytes. Configuration files never need them."""
    import yaml

    class NoAliasLoader(yaml.SafeLoader):
        def compose_node(self, parent, index):  # noqa: ANN001, ANN201 - PyYAML's signature
            if self.check_event(yaml.AliasEvent):
                event = self.peek_event()
                raise yaml.composer.ComposerError(None, None, "aliases (*name) are not allowed in "
                                                  "talentbench configuration files", event.start_mark)
            return super().compose_node(parent, index)

    return NoAliasLoader


def read_yaml(path: Path | str, what: str) -> Any:
    """Parse a YAML configuration file; every way it can fail is one TalentbenchError naming ``what``.

    Files over 1 MB and YAML aliases are refused before parsing (bounded time and memory)."""
    import yaml

    from benchmark.errors import TalentbenchError

    path = Path(path)
    try:
        if path.is_file() and path.stat().st_size > MAX_YAML_BYTES:
            raise TalentbenchError(f"cannot read {what} {path}: larger than {MAX_YAML_BYTES // 1000} kB")
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise TalentbenchError(f"cannot read {what} {path}: file not found") from None
    except UnicodeDecodeError:
        raise TalentbenchError(f"cannot read {what} {path}: not UTF-8 text") from None
    except OSError as exc:
        raise TalentbenchError(f"cannot read {what} {path}: {exc.strerror or exc}") from None
    try:
        return yaml.load(text, Loader=_no_alias_loader())  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise TalentbenchError(f"cannot read {what} {path}: not valid YAML{where}: {problem}") from None
