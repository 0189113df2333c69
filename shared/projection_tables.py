"""The bookkeeping tables of every projection: the schema its tables follow, and how far it applied each source."""

SCHEMA_DDL = """
CREATE TABLE IF NOT EXISTS projection_schema (
    projection text PRIMARY KEY,
    fingerprint text NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
)
"""

TRACKING_DDL = """
CREATE TABLE IF NOT EXISTS projection_tracking (
    projection text NOT NULL,
    source text NOT NULL,
    last_sequence bigint NOT NULL,
    stream_sequence bigint NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (projection, source)
)
"""
