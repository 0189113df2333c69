-- Least privilege, as deploy/postgres/roles.py sets it up (the services run it at start while
-- SW_DATABASE_PROVISION is on). Shown for the default prefix "sw_"; a test run uses its own prefix.
-- Run as the administrator. Idempotence and the ledger's DDL are in the Python helper.

-- The owner of the append-only tables: nobody logs in as it.
CREATE ROLE sw_owner NOLOGIN;

-- One runtime role per service: what its processes connect as.
CREATE ROLE sw_stations_service LOGIN;
CREATE ROLE sw_workforce_service LOGIN;
CREATE ROLE sw_casework_service LOGIN;
CREATE ROLE sw_audit_service LOGIN;

-- Each runtime role connects to its own database, may create schemas there (a read model is rebuilt in a
-- schema of its own, then swapped in) and tables in public (its event store, read models, bookkeeping).
GRANT CONNECT, CREATE, TEMPORARY ON DATABASE sw_stations TO sw_stations_service;
GRANT CONNECT, CREATE, TEMPORARY ON DATABASE sw_workforce TO sw_workforce_service;
GRANT CONNECT, CREATE, TEMPORARY ON DATABASE sw_casework TO sw_casework_service;
GRANT CONNECT, CREATE, TEMPORARY ON DATABASE sw_audit TO sw_audit_service;

-- In sw_audit: the ledger is created by the owner; the audit service may only read and append.
\connect sw_audit
GRANT USAGE, CREATE ON SCHEMA public TO sw_owner, sw_audit_service;
SET ROLE sw_owner;
-- (the ledger's DDL: services/audit/projections.py, LEDGER_DDL)
RESET ROLE;
GRANT SELECT, INSERT ON ledger TO sw_audit_service;
