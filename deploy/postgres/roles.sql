-- Least privilege, as deploy/postgres/roles.py sets it up (the services run it at start while
-- SW_DATABASE_PROVISION is on). Shown for the default prefix "sw_" and the stations database; the other
-- databases follow the same pattern; a test run uses its own prefix. Run as the administrator.
-- Idempotence, the take-over of older objects and every table's DDL are in the Python helper.

-- The owner and migration role: owns every table; nobody logs in as it.
CREATE ROLE sw_owner NOLOGIN;

-- One runtime role per service: what its processes connect as.
CREATE ROLE sw_stations_service LOGIN;
CREATE ROLE sw_workforce_service LOGIN;
CREATE ROLE sw_casework_service LOGIN;
CREATE ROLE sw_audit_service LOGIN;

-- A runtime role connects to its own database and creates nothing there; the owner may create schemas
-- (a read model is rebuilt in a schema of its own, then swapped in).
GRANT CONNECT ON DATABASE sw_stations TO sw_stations_service;
REVOKE CREATE ON DATABASE sw_stations FROM sw_stations_service;
GRANT CONNECT, CREATE ON DATABASE sw_stations TO sw_owner;

\connect sw_stations
GRANT USAGE, CREATE ON SCHEMA public TO sw_owner;
REVOKE CREATE ON SCHEMA public FROM sw_stations_service, PUBLIC;
GRANT USAGE ON SCHEMA public TO sw_stations_service;

SET ROLE sw_owner;
-- The event store: eventsourcing's DDL (table stations_events, type stored_event_uuid, index, function), then
-- the procedure taking its insert lock for the runtime role.
CREATE OR REPLACE PROCEDURE public.stations_events_lock() LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$ BEGIN LOCK TABLE public.stations_events IN EXCLUSIVE MODE; END $$;
REVOKE ALL ON PROCEDURE public.stations_events_lock() FROM PUBLIC;
GRANT EXECUTE ON PROCEDURE public.stations_events_lock() TO sw_stations_service;
GRANT SELECT, INSERT ON stations_events TO sw_stations_service;

-- Bookkeeping (shared/projection.py TRACKING_DDL, SCHEMA_DDL; shared/relay.py POSITION_DDL).
GRANT SELECT, INSERT, UPDATE ON projection_tracking, projection_schema, relay_position TO sw_stations_service;
-- Each read model (its projection's ddl), e.g.:
GRANT SELECT, INSERT, UPDATE, DELETE ON station_status, station_status_history TO sw_stations_service;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO sw_stations_service;
-- A read model rebuilt later is the owner's too, and the runtime role's to read and write.
ALTER DEFAULT PRIVILEGES GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO sw_stations_service;
ALTER DEFAULT PRIVILEGES GRANT USAGE ON SEQUENCES TO sw_stations_service;
RESET ROLE;

-- In sw_audit the ledger (services/audit/projections.py, LEDGER_DDL) is the owner's and append-only:
--   GRANT SELECT, INSERT ON ledger TO sw_audit_service;
-- In sw_casework: SELECT, INSERT, UPDATE, DELETE on beneficiary_keys; SELECT, INSERT on personal_data_reads.
