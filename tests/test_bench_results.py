"""bench/RESULTS.md holds several benchmarks' sections: the scale benchmark rewrites the file
and must carry the browser and Policy lab sections over, unchanged."""

from __future__ import annotations

from bench import results_file


def test_the_scale_rewrite_keeps_the_other_benchmarks_sections(tmp_path, monkeypatch):
    md, js = tmp_path / "RESULTS.md", tmp_path / "RESULTS.json"
    monkeypatch.setattr(results_file, "RESULTS_MD", md)
    monkeypatch.setattr(results_file, "RESULTS_JSON", js)
    md.write_text(
        "# Scale benchmark\n\nold scale table\n\n"
        "## Browser\n\nbrowser table\n\n"
        "## Policy lab\n\npolicy table\n"
    )
    js.write_text('{"browser": {"x": 1}, "duckdb": {}}')
    new_md, new_json = results_file.keep_browser("# Scale benchmark\n\nnew scale table\n", {})
    assert "new scale table" in new_md and "old scale table" not in new_md
    assert "## Browser\n\nbrowser table" in new_md
    assert "## Policy lab\n\npolicy table" in new_md
    assert new_json == {"browser": {"x": 1}}
