"""A platform-shaped warehouse (plays, URIs, uuids, a ledger, Marble cases), its mapping to
the project's inputs (mapping/*.sql, business.toml) and the figures the pages should show
(expected.py). See make_foreign.py."""
