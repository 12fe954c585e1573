"""``eventmap serve``: a busy port said first, a production WSGI server, quiet by default, loopback."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from click.testing import CliRunner

from geodata.cli import main

ROOT = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_serve_on_a_busy_port_says_so_first_and_how_to_pick_another(tmp_path, gazetteer_path, monkeypatch):
    import dashboard.app

    monkeypatch.setattr(dashboard.app, "create_app", lambda *a, **k: (_ for _ in ()).throw(AssertionError("built")))
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = CliRunner().invoke(
            main,
            ["serve", "--store", str(tmp_path / "store"), "--port", str(port)],
            env={"EVENTMAP_GAZETTEER_PATH": str(gazetteer_path)},
        )
    assert result.exit_code == 2
    assert result.output.splitlines() == [
        f"eventmap: error: port {port} on 127.0.0.1 is already in use (another eventmap serve?); "
        f"pick another with --port {port + 1} or EVENTMAP_PORT={port + 1}"
    ]


def test_serve_on_an_unknown_host_is_one_line(tmp_path, gazetteer_path):
    result = CliRunner().invoke(
        main,
        ["serve", "--store", str(tmp_path / "store"), "--host", "not a host"],
        env={"EVENTMAP_GAZETTEER_PATH": str(gazetteer_path)},
    )
    assert result.exit_code == 2
    assert len(result.output.splitlines()) == 1 and "host" in result.output


def _get(url: str) -> tuple[int, dict[str, str]]:
    with urllib.request.urlopen(url, timeout=30) as response:
        response.read()
        return response.status, dict(response.headers)


def _wait_until_serving(url: str, process: subprocess.Popen, seconds: float = 300) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the server stopped: {process.communicate()[1]}")
        try:
            _get(url)
            return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)  # polling a condition: is the server up yet
    raise AssertionError("the server did not answer")


def test_serve_runs_a_production_server_quietly(tmp_path, gazetteer_path):
    port = _free_port()
    env = {**os.environ, "EVENTMAP_GAZETTEER_PATH": str(gazetteer_path), "EVENTMAP_PORT": str(port)}
    command = [sys.executable, "-m", "geodata.cli", "serve", "--store", str(tmp_path / "store")]
    process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        url = f"http://127.0.0.1:{port}/"
        _wait_until_serving(url, process)
        status, headers = _get(url)
        for _ in range(3):
            _get(url + "_dash-layout")
    finally:
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=120)
    assert status == 200
    assert headers["Server"] == "eventmap", "waitress, not Werkzeug's development server"
    assert process.returncode == 0, err
    lines = [line for line in err.splitlines() if "basemap" not in line]  # `make data` builds it; not this test's job
    assert lines == [f"eventmap: serving {tmp_path / 'store'} at http://127.0.0.1:{port}/ (Ctrl+C to stop)"]
    assert "Traceback" not in err and not out


def test_serve_access_log_prints_one_line_per_request(capsys):
    from dashboard.commands import _AccessLog

    def app(environ, start_response):
        start_response("404 NOT FOUND", [("Content-Type", "text/plain")])
        return [b"no"]

    body = _AccessLog(app)(
        {"REMOTE_ADDR": "127.0.0.1", "REQUEST_METHOD": "GET", "PATH_INFO": "/x\ny", "QUERY_STRING": "a=1"},
        lambda status, headers: None,
    )
    assert body == [b"no"]
    assert capsys.readouterr().err.splitlines() == ["127.0.0.1 GET '/x\\ny?a=1' 404"]


def test_make_run_takes_port():
    makefile = (ROOT / "Makefile").read_text()
    done = subprocess.run(
        ["make", "-n", "-f", "-", "run", "PORT=8123", "STORE=demo"],
        input=makefile,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    assert "eventmap serve --store demo --port 8123" in done.stdout
    without = subprocess.run(
        ["make", "-n", "-f", "-", "run", "STORE=demo"], input=makefile, capture_output=True, text=True, cwd=ROOT
    )
    assert "serve --store demo\n" in without.stdout
