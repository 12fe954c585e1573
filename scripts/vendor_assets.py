"""Fetch the third-party browser assets listed in ``scripts/vendor.lock.json`` (``make vendor``).

Each package is downloaded from the npm registry at its pinned version, its tarball is checked
against the registry's ``sha512`` integrity string, and only the listed files are extracted into
``dashboard/vendor/``. Nothing is fetched at run time, and nothing fetched here is committed.

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
REGISTRY = "https://registry.npmjs.org"


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
    stamp = VENDOR / f".{package['name'].replace('/', '_')}-{package['version']}"
    stamp.write_text(package["integrity"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args(argv)
    packages = json.loads(LOCK.read_text())["packages"]
    missing = [
        p
        for p in packages
        if not (VENDOR / f".{p['name'].replace('/', '_')}-{p['version']}").exists()
        or not all((VENDOR / t).exists() for t in p["files"].values())
    ]
    if args.check:
        for p in missing:
            print(f"vendor: {p['name']}@{p['version']} missing", file=sys.stderr)
        return 1 if missing else 0
    for package in missing:
        print(f"vendor: fetching {package['name']}@{package['version']}", file=sys.stderr)
        fetch(package)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
