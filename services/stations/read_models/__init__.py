"""Read models of the stations service, fed only by the stream: the station-status view and the registers."""

from __future__ import annotations

from .registers import Registers
from .station_status import StationStatusView

__all__ = ["Registers", "StationStatusView"]
