"""Warehouse URL resolution: env var, then secrets.toml, then the embedded default."""

from __future__ import annotations

from data_access import settings


def test_env_var_wins(monkeypatch, tmp_path):
    secrets = tmp_path / "secrets.toml"
    secrets.write_text('[connections.warehouse]\nurl = "postgresql+psycopg://a:b@h/db"\n')
    monkeypatch.setenv(settings.ENV_VAR, "duckdb:////tmp/x.duckdb")
    assert settings.resolve_url(secrets) == "duckdb:////tmp/x.duckdb"


def test_secrets_then_default(monkeypatch, tmp_path):
    monkeypatch.delenv(settings.ENV_VAR, raising=False)
    secrets = tmp_path / "secrets.toml"
    assert settings.resolve_url(secrets) == settings.default_url()
    secrets.write_text('[connections.warehouse]\nurl = "postgresql+psycopg://a:b@h/db"\n')
    assert settings.resolve_url(secrets) == "postgresql+psycopg://a:b@h/db"
    secrets.write_text("not [valid toml")
    assert settings.resolve_url(secrets) == settings.default_url()


def test_describe_url_never_shows_credentials():
    text = settings.describe_url("postgresql+psycopg://reader:s3cret@db.internal:5432/fraud")
    assert "s3cret" not in text and "reader" not in text and "db.internal" not in text
    assert "postgresql" in text
    assert settings.describe_url("duckdb:////data/warehouse.duckdb").startswith("embedded")
    assert "warehouse.duckdb" not in settings.describe_url("duckdb:////data/warehouse.duckdb")


def test_describe_url_names_spark_sql_not_the_hive_dialect():
    # The sidebar's caption on a Spark Thrift server: no "hive", no host, port or database.
    text = settings.describe_url("hive://reader@spark.internal:10000/fraud_demo")
    assert text == "Spark SQL warehouse"


def test_secrets_example_is_committed_and_secrets_is_ignored():
    root = settings.ROOT
    assert (root / ".streamlit" / "secrets.toml.example").is_file()
    assert ".streamlit/secrets.toml" in (root / ".gitignore").read_text()
