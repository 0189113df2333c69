"""The layering rules hold: domain and application import no framework; services never import each other."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_import_linter_contracts_are_kept() -> None:
    result = subprocess.run([str(Path(sys.executable).parent / "lint-imports"), "--no-cache"], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 kept, 0 broken" in result.stdout


def test_the_contracts_cover_every_service_layer() -> None:
    config = (ROOT / "pyproject.toml").read_text()
    for service in ("stations", "workforce", "casework", "audit"):
        for layer in ("domain", "application"):
            assert f'"services.{service}.{layer}"' in config
