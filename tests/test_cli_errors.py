"""Hostile input on the command line: one clear line per problem, never a traceback, the batch goes on."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NEWLINE_NAME = "two\nlines.txt"
BRIEF = "Curfew in Esmeraldas\nPublished: 2026-02-11\n\nThe governor imposed a night curfew in Esmeraldas on Tuesday.\n"


def _as_ordinary_user(command: list[str]) -> list[str]:
    """Run ``command`` so that file permissions apply: root reads everything unless it drops the two
    capabilities that bypass them (tests and CI often run as root)."""
    if os.geteuid() != 0:
        return command
    if not shutil.which("setpriv"):
        pytest.skip("running as root without setpriv (util-linux): permissions cannot be tested")
    return ["setpriv", "--bounding-set=-dac_override,-dac_read_search", *command]


@pytest.fixture
def locked(tmp_path):
    """Folders made unreadable during a test, made readable again afterwards so pytest can clean up."""
    folders: list[Path] = []

    def lock(path: Path) -> Path:
        path.chmod(0)
        folders.append(path)
        return path

    yield lock
    for path in folders:
        path.chmod(0o755)


def test_ingest_reports_each_unreadable_path_on_one_line_and_stores_the_rest(tmp_path, gazetteer_path, locked):
    batch = tmp_path / "batch"
    batch.mkdir()
    (batch / "good.txt").write_text(BRIEF)
    (batch / NEWLINE_NAME).write_text("")
    (batch / "gone.txt").symlink_to(batch / "deleted.txt")
    (batch / "loop.txt").symlink_to(batch / "loop.txt")
    secret = batch / "secret"
    secret.mkdir()
    (secret / "hidden.txt").write_text(BRIEF)
    locked(secret)
    private = tmp_path / "private"
    private.mkdir()
    (private / "inside.txt").write_text(BRIEF)
    locked(private)
    unreadable = tmp_path / "unreadable.txt"
    unreadable.write_text(BRIEF)
    unreadable.chmod(0)
    store = tmp_path / "store"
    command = [sys.executable, "-m", "geodata.cli", "ingest", str(private / "inside.txt"), str(unreadable), str(batch)]
    env = {**os.environ, "EVENTMAP_GAZETTEER_PATH": str(gazetteer_path), "EVENTMAP_STORE": str(store)}
    done = subprocess.run(_as_ordinary_user(command), env=env, capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert "Traceback" not in done.stderr, done.stderr
    assert done.returncode == 1, done.stderr
    skipped = [line for line in done.stderr.splitlines() if line.startswith("eventmap: skipped")]
    assert skipped == [
        f"eventmap: skipped {str(private / 'inside.txt')!r}: cannot be read: Permission denied",
        f"eventmap: skipped {str(unreadable)!r}: cannot be read: Permission denied",
        f"eventmap: skipped {str(batch / 'gone.txt')!r}: is a broken symlink (to {str(batch / 'deleted.txt')!r})",
        f"eventmap: skipped {str(batch / 'loop.txt')!r}: is a symlink loop",
        f"eventmap: skipped {str(secret)!r}: is a folder that cannot be read: Permission denied",
        f"eventmap: skipped {str(batch / NEWLINE_NAME)!r}: is empty",
    ]
    assert "7 files: 1 new article" in done.stdout
