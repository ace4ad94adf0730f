"""docs/INPUTS.md is the contract, not a second copy: it must match what the contract says."""

from __future__ import annotations

from data_access.inputs import contract, dictionary


def test_the_data_dictionary_is_current():
    on_disk = dictionary.DEFAULT_OUT.read_text(encoding="utf-8")
    assert on_disk == dictionary.render(), (
        "docs/INPUTS.md is stale: run `python -m data_access.inputs docs`"
    )


def test_every_input_and_column_is_documented_with_an_anchor():
    page = dictionary.render()
    for spec in contract.INPUTS:
        assert f'<a id="{spec.name}"></a>' in page
        for col in spec.columns:
            assert f"| `{col.name}` | {col.type} |" in page


def test_every_vocabulary_column_names_a_known_vocabulary_and_keys_are_columns():
    for spec in contract.INPUTS:
        names = {c.name for c in spec.columns}
        assert set(spec.key) <= names, spec.name
        assert set(spec.references) <= names, spec.name
        for col in spec.columns:
            assert col.vocabulary is None or col.vocabulary in contract.VOCABULARIES
            assert (
                col.required
                or col.default
                or col.name
                in (
                    "source",
                    "device",
                    "started_at",
                    "decided_at",
                    "reviewer",
                    "reversed_at",
                    "detection_key",
                    "resolved_at",
                    "from_team",
                    "to_team",
                    "plan",
                    "first_response_at",
                    "escalated_at",
                )
            ), f"{spec.name}.{col.name}: an optional column says what is used without it"
