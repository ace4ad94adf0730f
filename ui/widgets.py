"""One widget per view setting (``reports.view.Param``), bound to the URL under its key."""

from __future__ import annotations

import streamlit as st

from data_access.scope import Scope
from reports.view import Param


def choices_for(p: Param, scope: Scope) -> tuple[str, ...]:
    """The choices this viewer may pick (money choices need the money right)."""
    return tuple(c for c in p.choices if scope.money or c not in p.money_choices)


def param_widget(p: Param, scope: Scope, *, where=st, disabled: bool = False) -> str:
    """Draw ``p``'s widget and return its value (always one of the allowed choices)."""
    choices = choices_for(p, scope)
    initial = p.initial if p.initial in choices else choices[0]
    # A value the viewer may not pick (tampered state, a link with eur for a non-money
    # role) is replaced before the widget is created, so the widget never sees it.
    if p.key in st.session_state and _choice_of(st.session_state[p.key], choices) is None:
        del st.session_state[p.key]
    common = {"key": p.key, "help": p.help or None, "bind": "query-params", "disabled": disabled}
    if p.widget == "slider" and _numeric(choices):
        # A numeric slider: the URL keeps the choice's own text ("6", "3.5").
        nums = [float(c) for c in choices]
        whole = all(n.is_integer() for n in nums)
        cast = int if whole else float
        step = cast(nums[1] - nums[0]) if len(nums) > 1 else cast(1)
        picked = where.slider(
            p.label,
            min_value=cast(nums[0]),
            max_value=cast(nums[-1]),
            value=cast(float(initial)),
            step=step,
            format=None if whole else "%.1f",
            **common,
        )
        value = _choice_of(picked, choices)
    elif p.widget == "slider":
        value = where.select_slider(p.label, options=choices, value=initial, **common)
    elif p.widget == "radio":
        value = where.radio(
            p.label, choices, index=choices.index(initial), horizontal=True, **common
        )
    elif p.widget == "segmented":
        value = where.segmented_control(
            p.label, choices, default=initial, selection_mode="single", **common
        )
    else:
        value = where.selectbox(p.label, choices, index=choices.index(initial), **common)
    return _choice_of(value, choices) or initial


def _numeric(choices: tuple[str, ...]) -> bool:
    try:
        [float(c) for c in choices]
    except ValueError:
        return False
    return len(choices) > 0


def _choice_of(value, choices: tuple[str, ...]) -> str | None:
    """The choice a widget value stands for (a slider's 6 or 6.0 is the choice "6")."""
    if value is None:
        return None
    if str(value) in choices:
        return str(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        for c in choices:
            try:
                if float(c) == float(value):
                    return c
            except ValueError:
                continue
    return None
