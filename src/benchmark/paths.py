"""Where things live: the packaged resources and the project's working folders."""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

RESOURCES = Path(str(resources.files("benchmark") / "resources"))


def workdir() -> Path:
    """The folder outputs go under (``data/processed``, ``figures``, ``data/raw``).

    ``TALENTBENCH_HOME`` overrides it; otherwise the current directory.
    """
    return Path(os.environ.get("TALENTBENCH_HOME", ".")).resolve()


def resource(*parts: str) -> Path:
    return RESOURCES.joinpath(*parts)
