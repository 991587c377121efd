"""Packaging: the wheel's package list covers every importable directory and the data users need."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _config() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def test_every_python_package_is_listed() -> None:
    listed = set(_config()["tool"]["setuptools"]["packages"])
    found = {
        ".".join(p.parent.relative_to(ROOT).parts)
        for top in ("engine", "api", "rulesets", "seeds", "regulint")
        for p in (ROOT / top).rglob("*.py")
        if "__pycache__" not in p.parts
    }
    assert found <= listed, f"not in [tool.setuptools] packages: {sorted(found - listed)}"


def test_every_data_folder_with_an_importable_name_is_listed() -> None:
    """setuptools ships such a folder only when it is listed (and warns otherwise)."""
    listed = set(_config()["tool"]["setuptools"]["packages"])
    folders = {
        ".".join(p.relative_to(ROOT).parts)
        for top in ("api/service/static", "rulesets", "seeds")
        for p in [ROOT / top, *(ROOT / top).rglob("*")]
        if p.is_dir()
        and "__pycache__" not in p.parts
        and all(part.isidentifier() for part in p.relative_to(ROOT).parts)
    }
    assert folders <= listed, f"not in [tool.setuptools] packages: {sorted(folders - listed)}"


def test_core_install_leaves_server_static_analysis_and_strategies_to_extras() -> None:
    project = _config()["project"]
    core = " ".join(project["dependencies"])
    extras = project["optional-dependencies"]
    for name, extra in (
        ("fastapi", "server"),
        ("uvicorn", "server"),
        ("z3-solver", "lint"),
        ("hypothesis", "strategies"),
    ):
        assert name not in core
        assert any(req.startswith(name) for req in extras[extra])
    assert "regulint[server,lint,strategies]" in extras["test"]


def test_repair_and_fix_plans_need_no_hypothesis() -> None:
    """hypothesis is the ``strategies`` extra: the repair search, the fix planner and the package
    ``engine.testing`` import without it; only the strategies themselves ask for the extra."""
    script = (
        "import sys; sys.modules['hypothesis'] = None\n"
        "import engine.fix.plan, engine.testing.repair, engine.testing\n"
        "from engine.testing import repair, problems_in, compliant_seed\n"
        "from engine.core.extras import MissingExtra\n"
        "try:\n"
        "    from engine.testing import products\n"
        "except MissingExtra as exc:\n"
        "    print('extra:', exc)\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    assert "regulint[strategies]" in out.stdout


def test_missing_extra_is_a_clear_message() -> None:
    from engine.core.extras import MissingExtra, require

    try:
        require("regulint_no_such_module", "server", "the HTTP API")
    except MissingExtra as exc:
        assert "pip install 'regulint[server]'" in str(exc)
    else:  # pragma: no cover
        raise AssertionError("no MissingExtra")


def test_version_and_module_entry_point() -> None:
    from regulint import __version__

    out = subprocess.run([sys.executable, "-m", "regulint", "--version"], capture_output=True, text=True)
    assert out.returncode == 0 and out.stdout.strip() == f"regulint {__version__}"


def test_seeds_are_found_as_package_data() -> None:
    from engine.core.resources import seeds_dir

    assert (seeds_dir() / "faceswap-zao-style.json").is_file()
