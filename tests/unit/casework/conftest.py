"""Fixtures of the casework unit tests (everything else they share is in ``world.py``)."""

from __future__ import annotations

import pytest

from tests.unit.casework.world import World, new_world


@pytest.fixture
def world() -> World:
    """A fresh casework application on in-memory stores."""
    return new_world()
