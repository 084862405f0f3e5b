"""Shared test data and helpers (imported by the tests; fixtures live in conftest.py)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")

# A small hand-written corpus for fast unit tests, with a custom one-facet schema.
TOY_TEXTS = [
    "wheat and barley harvest rises as grain exports grow",
    "grain prices fall after a record wheat crop",
    "maize and wheat shipments leave the grain terminal",
    "farmers store grain as wheat prices slump",
    "crude oil prices jump as opec cuts output",
    "oil tanker traffic rises and crude stocks fall",
    "opec ministers meet on crude oil production quotas",
    "refinery margins widen as crude oil rallies",
    "gold and copper miners report higher output",
    "copper prices climb on mine strike fears",
    "the city council approved a new park budget",
    "the football club signed a new striker on loan",
]
TOY_TOPICS = [
    ["grain"],
    ["grain"],
    ["grain"],
    ["grain"],
    ["oil"],
    ["oil"],
    ["oil"],
    ["oil"],
    ["metals"],
    ["metals"],
    [],
    [],
]


def write_jsonl(path: Path, rows) -> Path:
    path.write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8"
    )
    return path


def shared_path(*parts: str) -> Path:
    """A path under ../shared, or a skip (a failure in CI, which always has it)."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        if IN_CI:
            pytest.fail(f"{path} is missing in CI")
        pytest.skip(
            f"{path} is absent: ../shared is only beside the project in the team's checkouts and CI"
        )
    return path
