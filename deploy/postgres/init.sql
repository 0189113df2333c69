-- One database per service (the services also create their own database on start if missing).
CREATE DATABASE sw_stations;
CREATE DATABASE sw_workforce;
CREATE DATABASE sw_casework;
CREATE DATABASE sw_audit;
-- Production: the services connect as their own role; only the audit role may insert into the ledger,
-- and no role but the database owner may disable its triggers.
