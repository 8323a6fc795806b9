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


def read_yaml(path: Path | str, what: str) -> Any:
    """Parse a YAML configuration file; every way it can fail is one TalentbenchError naming ``what``."""
    import yaml

    from benchmark.errors import TalentbenchError

    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise TalentbenchError(f"cannot read {what} {path}: file not found") from None
    except UnicodeDecodeError:
        raise TalentbenchError(f"cannot read {what} {path}: not UTF-8 text") from None
    except OSError as exc:
        raise TalentbenchError(f"cannot read {what} {path}: {exc.strerror or exc}") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise TalentbenchError(f"cannot read {what} {path}: not valid YAML{where}: {problem}") from None
