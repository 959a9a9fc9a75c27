"""Shared fixtures: a fresh home, a scripted Messages API server, configs that point at it, and
the demo history imported (`demo`) or dreamt (`dreamt`)."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from app.config import Config, load_config
from dreamer.dream import dream
from memory_graph.store.session_log import SessionLog
from memory_graph.transcripts.importer import import_paths
from tests.support.demo import DEMO_HISTORY
from tests.support.fake_api import FakeMessagesAPI
from tests.support.shared_data import BENCHMARKS


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Without the benchmark data, its tests are skipped with a reason; under CI, which must
    provide it, its absence stops the run."""
    if BENCHMARKS.is_dir():
        return
    if os.environ.get("CI"):
        raise pytest.UsageError(
            f"{BENCHMARKS} is missing: CI provides ../shared beside the checkout"
        )
    skip = pytest.mark.skip(reason=f"needs the public benchmark data in {BENCHMARKS}")
    for item in items:
        if "shared_data" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _no_developer_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """A developer's own key, endpoint or home must never leak into a test."""
    for name in ("ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN", "ANTHROPIC_BASE_URL", "REVERIE_HOME"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    root = tmp_path / "workspace"
    root.mkdir()
    return root


@pytest.fixture
def fake_api() -> Iterator[FakeMessagesAPI]:
    server = FakeMessagesAPI().start()
    yield server
    server.stop()


@pytest.fixture
def connected(monkeypatch: pytest.MonkeyPatch, fake_api: FakeMessagesAPI, workspace: Path) -> None:
    """The environment of a person whose model is connected, in the workspace: for the
    command line, which reads it as a person's shell would give it."""
    monkeypatch.setenv("ANTHROPIC_BASE_URL", fake_api.base_url)
    monkeypatch.setenv("ANTHROPIC_API_KEY", "test-key")
    monkeypatch.chdir(workspace)


@pytest.fixture
def config(home: Path, workspace: Path, fake_api: FakeMessagesAPI) -> Config:
    """A config connected to the fake server, with fast retries."""
    return load_config(
        home,
        env={},
        overrides={
            "base_url": fake_api.base_url,
            "api_key": "test-key",
            "workspace": str(workspace),
            "retry_base_delay": 0.01,
            "max_retries": 2,
            "command_timeout": 10.0,
        },
    )


@pytest.fixture
async def log(home: Path) -> AsyncIterator[SessionLog]:
    session_log = await SessionLog.open(home)
    yield session_log
    await session_log.close()


@pytest.fixture
async def demo(log: SessionLog) -> SessionLog:
    """The log with the demo history imported, not yet dreamt."""
    await import_paths(log, [DEMO_HISTORY])
    return log


@pytest.fixture
async def dreamt(home: Path) -> Path:
    """A home whose log holds the demo history, dreamt once: its inbox is full."""
    async with await SessionLog.open(home) as log:
        await import_paths(log, [DEMO_HISTORY])
        await dream(log)
    return home
