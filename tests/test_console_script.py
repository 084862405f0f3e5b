"""The installed `classifier` console script runs (what a user gets after pip install)."""

import json
import shutil
import subprocess

import pytest
from helpers import IN_CI


def script() -> str:
    path = shutil.which("classifier")
    if path is None:
        if IN_CI:
            pytest.fail("the classifier console script is not installed in CI")
        pytest.skip("classifier is not installed (pip install .)")
    return path


def test_version_and_help():
    done = subprocess.run([script(), "--version"], capture_output=True, text=True, check=True)
    assert done.stdout.startswith("classifier ")
    done = subprocess.run([script(), "--help"], capture_output=True, text=True, check=True)
    for command in ("tag", "train", "evaluate", "info"):
        assert command in done.stdout


def test_tag_from_standard_input_with_the_default_model():
    done = subprocess.run(
        [script(), "tag", "-"],
        input='{"id": "a", "text": "The EU and Japan agreed to coordinate chip export controls."}\n'
        '{"id": "b", "text": "A recipe for crisp potato chips with sea salt."}\n',
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    records = [json.loads(line) for line in done.stdout.splitlines()]
    assert [r["id"] for r in records] == ["a", "b"]
    assert "semiconductors" in records[0]["sector"]
    assert records[1]["sector"] == [] and records[1]["cooperation"] == []


def test_usage_error_exit_code():
    done = subprocess.run(
        [script(), "tag", "/nonexistent/input.jsonl"], capture_output=True, text=True
    )
    assert done.returncode == 2
    assert done.stderr == (
        "classifier tag: error: /nonexistent/input.jsonl: no such file or directory; "
        "check the path\n"
    )
