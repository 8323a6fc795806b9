"""Shared test fixtures: where the real material of ../shared/data lives."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def shared_data_dir() -> Path:
    return Path(os.environ.get("TALENTBENCH_SHARED_DATA", REPO.parent / "shared" / "data"))


@pytest.fixture(scope="session")
def shared_data() -> Path:
    path = shared_data_dir()
    if not (path / "policy_corpus").is_dir():
        pytest.fail(f"real test material not found at {path}; set TALENTBENCH_SHARED_DATA")
    return path
