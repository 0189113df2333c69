-- One database per service (the services also create their own database on start if missing).
CREATE DATABASE sw_stations;
CREATE DATABASE sw_workforce;
CREATE DATABASE sw_casework;
CREATE DATABASE sw_audit;
-- The services connect as their own roles (roles.sql, README.md here): only the audit service's role may
-- insert into the ledger, it may not change a row, and only the ledger's owner role may touch its triggers.
