"""Schemas of what enters from outside, and one way to report a value that breaks them.

Method files (YAML) are declared as pydantic models: strict types (no "3" for a number, no
"yes" for a boolean), finite numbers in stated ranges, unknown keys refused. Tables (CSV,
Parquet) are declared as pandera schemas next to the stage that reads them. Either way a
violation becomes one :class:`TalentbenchError` naming the file, where in it (line and column,
or row and column) and the rule broken.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from benchmark.errors import TalentbenchError
from benchmark.paths import yaml_position

Model = TypeVar("Model", bound=BaseModel)


class Strict(BaseModel):
    """A YAML mapping: exact types, finite numbers, no keys beyond the declared ones."""

    model_config = ConfigDict(strict=True, extra="forbid", allow_inf_nan=False, frozen=True)


STEPS = Literal["denominate", "impute", "screen", "treat", "normalise", "weight", "aggregate"]
Name = Annotated[str, Field(min_length=1, max_length=200)]


class WeightsInput(Strict):
    """Noise on the weights of some levels: each weight times U(1 - noise, 1 + noise)."""

    name: Name = "weights"
    type: Literal["weights"]
    levels: Annotated[list[Annotated[int, Field(ge=1, le=20)]], Field(min_length=1)] | Annotated[
        int, Field(ge=1, le=20)] = [2]
    noise: Annotated[float, Field(ge=0, lt=1)] = 0.25


class ChoiceInput(Strict):
    """One step's parameters drawn from a list of alternatives."""

    name: Name
    type: Literal["choice"]
    step: STEPS
    options: Annotated[list[dict[Any, Any] | list[dict[Any, Any]]], Field(min_length=1, max_length=100)]


class ParamInput(Strict):
    """One parameter of a step drawn from a list of values."""

    name: Name
    type: Literal["param"]
    step: STEPS
    param: Name
    values: Annotated[list[Any], Field(min_length=1, max_length=100)]


UncertainInput = Annotated[WeightsInput | ChoiceInput | ParamInput, Field(discriminator="type")]


class UncertaintyFile(Strict):
    """``resources/framework/uncertainty.yaml``: the uncertain method choices and how many draws."""

    replications: Annotated[int, Field(ge=2, le=1_000_000)] = 1000
    sobol_base: Annotated[int, Field(ge=2, le=100_000)] = 256
    seed: Annotated[int, Field(ge=0, le=2**32 - 1)] = 0
    inputs: Annotated[list[UncertainInput], Field(min_length=1, max_length=50)]


def check_yaml(model: type[Model], data: Any, path: Path | str | None, what: str) -> Model:
    """``data`` (read from ``path``) as ``model``, or one TalentbenchError for its first problem."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise TalentbenchError(describe(exc, path, what)) from None


def describe(exc: ValidationError, path: Path | str | None, what: str) -> str:
    """One line for the first error: file, line/column, key path, the rule, the value given."""
    first = exc.errors(include_url=False)[0]
    # unions add their member to the path ("inputs.0.weights.noise", "levels.list[int]",
    # "constrained-int"); the file has no such key
    keys = tuple(k for k in first["loc"] if isinstance(k, int) or not _is_union_member(k))
    where = f"{what} {path}" if path else what
    # a missing key has no line of its own: point at the mapping that lacks it
    position = next((found for n in range(len(keys), 0, -1)
                     if (found := yaml_position(path, keys[:n])) is not None), None) if path else None
    if position:
        where += f" (line {position[0]}, column {position[1]})"
    key = ".".join(str(k) for k in keys) or "(top level)"
    message = first["msg"].removeprefix("Value error, ")
    if first["type"] != "missing":
        given = first.get("input")
        shown = repr(given)
        message += f", got {shown[:60] + '…' if len(shown) > 60 else shown}"
        message += number_as_text_hint(first)
    return f"{where}: {key}: {message}"


def number_as_text_hint(error: dict) -> str:
    """For a number that YAML read as text ('3' quoted, 1e9 without a dot): say so, or the error
    ("should be a valid integer, got '1e9'") looks absurd."""
    given = error.get("input")
    if not (isinstance(given, str) and error.get("type") in ("int_type", "float_type")):
        return ""
    try:
        float(given)
    except ValueError:
        return ""
    return " (YAML read it as text: drop any quotes, and write exponents as 1.0e+9)"


def _is_union_member(key: str) -> bool:
    return key in ("weights", "choice", "param") or "[" in key or key.startswith(
        ("constrained-", "function-"))


# -- tables -------------------------------------------------------------------------------------

MAX_MAGNITUDE = 1e15  # beyond any indicator a city office reports; 1e308 only ever means a typo


def finite_number(low: float = -MAX_MAGNITUDE, high: float = MAX_MAGNITUDE, *, name: str = "") -> Any:
    """A pandera check: a finite number in [low, high] (missing values are left to ``nullable``)."""
    import numpy as np
    import pandera.pandas as pa

    def ok(series):  # noqa: ANN001, ANN202 - pandera passes a Series, wants a boolean Series
        values = series.astype(float)
        return values.isna() | (np.isfinite(values) & (values >= low) & (values <= high))

    return pa.Check(ok, name=name or f"a finite number between {low:g} and {high:g}")


def table_failures(frame: Any, columns: dict[str, Any], *, checks: list | None = None
                   ) -> list[tuple[Any, str]]:
    """What breaks the pandera column schema ``columns`` (name -> pandera Column) and the checks
    across columns: ``(row index or None, problem)``, one per failing cell (``column C: rule
    (got value)``) or row (``rule``). Only the declared columns that are present are checked."""
    import pandera.pandas as pa

    present = {name: column for name, column in columns.items() if name in frame.columns}
    schema = pa.DataFrameSchema(present, checks=checks or [], strict=False)
    try:
        schema.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        failures: list[tuple[Any, str]] = []
        plain = {"not_nullable": "empty, but a value is required",
                 "column_in_dataframe": "missing column", "dtype": "wrong type"}
        for _, case in exc.failure_cases.iterrows():
            index = case["index"] if case["index"] is not None and case["index"] == case["index"] else None
            if case["schema_context"] == "DataFrameSchema":
                problem = str(case["check"])  # a check across columns fails a row, not a cell
            else:
                rule = plain.get(str(case["check"]).split("(")[0], case["check"])
                problem = f"column {case['column']}: {rule} (got {case['failure_case']!r})"
            if (index, problem) not in failures:
                failures.append((index, problem))
        return failures
    return []


def table_problems(frame: Any, columns: dict[str, Any], *, first_line: int = 2,
                   checks: list | None = None) -> list[str]:
    """:func:`table_failures` as messages ``line N, column C: rule (got value)``. The frame's
    index is the row's number in the file (0 = the first data row) and ``first_line`` is that
    row's line (2 under a CSV header)."""
    return [problem if index is None else
            f"line {int(index) + first_line}{', ' if problem.startswith('column ') else ': '}{problem}"
            for index, problem in table_failures(frame, columns, checks=checks)]
