"""Running the real app (app.py + st.navigation) under Streamlit's AppTest."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "app.py"

# Text that must never reach the screen: tracebacks, connection strings, secrets.
LEAK_MARKERS = (
    "Traceback",
    'File "',
    "duckdb:///",
    "postgresql+",
    "postgresql://",
    "hive://",
    "password",
    "sqlalchemy.",
    "Error:",
)


def run_app(
    monkeypatch,
    url: str,
    *,
    page: str | None = None,
    params: dict[str, str | list[str]] | None = None,
    timeout: float = 60,
) -> AppTest:
    """Run app.py against the warehouse at ``url``, on ``page`` (e.g. 'app_pages/trends.py')."""
    monkeypatch.setenv("FRAUD_WAREHOUSE_URL", url)
    at = AppTest.from_file(str(APP), default_timeout=timeout)
    for key, value in (params or {}).items():
        at.query_params[key] = value
    at.run()
    if page:
        at.switch_page(page)
        at.run()
    return at


def screen_text(at: AppTest) -> str:
    """Everything a person could read on the page (markdown, captions, alerts, metrics)."""
    parts: list[str] = []
    for kind in (
        "title",
        "header",
        "subheader",
        "markdown",
        "caption",
        "error",
        "warning",
        "info",
        "success",
        "exception",
        "text",
        "code",
    ):
        for el in getattr(at, kind, []):
            parts.append(str(getattr(el, "value", "")))
    for m in at.metric:
        parts.append(f"{m.label} {m.value}")
    return "\n".join(parts)


def assert_clean(at: AppTest) -> None:
    """No exception element and nothing that leaks internals."""
    assert not at.exception, [e.value for e in at.exception]
    text = screen_text(at)
    for marker in LEAK_MARKERS:
        assert marker not in text, f"{marker!r} leaked on screen:\n{text[:2000]}"


def view_as(monkeypatch, scope, *, user: str = "tester@example.com") -> None:
    """Run the app as a viewer with ``scope`` who may open every page: the one place the
    app looks the viewer up (``ui.identity.current_viewer``) is patched, so the page, its
    views and its export menus all see the same viewer."""
    from data_access.access import PAGE_SLUGS, Viewer

    viewer = Viewer(user=user, role=scope.role, scope=scope, pages=PAGE_SLUGS)
    monkeypatch.setattr("ui.identity.current_viewer", lambda: viewer)
