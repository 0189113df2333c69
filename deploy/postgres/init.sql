-- One database per service (the services also create their own database on start if missing).
CREATE DATABASE sw_stations;
CREATE DATABASE sw_workforce;
CREATE DATABASE sw_casework;
CREATE DATABASE sw_audit;
-- The services connect as their own roles (roles.sql, README.md here): they own no table and run no DDL;
-- only the audit service's role may insert into the ledger, and no runtime role may change a stored row.
