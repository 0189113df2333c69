"""Disaster recovery, the tested path: a service's database restored from a ``pg_dump`` taken earlier.

The stations database is dumped once the system has settled, work goes on (workforce commands, which the
stations read models follow), then the database is dropped, restored from the dump and the service restarted.
The dump's relay position is set back to nothing first, the worst a backup can hold: the stream already has
every event the dump holds. Then: the stream and the ledger hold every event once (the relay republished
nothing twice; it moved its position forward to what the stream holds), nothing stored is unpublished, and
after the documented step (``python -m deploy.rebuild`` of the service's read models) the read models equal a
rebuild from the stream: they caught up with what happened after the dump.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from shared import store
from tests.fault import checks
from tests.fault.harness import ROOT, Load, Private, county_plan, organisation_story, story
from tests.fault.servers import PG_BIN

SERVICE = "stations"
READ_MODELS = checks.READ_MODELS[SERVICE]


def stations_on_stream(settings) -> int:
    """Copies of stations events on the stream (every id counted as often as it is there)."""
    snap = checks.snapshot(settings)
    return sum(n for event_id, n in snap.stream.items() if event_id.startswith(f"{SERVICE}-"))


def pg(tool: str, *args: str) -> None:
    subprocess.run([str(PG_BIN / tool), *args], check=True, capture_output=True, timeout=120)


def test_a_store_restored_from_a_dump_republishes_nothing_twice_and_its_read_models_catch_up(
        private: Private, tmp_path: Path) -> None:
    deployment = private.deploy()
    settings = deployment.settings
    load = Load(deployment)
    assert load.send(county_plan()).accepted
    load.run(story("dump", 4))
    before, took = checks.wait_settled(settings, 90)
    assert took is not None, "the system did not settle before the dump"
    dbname, port = settings.database_name(SERVICE), str(private.postgres.port)
    dump = tmp_path / f"{dbname}.dump"
    pg("pg_dump", "-Fc", "-h", "127.0.0.1", "-p", port, "-U", "postgres", "-d", dbname, "-f", str(dump))

    load.run([organisation_story("after", n) for n in range(2)])  # work goes on after the backup
    after, took = checks.wait_settled(settings, 90)
    assert took is not None
    stations_stored = {k for k in after.stored if k.startswith(f"{SERVICE}-")}
    assert stations_stored == {k for k in before.stored if k.startswith(f"{SERVICE}-")}, \
        "the stations store changed after the dump: the scenario assumes it does not"
    published = stations_on_stream(settings)

    deployment.procs[SERVICE].stop()
    store.drop_database(settings.database_url, dbname)
    store.ensure_database(settings.database_url, dbname)
    pg("pg_restore", "-h", "127.0.0.1", "-p", port, "-U", "postgres", "-d", dbname, str(dump))
    with store.connect(store.url_for(settings.database_url, dbname), autocommit=True) as conn:
        conn.execute("UPDATE relay_position SET position = 0, last_published = 0")  # the oldest a backup can hold
    deployment.procs[SERVICE].start()
    deployment.procs[SERVICE].wait_ready()

    restored, took = checks.wait_settled(settings, 90)
    assert took is not None, f"not settled after the restore: unpublished {sorted(restored.unpublished)[:5]}"
    assert restored.duplicated == 0
    assert stations_on_stream(settings) == published  # nothing republished twice
    assert set(restored.stored) == set(after.stored)
    for name in READ_MODELS:  # the documented step: read models rebuilt from the stream
        subprocess.run([sys.executable, "-m", "deploy.rebuild", SERVICE, name], env=deployment.env(), cwd=ROOT,
                       check=True, capture_output=True, timeout=180)
    equal = checks.projections_equal(settings)
    assert all(equal.values()), equal
    assert checks.verify(deployment).get("complete") is True
