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


def test_theme_has_light_dark_and_colour_blind_safe_palette():
    from charts.theme import PALETTE

    theme = CONFIG["theme"]
    assert theme["chartCategoricalColors"] == list(PALETTE)
    assert "dark" in theme and "light" in theme
