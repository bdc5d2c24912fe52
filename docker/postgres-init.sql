-- Runs once, when the postgres container initialises an empty volume. Each
-- app creates its own tables (migrations at start); only the databases are
-- made here: the coordinator's log, the inventory, and two account shards.
CREATE DATABASE tcc_coordinator;
CREATE DATABASE tcc_inventory;
CREATE DATABASE tcc_account_0;
CREATE DATABASE tcc_account_1;
