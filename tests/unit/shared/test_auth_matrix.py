"""The role × scope matrix as the README shows it, and the guard that enforces it."""

from __future__ import annotations

from pathlib import Path

from services.audit.access import ACCESS as AUDIT
from services.casework.api.access import ACCESS as CASEWORK
from services.stations.api.access import ACCESS as STATIONS
from services.workforce.api.access import ACCESS as WORKFORCE
from shared.access import markdown

README = Path(__file__).resolve().parents[3] / "README.md"
TABLES = {"stations": STATIONS, "workforce": WORKFORCE, "casework": CASEWORK, "audit": AUDIT}
BEGIN, END = "<!-- role matrix: begin -->", "<!-- role matrix: end -->"


def test_the_readme_shows_the_matrix_the_services_enforce() -> None:
    text = README.read_text(encoding="utf-8")
    shown = text[text.index(BEGIN) + len(BEGIN):text.index(END)].strip()
    assert shown == markdown(TABLES).strip(), (
        "README's role matrix differs from services/*/access.py: paste the output of "
        "`python -c 'from tests.unit.shared.test_auth_matrix import current; print(current())'`")


def test_no_table_lets_the_system_role_in() -> None:
    assert all("system" not in {r.value for r in allowed} for table in TABLES.values() for allowed in table.values())


def current() -> str:
    """The matrix as the README should show it."""
    return markdown(TABLES)
