"""The throwaway PostgreSQL works and a read-only role can read but not write."""

from __future__ import annotations

import psycopg.errors
import pytest
import sqlalchemy as sa

from tests.support.pg_server import TemporaryPostgres

pytestmark = pytest.mark.pg


def test_readonly_role_can_select_but_not_insert(postgres_server: TemporaryPostgres) -> None:
    url = postgres_server.create_database("pg_smoke")
    admin = sa.create_engine(url)
    try:
        with admin.begin() as conn:
            conn.execute(sa.text("CREATE TABLE before_grant (id int PRIMARY KEY, label text)"))
            conn.execute(sa.text("INSERT INTO before_grant VALUES (1, 'a'), (2, 'b')"))
        ro_url = postgres_server.create_readonly_role("pg_smoke", "smoke_reader", "r3ad-only!")
        with admin.begin() as conn:
            # Created after the grant: readable through ALTER DEFAULT PRIVILEGES.
            conn.execute(sa.text("CREATE TABLE after_grant (id int)"))
            conn.execute(sa.text("INSERT INTO after_grant VALUES (7)"))
    finally:
        admin.dispose()

    reader = sa.create_engine(ro_url)
    try:
        with reader.connect() as conn:
            assert conn.execute(sa.text("SELECT count(*) FROM before_grant")).scalar_one() == 2
            assert conn.execute(sa.text("SELECT id FROM after_grant")).scalar_one() == 7
            assert conn.execute(sa.text("SELECT current_user")).scalar_one() == "smoke_reader"

        with (
            pytest.raises(sa.exc.ProgrammingError) as excinfo,
            reader.begin() as conn,
        ):
            conn.execute(sa.text("INSERT INTO before_grant VALUES (3, 'c')"))
        assert isinstance(excinfo.value.orig, psycopg.errors.InsufficientPrivilege)

        with pytest.raises(sa.exc.ProgrammingError) as excinfo, reader.begin() as conn:
            conn.execute(sa.text("CREATE TABLE sneaky (id int)"))
        assert isinstance(excinfo.value.orig, psycopg.errors.InsufficientPrivilege)
    finally:
        reader.dispose()


def test_admin_url_points_at_fraud_test(postgres_server: TemporaryPostgres) -> None:
    engine = sa.create_engine(postgres_server.admin_url)
    try:
        with engine.connect() as conn:
            row = conn.execute(
                sa.text(
                    "SELECT current_database(), current_user, rolsuper FROM pg_roles "
                    "WHERE rolname = current_user"
                )
            ).one()
    finally:
        engine.dispose()
    assert tuple(row) == ("fraud_test", "fraud_admin", True)
    assert f":{postgres_server.port}/" in postgres_server.admin_url
