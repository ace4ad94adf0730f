"""Suite-wide fixtures. Keep this file short: the logic lives in tests/support/.

Subdirectories of tests/ are packages (they need an __init__.py) so test files may share
basenames; tests import helpers as `from tests.support.x import ...`.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.components import require_component
from tests.support.pg_server import TemporaryPostgres, find_pg_bindir

# -- real PostgreSQL (marker: pg) -----------------------------------------------------------


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[TemporaryPostgres]:
    """One throwaway PostgreSQL cluster for the session (superuser fraud_admin, db fraud_test).

    Tests that need isolation create their own database with `create_database(name)`.
    """
    if find_pg_bindir() is None:
        require_component(
            "postgresql", "PostgreSQL server binaries not found (apt-get install postgresql)"
        )
    with TemporaryPostgres() as server:
        yield server


# -- warehouse fixtures ---------------------------------------------------------------------
# (e.g. a small demo warehouse in DuckDB, the same loaded into `postgres_server`) go here.
