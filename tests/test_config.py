"""The hardened Streamlit config, checked by parsing the file."""

from __future__ import annotations

import tomllib

from data_access.settings import ROOT

CONFIG = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())


def test_server_is_hardened():
    server = CONFIG["server"]
    assert server["enableXsrfProtection"] is True
    assert server["enableStaticServing"] is False
    assert CONFIG["client"]["showErrorDetails"] == "none"
    assert CONFIG["client"]["toolbarMode"] == "viewer"
    assert CONFIG["browser"]["gatherUsageStats"] is False


def test_cors_xsrf_and_data_export_are_locked_down():
    server, client = CONFIG["server"], CONFIG["client"]
    assert server["enableCORS"] is True and server["corsAllowedOrigins"] == []
    assert server["xsrfCookieSameSite"] == "strict"
    assert server["enableAgentApi"] is False
    assert server["runOnSave"] is False and server["allowRunOnSave"] is False
    assert server["maxUploadSize"] <= 1
    # Data leaves only through the app's sanitising, audited export buttons.
    assert client["disableDataExport"] is True


def test_every_option_exists_in_this_streamlit():
    """A misspelt option would be ignored silently: check each against Streamlit's own list."""
    from streamlit import config as st_config

    known = set(st_config._config_options_template)
    for section in ("server", "client", "browser", "runner"):
        for key in CONFIG[section]:
            assert f"{section}.{key}" in known, f"{section}.{key} is not a Streamlit option"


def test_theme_has_light_dark_and_colour_blind_safe_palette():
    from charts.theme import PALETTE

    theme = CONFIG["theme"]
    assert theme["chartCategoricalColors"] == list(PALETTE)
    assert "dark" in theme and "light" in theme
