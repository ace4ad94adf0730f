"""Loader of the input checks for the Data health page (unrestricted viewers only: the
checks read every row of the team's ``in_<input>`` relations)."""

from __future__ import annotations

import pandas as pd
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from data_access.engine import get_engine
from data_access.inputs import business, checks
from data_access.loaders.base import cached, raise_readable
from data_access.loaders.health import _require_unrestricted
from data_access.scope import Scope


@cached
def load_input_findings(scope: Scope, *, url: str) -> pd.DataFrame:
    """One row per finding of ``python -m data_access.inputs check``, by input, errors
    first: input, column, severity, problem, count, examples ("; "), fix, check, filled
    (optional columns: the share of rows with a value, else NaN)."""
    _require_unrestricted(scope)
    try:
        found = checks.run_checks(get_engine(url), business.current())
    except (SQLAlchemyError, DBAPIError, OSError) as exc:
        raise_readable(exc)
    return checks.findings_frame(found)
