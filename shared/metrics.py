"""Prometheus metrics shared by every service.

Figures that would go stale if a loop died (relay lag, consumer pending, DLQ depth) are measured when
``/metrics`` is scraped, not remembered from the last loop iteration; NaN means "unknown right now" (the
store or the broker does not answer), never an old value.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

REQUESTS = Counter("sw_http_requests_total", "HTTP requests", ["service", "method", "route", "status"])
REQUEST_SECONDS = Histogram("sw_http_request_seconds", "HTTP request duration", ["service", "route"])
RELAY_PUBLISHED = Counter("sw_relay_published_total", "Events published by the relay", ["service"])
RELAY_LAG = Gauge("sw_relay_lag", "Stored events not yet published: the store's head minus the relay's durable "
                  "position, measured at scrape (NaN while the store is unreachable)", ["service"])
CONSUMER_LAG = Gauge("sw_consumer_lag", "Stream messages not yet applied (pending plus unacknowledged)",
                     ["projection"])
CONSUMER_APPLIED = Counter("sw_consumer_applied_total", "Events applied by a projection", ["projection"])
CONSUMER_DEAD_LETTERED = Counter("sw_consumer_dead_lettered_total", "Messages dead-lettered", ["projection"])
LOOP_UP = Gauge("sw_loop_up", "1 while a background loop runs or stands by, 0 while it starts or is stalled",
                ["service", "loop"])
LOOP_STALLED_SECONDS = Gauge("sw_loop_stalled_seconds", "How long a background loop has been stalled",
                             ["service", "loop"])
CONSUMER_PENDING = Gauge("sw_consumer_pending", "Stream messages a projection's consumer has not yet been given, "
                         "measured at scrape (NaN while the broker is unreachable)", ["projection"])
CONSUMER_HELD = Gauge("sw_consumer_held", "Messages a projection holds in memory, unacknowledged, until an earlier "
                      "event of their source is applied (shared.held), measured at scrape", ["projection"])
CONSUMER_DEFERRED = Gauge("sw_consumer_deferred", "Messages with nothing for a read model waiting, unacknowledged, "
                          "to be applied with a later batch (shared.coalesce), measured at scrape", ["projection"])
DLQ_DEPTH = Gauge("sw_dlq_depth", "Messages on <prefix>.dlq.<projection>, measured at scrape", ["projection"])
CHECKPOINT_AGE = Gauge("sw_audit_checkpoint_age_seconds", "Seconds since the latest signed checkpoint while the ledger "
                       "holds entries no checkpoint covers (0 when every entry is signed); measured each period")
