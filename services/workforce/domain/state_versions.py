"""The versions of a social worker's state, as its snapshots store it (``SocialWorker.class_version``).

1. Every completed course in ``training`` (a list of ``course``, ``hours``, ``completed_on``), so a worker's state,
   its snapshot and every load grew with its history.
2. Training as totals only, ``training_hours`` and ``training_count``; the courses are read from the worker's stored
   ``TrainingCompleted`` events when its record is shown.

A snapshot stored at version 1 carries no ``class_version``; loading it upcasts its state with the functions below.
Events do not change between these versions (``TrainingCompleted`` is stored and published as before).
"""

from __future__ import annotations

from typing import Any


def training_totals(state: dict[str, Any]) -> None:
    """Version 1 → 2: the list of courses becomes its totals (in place, as eventsourcing's upcasting expects)."""
    courses = state.pop("training", [])
    state["training_hours"] = sum(course["hours"] for course in courses)
    state["training_count"] = len(courses)
