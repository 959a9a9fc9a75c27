"""The wheel is what a person installs: built from this checkout and installed into a fresh
venv outside it, `reverie demo` runs, with nothing of the checkout in reach.

Offline: the wheel is built with this venv's setuptools (no build isolation), and installed
with no index and no dependencies. The new venv sees the dependencies through a `.pth` line
naming this venv's site-packages: a plain path line adds that folder to `sys.path` but runs
none of the `.pth` files in it, so the editable install of the checkout stays out of reach
(the test checks that the `app` imported is the installed one)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from importlib.util import find_spec
from pathlib import Path

import pytest

from tests.support.processes import clean_environment

pytestmark = pytest.mark.skipif(
    find_spec("setuptools") is None,
    reason="building the wheel offline needs setuptools in this venv (the dev extra has it)",
)

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("app", "dreamer", "memory_graph")
BUILT_FROM = ("pyproject.toml", "README.md", *PACKAGES, "assets")
"""What the build reads, copied so that the build leaves nothing in the checkout."""
HEADLESS = "textual.drivers.headless_driver:HeadlessDriver"
WHERE = "import app, importlib.resources as r; print(app.__file__); print(r.files('app.assets'))"
TIMEOUT = 120
PIP = [sys.executable, "-m", "pip"]
OFFLINE = ["--no-deps", "--no-index", "--quiet", "--disable-pip-version-check"]


def _run(argv: list[str | Path], cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environment = clean_environment(**env)
    environment.pop("PYTHONPATH", None)
    done = subprocess.run(
        argv, cwd=cwd, env=environment, capture_output=True, text=True, timeout=TIMEOUT
    )
    assert done.returncode == 0, f"{argv}: {done.stderr}"
    return done


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("wheel")
    source = work / "source"
    source.mkdir()
    for name in BUILT_FROM:
        if (ROOT / name).is_dir():
            shutil.copytree(
                ROOT / name,
                source / name,
                ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"),
            )
        else:
            shutil.copy2(ROOT / name, source / name)
    _run([*PIP, "wheel", *OFFLINE, "--no-build-isolation", "-w", work / "dist", source], work)
    (built,) = (work / "dist").glob("reverie-*.whl")
    return built


def test_the_wheel_holds_every_module_and_the_demo_history(wheel: Path) -> None:
    """The package list in pyproject.toml is written by hand: a package left out of it fails
    here, not on a user's machine."""
    names = set(zipfile.ZipFile(wheel).namelist())
    sources = {
        path.relative_to(ROOT).as_posix()
        for package in PACKAGES
        for path in (ROOT / package).rglob("*")
        if path.suffix in (".py", ".tcss")
    }
    assert sources - names == set()
    assert "app/assets/demo/history.jsonl" in names
    assert {name.split("/")[0] for name in names if ".dist-info/" not in name} == set(PACKAGES)


def test_reverie_demo_runs_from_a_wheel_installed_outside_the_checkout(
    wheel: Path, tmp_path: Path
) -> None:
    venv, elsewhere, home = tmp_path / "venv", tmp_path / "elsewhere", tmp_path / "home"
    assert not tmp_path.is_relative_to(ROOT)
    elsewhere.mkdir()
    _run([sys.executable, "-m", "venv", "--without-pip", venv], elsewhere)
    python, reverie = venv / "bin" / "python", venv / "bin" / "reverie"
    _run([*PIP, "--python", python, "install", *OFFLINE, wheel], elsewhere)
    site = _run([python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"], elsewhere)
    (Path(site.stdout.strip()) / "dependencies.pth").write_text(
        sysconfig.get_path("purelib") + "\n"
    )

    where = _run([python, "-c", WHERE], elsewhere)
    for found in map(Path, where.stdout.splitlines()):
        assert found.is_relative_to(venv) and not found.is_relative_to(ROOT), found

    # The real command: it prepares the demo home, then opens the TUI, which Textual runs
    # without a terminal, saving what it shows and quitting (after a second: Textual 8 fails on
    # a timer of 0).
    demo = _run(
        [reverie, "--home", home, "demo"],
        elsewhere,
        TEXTUAL_DRIVER=HEADLESS,
        TEXTUAL_SCREENSHOT="1",
        TEXTUAL_SCREENSHOT_LOCATION=str(tmp_path),
        TEXTUAL_SCREENSHOT_FILENAME="demo.svg",
    )
    assert re.search(r"^demo: [1-9]\d* sessions dreamt, [1-9]\d* proposals$", demo.stderr, re.M)
    assert "Inbox" in (tmp_path / "demo.svg").read_text()
    inbox = _run([reverie, "--home", home, "inbox", "--json"], elsewhere)
    assert json.loads(inbox.stdout)["proposals"]
