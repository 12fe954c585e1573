"""eventmap as a user installs it, not as the checkout runs it (``make package-test``).

The ``package`` tests build the sdist and, from it, the wheel (``python -m build``), install the wheel
into a fresh virtual environment in a temporary folder (dependencies come from PyPI through pip's
cache), and run the README's commands there on a copy of the demo corpus, from a folder outside the
checkout, with a temporary home and the network refused (``network_guard``). After every command
nothing in the environment may have changed: the gazetteer is built on first use into the per-user
data folder. A second install goes through ``pipx``. They take a few minutes, so ``make test``
leaves them out (``-m "not package"``) and ``.ci/run`` calls ``make package-test`` too.

The other tests here are fast and part of ``make test``.
"""

from __future__ import annotations

import ast
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import tomllib
import urllib.request
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from browser_helpers import chromium_page, free_port
from network_guard import LOG_VARIABLE

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("geodata", "dashboard")
MARKERS = ".em-marker, .em-cluster"
# Loopback requests of the test itself must not go through a proxy named in the environment.
_HTTP = urllib.request.build_opener(urllib.request.ProxyHandler({}))


# ---------------------------------------------------------------------------- fast checks (make test)
def _third_party_imports() -> dict[str, set[str]]:
    """Top-level modules imported by the packages (stdlib and our own excluded) -> the files importing them."""
    found: dict[str, set[str]] = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names = [node.module]
                else:
                    continue
                for name in names:
                    top = name.split(".")[0]
                    if top not in sys.stdlib_module_names and top not in PACKAGES:
                        found.setdefault(top, set()).add(str(path.relative_to(ROOT)))
    return found


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _declared_dependencies(*, extras: bool = False) -> set[str]:
    """The install's dependencies; with ``extras``, also those of the optional features (not ``dev``)."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    specs = list(project["dependencies"])
    if extras:
        specs += [s for name, group in project["optional-dependencies"].items() if name != "dev" for s in group]
    return {_canonical(re.match(r"[A-Za-z0-9_.-]+", spec)[0]) for spec in specs}


def test_pyproject_declares_every_runtime_import():
    from importlib.metadata import packages_distributions

    distributions = packages_distributions()
    declared = _declared_dependencies(extras=True)  # an optional feature (`eventmap train`) names its extra
    undeclared = {
        module: sorted(files)
        for module, files in _third_party_imports().items()
        if not {_canonical(d) for d in distributions.get(module, [module])} & declared
    }
    assert undeclared == {}


def test_pyproject_declares_the_html_cleaner_that_trafilatura_imports():
    # trafilatura's justext imports lxml.html.clean, a separate project since lxml 5.2; a resolver
    # that picks an older justext leaves it out, and every .html article then fails to read.
    assert "lxml-html-clean" in _declared_dependencies()
    import lxml.html.clean  # noqa: F401


def test_package_data_globs_cover_every_runtime_file():
    globs = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["package-data"]
    covered = {path for package in PACKAGES for g in globs[package] for path in (ROOT / package).glob(g)}
    wanted = [
        ROOT / "geodata" / "taxonomy.toml",
        *(p for p in (ROOT / "geodata" / "lang").rglob("*") if p.is_file() and "__pycache__" not in p.parts),
        *(
            p
            for p in (ROOT / "geodata" / "gazetteer" / "data").iterdir()
            if p.suffix in {".tsv", ".parquet", ".toml", ".txt"}
        ),
        *(p for p in (ROOT / "dashboard" / "assets").rglob("*") if p.is_file()),
        *(p for p in (ROOT / "dashboard" / "export_assets").rglob("*") if p.is_file()),
        *(p for p in (ROOT / "dashboard" / "vendor").rglob("*") if p.is_file() and not p.name.startswith(".")),
    ]
    assert (ROOT / "dashboard" / "vendor" / "leaflet" / "LICENSE") in wanted  # `make test` vendors first
    assert [str(p.relative_to(ROOT)) for p in wanted if p.suffix != ".py" and p not in covered] == []


def test_network_guard_refuses_remote_hosts_and_allows_loopback(tmp_path):
    log = tmp_path / "network.log"
    code = (
        "import socket, network_guard\n"
        "with socket.socket() as server:\n"
        "    server.bind(('127.0.0.1', 0)); server.listen()\n"
        "    socket.create_connection(server.getsockname(), timeout=5).close()\n"
        "for host in ('pypi.org', '192.0.2.1'):\n"
        "    try:\n"
        "        socket.create_connection((host, 443), timeout=5)\n"
        "    except OSError:\n"
        "        pass\n"
        "    else:\n"
        "        raise SystemExit(f'{host} was reachable')\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT / "tests"), LOG_VARIABLE: str(log)}
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert log.read_text().splitlines() == ["DNS lookup of pypi.org", "connection to 192.0.2.1:443"]


# ---------------------------------------------------------------------------- the installed package
@dataclass
class Installation:
    """A virtual environment holding the wheel, and how to run its ``eventmap`` offline."""

    venv: Path
    home: Path
    work: Path
    network_log: Path
    env: dict[str, str]
    snapshot: dict[str, tuple[int, int]] = field(default_factory=dict)

    @property
    def eventmap(self) -> str:
        return str(self.venv / "bin" / "eventmap")

    def run(self, *args: str, program: str | None = None) -> subprocess.CompletedProcess:
        result = subprocess.run(
            [program or self.eventmap, *args],
            cwd=self.work,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=900,
        )
        assert result.returncode == 0, f"eventmap {' '.join(args)}:\n{result.stdout}\n{result.stderr}"
        self.assert_sealed()
        return result

    def assert_sealed(self) -> None:
        """No network was tried and nothing in the environment (site-packages included) changed."""
        attempts = self.network_log.read_text().splitlines() if self.network_log.exists() else []
        assert attempts == [], "eventmap tried to reach the network"
        now = _files(self.venv)
        changed = sorted(set(now.items()) ^ set(self.snapshot.items()))
        assert changed == [], f"eventmap wrote into its environment: {[name for name, _ in changed][:10]}"


def _files(folder: Path) -> dict[str, tuple[int, int]]:
    out = {}
    for path in folder.rglob("*"):
        if path.is_file() and not path.is_symlink():
            stat = path.stat()
            out[str(path.relative_to(folder))] = (stat.st_size, stat.st_mtime_ns)
    return out


def _site_packages(venv: Path) -> Path:
    code = "import sysconfig; print(sysconfig.get_paths()['purelib'])"
    return Path(subprocess.run([venv / "bin" / "python", "-c", code], capture_output=True, text=True).stdout.strip())


def _install_network_guard(venv: Path) -> None:
    site = _site_packages(venv)
    guard = site / "eventmap_test_network_guard.py"
    shutil.copy(ROOT / "tests" / "network_guard.py", guard)
    (site / "eventmap_test_network_guard.pth").write_text("import eventmap_test_network_guard\n")
    # Compiled now, as pip compiles what it installs: pipx's launcher runs `python -E`, which
    # ignores PYTHONDONTWRITEBYTECODE, and the .pyc would count as a write into the environment.
    subprocess.run([venv / "bin" / "python", "-m", "py_compile", str(guard)], check=True, timeout=60)


def _offline_env(home: Path, network_log: Path) -> dict[str, str]:
    """The caller's environment without anything that points at the checkout or eventmap settings."""
    dropped = ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME")
    env = {k: v for k, v in os.environ.items() if not k.startswith("EVENTMAP_") and k not in dropped}
    env.update(HOME=str(home), PYTHONDONTWRITEBYTECODE="1", **{LOG_VARIABLE: str(network_log)})
    return env


def _pip_install_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PIP_REQUIRE_VIRTUALENV")}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return env


@pytest.fixture(scope="module")
def scratch() -> Iterator[Path]:
    # Not pytest's tmp_path: it keeps the last runs, and each holds two 1.2 GB environments.
    with tempfile.TemporaryDirectory(prefix="eventmap-package-") as folder:
        yield Path(folder)


@pytest.fixture(scope="module")
def dists(scratch) -> dict[str, Path]:
    """The sdist and the wheel built from it, as ``python -m build`` makes them for a release."""
    out = scratch / "dist"
    result = subprocess.run(
        [sys.executable, "-m", "build", "--outdir", str(out), str(ROOT)],
        capture_output=True,
        text=True,
        env=_pip_install_env(),
        timeout=900,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return {"sdist": next(out.glob("*.tar.gz")), "wheel": next(out.glob("*.whl"))}


@pytest.fixture(scope="module")
def installed(scratch, dists) -> Installation:
    venv, home, work = scratch / "venv", scratch / "home", scratch / "work"
    home.mkdir()
    shutil.copytree(ROOT / "examples", work / "examples")
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    result = subprocess.run(
        [venv / "bin" / "python", "-m", "pip", "install", "--quiet", str(dists["wheel"])],
        capture_output=True,
        text=True,
        env=_pip_install_env(),
        timeout=1800,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    _install_network_guard(venv)
    installation = Installation(venv, home, work, scratch / "network.log", _offline_env(home, scratch / "network.log"))
    installation.snapshot = _files(venv)
    return installation


@pytest.fixture(scope="module")
def first_ingest(installed) -> subprocess.CompletedProcess:
    """``eventmap ingest examples`` on a machine that has never run eventmap: builds the gazetteer first."""
    return installed.run("ingest", "examples", "--store", "store")


@pytest.mark.package
def test_sdist_and_wheel_ship_the_runtime_files_and_the_asset_licences(dists):
    with zipfile.ZipFile(dists["wheel"]) as wheel:
        in_wheel = set(wheel.namelist())
    with tarfile.open(dists["sdist"]) as sdist:
        in_sdist = {name.split("/", 1)[1] for name in sdist.getnames() if "/" in name}
    runtime = {
        "geodata/taxonomy.toml",
        "geodata/gazetteer/data/curated.toml",
        "geodata/gazetteer/data/ne_admin1.parquet",
        "dashboard/assets/eventmap.js",
        "dashboard/export_assets/export.js",
        "dashboard/vendor/vendor.lock.json",
        *(str(p.relative_to(ROOT)) for p in (ROOT / "geodata" / "lang").rglob("*") if p.is_file()),
    }
    lock = json.loads((ROOT / "scripts" / "vendor.lock.json").read_text(encoding="utf-8"))
    vendored = {f"dashboard/vendor/{target}" for p in lock["packages"] for target in p["files"].values()}
    assert {"dashboard/vendor/leaflet/LICENSE", "dashboard/vendor/markercluster/MIT-LICENCE.txt"} <= vendored
    assert runtime | vendored <= in_wheel
    assert runtime | vendored <= in_sdist
    assert {"scripts/vendor_assets.py", "scripts/vendor.lock.json", "setup.py"} <= in_sdist
    assert not [
        n for n in in_wheel if n.endswith((".sqlite", ".geojson", ".pyc")) or n.startswith(("scripts/", "tests/"))
    ]


@pytest.mark.package
def test_installed_package_is_imported_from_the_environment(installed):
    code = "import geodata, dashboard, geodata.paths as p; print(geodata.__file__, p.is_source_checkout())"
    result = installed.run("-c", code, program=str(installed.venv / "bin" / "python"))
    module, checkout = result.stdout.split()
    assert Path(module).is_relative_to(installed.venv) and checkout == "False"


@pytest.mark.package
def test_installed_ingest_builds_the_gazetteer_once_into_the_user_data_folder(installed, first_ingest):
    import geodata

    data = installed.home / ".local" / "share" / "eventmap" / geodata.__version__
    assert f"building the gazetteer at {data / 'gazetteer.sqlite'}" in first_ingest.stderr
    assert (data / "gazetteer.sqlite").stat().st_size > 50e6 and (data / "basemap.geojson").is_file()
    assert re.search(
        r"32 files: 32 new articles, 0 already stored, 0 errors; \d+ events \(\d+ event rows", first_ingest.stdout
    )
    again = installed.run("gazetteer", "info", "--json")
    assert "building the gazetteer" not in again.stderr
    assert json.loads(again.stdout)["path"] == str(data / "gazetteer.sqlite")


@pytest.mark.package
def test_installed_events_writes_geojson(installed, first_ingest):
    installed.run("events", "--store", "store", "--format", "geojson", "-o", "events.geojson")
    features = json.loads((installed.work / "events.geojson").read_text(encoding="utf-8"))["features"]
    assert len(features) > 100
    assert {f["properties"]["category"] for f in features} == {"military", "political", "economic"}


@pytest.mark.package  # drives Chromium too; not marked browser, so `-m browser` does not install
def test_installed_export_html_offline_renders_with_no_network(installed, first_ingest):
    installed.run("export-html", "--store", "store", "--offline", "-o", "map.html")
    path = installed.work / "map.html"
    page_text = path.read_text(encoding="utf-8")
    assert not re.search(r"<(?:script|link)\b[^>]*\b(?:src|href)=\"(?:https?:)?//", page_text)
    with chromium_page() as (page, log, errors):
        refused: list[str] = []

        def handle(route):
            if route.request.url.startswith(("file:", "data:")):
                route.continue_()
            else:
                refused.append(route.request.url)
                route.abort()

        page.route("**/*", handle)
        page.goto(path.as_uri())
        page.wait_for_selector("html[data-eventmap-ready], html[data-eventmap-error]", timeout=30_000)
        assert page.get_attribute("html", "data-eventmap-error") is None
        assert page.locator(".leaflet-marker-pane .em-cluster, .leaflet-marker-pane .em-point").count() > 0
        assert "Countries (offline)" in page.locator(".leaflet-control-layers").inner_text()
        assert refused == [] and log.external == [] and errors == []


def _get(url: str) -> tuple[int, bytes]:
    with _HTTP.open(url, timeout=30) as response:
        return response.status, response.read()


def _wait_until_serving(process: subprocess.Popen, url: str) -> None:
    """Wait for the server to answer, or fail with its output if it exits first."""
    while True:
        try:
            _get(url)
            return
        except OSError:
            try:
                process.wait(timeout=0.5)  # wakes up at once if the server dies
            except subprocess.TimeoutExpired:
                continue
            out, err = process.communicate()
            pytest.fail(f"eventmap serve exited with {process.returncode}:\n{out}\n{err}")


@pytest.mark.package  # drives Chromium too; not marked browser, so `-m browser` does not install
def test_installed_serve_answers_with_the_leaflet_assets_and_the_basemap(installed, first_ingest):
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    process = subprocess.Popen(
        [installed.eventmap, "serve", "--store", "store", "--port", str(port)],
        cwd=installed.work,
        env=installed.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _wait_until_serving(process, url)
        status, body = _get(url)
        page_html = body.decode("utf-8")
        leaflet = re.search(r'src="(/_dash-component-suites/dash_leaflet/[^"]+\.js)"', page_html)
        assert status == 200 and leaflet, page_html[:2000]
        status, bundle = _get(url.rstrip("/") + leaflet.group(1))
        assert status == 200 and b"leaflet-container" in bundle
        status, own_js = _get(url + "assets/eventmap.js")
        assert status == 200 and own_js
        with _HTTP.open(urllib.request.Request(url + "eventmap-api/basemap.json"), timeout=30) as response:
            basemap = json.loads(response.read())
        assert len(basemap["features"]) > 200  # the user-folder basemap was found: countries, not an empty map
        with chromium_page() as (page, log, errors):
            page.goto(url)
            page.wait_for_selector(MARKERS, timeout=60_000)
            assert page.locator(".leaflet-container").count() == 1
            assert log.external == [] and errors == []
    finally:
        process.terminate()
        process.communicate(timeout=60)
    installed.assert_sealed()


@pytest.mark.package
def test_pipx_install_gives_the_same_working_command(scratch, dists, installed, first_ingest):
    pipx = scratch / "pipx"
    env = {**_pip_install_env(), "PIPX_HOME": str(pipx / "home"), "PIPX_BIN_DIR": str(pipx / "bin")}
    env["PIPX_MAN_DIR"] = str(pipx / "man")
    result = subprocess.run(
        [sys.executable, "-m", "pipx", "install", str(dists["wheel"])],
        capture_output=True,
        text=True,
        env=env,
        timeout=1800,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    venv = pipx / "home" / "venvs" / "eventmap"
    _install_network_guard(venv)
    # Same user as the pip install: the gazetteer this eventmap version built is reused, not rebuilt.
    via_pipx = Installation(venv, installed.home, installed.work, scratch / "network.log", installed.env)
    via_pipx.snapshot = _files(venv)
    command = str(pipx / "bin" / "eventmap")
    ingest = via_pipx.run("ingest", "examples", "--store", "pipx-store", program=command)
    assert "building the gazetteer" not in ingest.stderr and "32 new articles" in ingest.stdout
    via_pipx.run("events", "--store", "pipx-store", "--format", "csv", "-o", "pipx.csv", program=command)
    assert (installed.work / "pipx.csv").read_text(encoding="utf-8").count("\n") > 100
    via_pipx.run("export-html", "--store", "pipx-store", "--offline", "-o", "pipx.html", program=command)
    assert (installed.work / "pipx.html").stat().st_size > 100_000
