"""pyproject.toml: metadata that build tools will stop accepting, checked before they do."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_pyproject_licence_is_an_spdx_expression_with_a_setuptools_that_reads_it():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert pyproject["project"]["license"] == "MIT", "the { text = … } table is deprecated by setuptools"
    assert not any("License ::" in c for c in pyproject["project"].get("classifiers", [])), (
        "setuptools refuses a licence classifier next to an SPDX expression"
    )
    (setuptools,) = [r for r in pyproject["build-system"]["requires"] if r.startswith("setuptools")]
    assert setuptools == "setuptools>=77", "SPDX licence expressions need setuptools 77"
