"""Fetch the third-party browser assets listed in ``scripts/vendor.lock.json`` (``make vendor``).

Each package is downloaded from the npm registry at its pinned version, its tarball is checked
against the registry's ``sha512`` integrity string, and only the listed files (the licence among
them) are extracted into ``dashboard/vendor/``, beside a copy of the lock
(``dashboard/vendor/vendor.lock.json``): that copy is what the package reads, so an installed
eventmap never needs this folder. Every sdist and wheel build runs this first (``setup.py``) and
ships the files. Nothing is fetched at run time, and nothing fetched here is committed.

    python scripts/vendor_assets.py [--check]

``--check`` only verifies that every listed file is present (exit 1 otherwise).
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import io
import json
import sys
import tarfile
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LOCK = ROOT / "scripts" / "vendor.lock.json"
VENDOR = ROOT / "dashboard" / "vendor"
RECORD = VENDOR / "vendor.lock.json"
REGISTRY = "https://registry.npmjs.org"
_RECORD_NOTE = (
    "Written by scripts/vendor_assets.py from scripts/vendor.lock.json: the browser assets vendored in this "
    "folder (files: tarball path -> path here). dashboard/export.py reads versions from it."
)


def _tarball_url(name: str, version: str) -> str:
    return f"{REGISTRY}/{name}/-/{name.split('/')[-1]}-{version}.tgz"


def _check_integrity(blob: bytes, integrity: str, name: str) -> None:
    algorithm, _, expected = integrity.partition("-")
    digest = base64.b64encode(hashlib.new(algorithm, blob).digest()).decode()
    if digest != expected:
        raise SystemExit(f"vendor: integrity mismatch for {name}: got {algorithm}-{digest}")


def fetch(package: dict) -> None:
    url = _tarball_url(package["name"], package["version"])
    with urllib.request.urlopen(url, timeout=120) as response:
        blob = response.read()
    _check_integrity(blob, package["integrity"], package["name"])
    with tarfile.open(fileobj=io.BytesIO(blob)) as tar:
        for member_name, target in package["files"].items():
            member = tar.extractfile(member_name)
            if member is None:
                raise SystemExit(f"vendor: {member_name} missing from {package['name']}@{package['version']}")
            out = VENDOR / target
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_bytes(member.read())


def _recorded() -> list[dict]:
    try:
        return json.loads(RECORD.read_text(encoding="utf-8"))["packages"]
    except (OSError, ValueError, KeyError):
        return []


def missing_packages(packages: list[dict]) -> list[dict]:
    """The locked packages whose files are absent or were vendored at another version or file list."""
    recorded = {p["name"]: p for p in _recorded()}
    return [
        p
        for p in packages
        if recorded.get(p["name"]) != p or not all((VENDOR / target).is_file() for target in p["files"].values())
    ]


def vendor(*, check: bool = False) -> int:
    """Fetch what is missing (or with ``check``, report it); 0 when everything is in place."""
    packages = json.loads(LOCK.read_text(encoding="utf-8"))["packages"]
    missing = missing_packages(packages)
    if check:
        for p in missing:
            print(f"vendor: {p['name']}@{p['version']} missing", file=sys.stderr)
        return 1 if missing or _recorded() != packages else 0
    for package in missing:
        print(f"vendor: fetching {package['name']}@{package['version']}", file=sys.stderr)
        fetch(package)
    if _recorded() != packages:
        VENDOR.mkdir(parents=True, exist_ok=True)
        RECORD.write_text(
            json.dumps({"_comment": _RECORD_NOTE, "packages": packages}, indent=1, ensure_ascii=False) + "\n",
            encoding="utf-8",
        )
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args(argv)
    return vendor(check=args.check)


if __name__ == "__main__":
    raise SystemExit(main())
