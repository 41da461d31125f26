-- Runs once, when the cluster is first created, in the app database.
CREATE EXTENSION IF NOT EXISTS pgcrypto;
