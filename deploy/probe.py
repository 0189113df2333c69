"""``python -m deploy.probe PORT [PATH ...]``: exit 0 if each path (default ``/healthz`` and ``/readyz``) answers 200.

The container health check of deploy/compose.yaml: the production image has Python but no curl.
"""

from __future__ import annotations

import sys
import urllib.error
import urllib.request

PATHS = ("/healthz", "/readyz")


def healthy(port: int, paths: tuple[str, ...] = PATHS, timeout: float = 3.0) -> bool:
    """True if every path answers 200 on 127.0.0.1:PORT."""
    for path in paths:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=timeout) as answer:
                if answer.status != 200:
                    return False
        except (urllib.error.URLError, OSError):
            return False
    return True


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    return 0 if healthy(int(args[0]), tuple(args[1:]) or PATHS) else 1


if __name__ == "__main__":
    sys.exit(main())
