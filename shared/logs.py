"""Logging of every service process: one line per record on stderr, INFO and above.

Personal data never goes into a log record: callers log ids, never values.
"""

from __future__ import annotations

import logging
import sys

PROJECT_LOGGERS = ("shared", "services", "sw")
_configured: set[str] = set()


def configure_logging(service: str) -> None:
    """Sends the project's loggers to stderr, once per process."""
    if _configured:
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(f"%(asctime)s %(levelname)s {service} %(name)s: %(message)s"))
    for name in PROJECT_LOGGERS:
        logger = logging.getLogger(name)
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False
    _configured.add(service)
