"""Prometheus metrics shared by every service."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

REQUESTS = Counter("sw_http_requests_total", "HTTP requests", ["service", "method", "route", "status"])
REQUEST_SECONDS = Histogram("sw_http_request_seconds", "HTTP request duration", ["service", "route"])
RELAY_PUBLISHED = Counter("sw_relay_published_total", "Events published by the relay", ["service"])
RELAY_LAG = Gauge("sw_relay_lag", "Stored events not yet published", ["service"])
CONSUMER_LAG = Gauge("sw_consumer_lag", "Stream messages not yet applied", ["projection"])
CONSUMER_APPLIED = Counter("sw_consumer_applied_total", "Events applied by a projection", ["projection"])
CONSUMER_DEAD_LETTERED = Counter("sw_consumer_dead_lettered_total", "Messages dead-lettered", ["projection"])
LOOP_UP = Gauge("sw_loop_up", "1 while a background loop runs or stands by, 0 while it starts or is stalled",
                ["service", "loop"])
LOOP_STALLED_SECONDS = Gauge("sw_loop_stalled_seconds", "How long a background loop has been stalled",
                             ["service", "loop"])
CONSUMER_PENDING = Gauge("sw_consumer_pending", "Stream messages a projection's consumer has not yet been given",
                         ["projection"])
DLQ_DEPTH = Gauge("sw_dlq_depth", "Messages dead-lettered on <prefix>.dlq.<projection>", ["projection"])
