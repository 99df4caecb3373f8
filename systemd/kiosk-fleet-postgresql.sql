-- The fleet monitor's role and database on this server's PostgreSQL: install-fleet.sh
-- --local-postgresql runs it as postgres (psql); running it again changes nothing.
-- The role logs in by peer authentication over the Unix socket (Debian's pg_hba.conf:
-- "local all all peer"): it is the system user kiosk-fleet, with no password anywhere.
select 'create role "kiosk-fleet" login'
 where not exists (select from pg_roles where rolname = 'kiosk-fleet') \gexec
select 'create database "kiosk-fleet" owner "kiosk-fleet" encoding ''UTF8'' template template0'
 where not exists (select from pg_database where datname = 'kiosk-fleet') \gexec
-- Only its owner (and superusers) may connect: other local users have no business there.
revoke connect, temporary on database "kiosk-fleet" from public;
