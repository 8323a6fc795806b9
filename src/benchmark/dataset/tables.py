"""Loading and validating the curated dataset tables shipped as package data.

Unknown values stay missing (NaN / <NA>): a gap in the dataset is never a zero.
"""

from __future__ import annotations

import csv
import functools
import re
from pathlib import Path

import pandas as pd

from benchmark.dataset.schema import (
    BENEFITS,
    CONTEXT_COLUMNS,
    FEATURE_COLUMNS,
    PERIODS,
    PROVISION_COLUMNS,
    REVIEWS,
    SCOPES,
    STATUSES,
    TIERS,
)
from benchmark.errors import TalentbenchError
from benchmark.paths import resource
from benchmark.schemas import finite_number, table_failures, table_problems

_TEXT = "string"
MAX_AMOUNT = 1e10  # 100 亿元: far above any talent package; a larger figure is a typing error


def _read_csv(path: Path) -> pd.DataFrame:
    if not path.exists():
        raise TalentbenchError(f"dataset table not found: {path}")
    try:
        # keep_default_na off + explicit "" so that e.g. a district called "NA" is never lost
        return pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""], encoding="utf-8")
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise TalentbenchError(f"cannot read {path}: {exc}") from None


def _bool(series: pd.Series) -> pd.Series:
    mapped = series.str.strip().str.lower().map({"true": True, "false": False, "1": True, "0": False})
    return mapped.astype("boolean")


def coerce_provisions(df: pd.DataFrame) -> pd.DataFrame:
    """Give a provisions table its dtypes: floats for amounts (NaN = unknown), nullable ints."""
    out = df.copy()
    for col in PROVISION_COLUMNS:
        if col not in out.columns:
            out[col] = pd.NA
    out = out[PROVISION_COLUMNS]
    for col in ("amount_cny", "amount_max_cny"):
        out[col] = pd.to_numeric(out[col], errors="raise").astype("float64")
    for col in ("duration_months", "start", "end"):
        out[col] = pd.to_numeric(out[col], errors="raise").astype("Int64")
    out["is_cap"] = _bool(out["is_cap"].astype(_TEXT).str.replace(".0", "", regex=False))
    for col in ("city", "district", "scope", "tier", "benefit", "period", "source_url",
                "source_date", "status", "evidence", "doc", "review", *CONTEXT_COLUMNS):
        out[col] = out[col].astype(_TEXT)
    return out


@functools.cache
def provision_schemas() -> tuple[dict, list, dict]:
    """The pandera schemas of a provisions table: its numbers (column -> Column), the checks
    across columns, and how numbers must be written in the file. Built on first use: pandera
    takes half a second to import, which a command that never reads a provisions file skips."""
    import pandera.pandas as pa

    # a benefit is a finite, non-negative sum of yuan: an inf or a negative amount would
    # silently reorder every city
    amount = finite_number(0, MAX_AMOUNT, name=f"an amount of yuan between 0 and {MAX_AMOUNT:.0e}")
    offset = finite_number(0, name="a character offset >= 0")
    numbers = {
        "amount_cny": pa.Column(float, amount, nullable=False),
        "amount_max_cny": pa.Column(float, amount, nullable=True),
        "duration_months": pa.Column("Int64", finite_number(1, 1200, name="1 to 1200 months"),
                                     nullable=True),
        "start": pa.Column("Int64", offset, nullable=True),
        "end": pa.Column("Int64", offset, nullable=True),
    }
    across = [pa.Check(lambda df: df["start"].isna() | df["end"].isna() | (df["end"] >= df["start"]),
                       name="evidence span with end >= start")]

    # As written in the file: a number is digits; "nan", "inf" or "十万" is not (an empty
    # cell is unknown)
    def written_as(pattern: str, name: str) -> pa.Check:
        regex = re.compile(pattern)
        return pa.Check(lambda s: s.isna() | s.fillna("").map(lambda v: bool(regex.fullmatch(v.strip())))
                        .astype(bool), name=name)

    decimal = written_as(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?",
                         "a plain number (an empty cell means unknown)")
    whole = written_as(r"\+?\d+(\.0*)?", "a whole number (an empty cell means unknown)")
    text = {
        **{col: pa.Column(str, decimal, nullable=True) for col in ("amount_cny", "amount_max_cny")},
        **{col: pa.Column(str, whole, nullable=True) for col in ("duration_months", "start", "end")},
    }
    return numbers, across, text


def provision_problems(df: pd.DataFrame) -> list[str]:
    """Problems with a (coerced) provisions table, one message per problem (empty = valid).

    Lines are the file's (row 0 is line 2, under the header)."""
    return [problem if position is None else
            f"line {position + 2}{', ' if problem.startswith('column ') else ': '}{problem}"
            for position, problem in provision_failures(df)]


def provision_failures(df: pd.DataFrame) -> list[tuple[int | None, str]]:
    """``(row position, problem)`` for each problem of a (coerced) provisions table; the
    position is None for a problem of the whole table."""
    numbers, across, _ = provision_schemas()
    position_of = {label: position for position, label in enumerate(df.index)}
    failures = [(None if label is None else position_of[label], problem) for label, problem
                in table_failures(df, {**vocabulary_schema(), **numbers}, checks=across)]
    for position, (_, row) in enumerate(df.iterrows()):
        # an empty cell is NA: compare plain values (NA == "x" is neither true nor false)
        row = {k: (None if pd.api.types.is_scalar(v) and pd.isna(v) else v) for k, v in row.items()}
        if row["source_url"] is None or not str(row["source_url"]).startswith("http"):
            failures.append((position, "a number without a source URL"))
        if row["scope"] == "district" and row["district"] is None:
            failures.append((position, "scope=district but no district"))
        if row["scope"] in ("city", "province") and row["district"] is not None:
            failures.append((position, f"scope={row['scope']} but district={row['district']!r}"))
        failures += [(position, p) for p in context_problems(row)]
    return failures


@functools.cache
def vocabulary_schema() -> dict:
    """The city and the coded text columns of a provisions table: each coded one holds a code
    of its vocabulary (resources/dataset/schema.yaml: none of them may be empty)."""
    import pandera.pandas as pa

    vocabularies = {"tier": TIERS, "benefit": BENEFITS, "period": PERIODS, "scope": SCOPES,
                    "status": STATUSES, "review": REVIEWS}
    named = pa.Check(lambda s: s.astype(str).str.strip() != "", name="a city name")
    return {"city": pa.Column(None, named, nullable=False)} | {
        col: pa.Column(None, pa.Check(lambda s, codes=codes: s.isin(codes).fillna(False).astype(bool),
                                      name=f"one of {', '.join(codes)}"), nullable=False)
        for col, codes in vocabularies.items()}


def context_problems(row: pd.Series | dict, text: str | None = None) -> list[str]:
    """Problems with one provision's conditions / relations / context_evidence.

    Codes must be in the vocabulary of conditions.yaml; relations name benefits of the
    provision vocabulary and include the row's own benefit; ``on_top_of_city`` belongs to a
    district row; stated codes need their evidence. With the document ``text``, every evidence
    part must be an exact substring of it.
    """
    from benchmark.provisions.context import (
        condition_problems,
        relation_problems,
        split_codes,
        split_evidence,
    )

    problems = condition_problems(row.get("conditions")) + relation_problems(row.get("relations"))
    relations = split_codes(row.get("relations"))
    for code in relations:
        if code == "on_top_of_city":
            if row.get("scope") != "district":
                problems.append("on_top_of_city on a row that is not scope=district")
        elif row.get("benefit") not in code.partition(":")[2].split("+"):
            problems.append(f"relation {code!r} does not name the row's benefit {row.get('benefit')!r}")
    parts = split_evidence(row.get("context_evidence"))
    if (split_codes(row.get("conditions")) or relations) and not parts:
        problems.append("conditions/relations without context_evidence")
    if text is not None:
        problems += context_evidence_problems(row, text)
    return problems


def context_evidence_problems(row: pd.Series | dict, text: str) -> list[str]:
    """Each part of a provision's context_evidence must be the document's own words."""
    from benchmark.provisions.context import split_evidence

    return [f"context_evidence part {p!r} not in {row.get('doc')}"
            for p in split_evidence(row.get("context_evidence")) if p not in text]


def validate_provisions(df: pd.DataFrame, where: str = "provisions") -> pd.DataFrame:
    """The table with its dtypes, or a TalentbenchError naming the first problems found.

    Checks the columns, the vocabularies (tier, benefit, period, scope, status, review,
    condition and relation codes), that every amount has an official source URL, and that
    scope and district agree.
    """
    missing = [c for c in PROVISION_COLUMNS if c not in df.columns]
    if missing:
        raise TalentbenchError(f"{where}: missing column(s) {', '.join(missing)}")
    written = provision_schemas()[2]
    problems = table_problems(df[list(written)].astype("string"), written)
    if problems:
        raise TalentbenchError(f"{where}: {problems[0]}")
    try:
        table = coerce_provisions(df)
    except (ValueError, TypeError) as exc:
        raise TalentbenchError(f"{where}: {str(exc).splitlines()[0]}") from None
    problems = provision_problems(table)
    if problems:
        more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
        raise TalentbenchError(f"{where}: " + "; ".join(problems[:3]) + more)
    return table


def csv_bytes(df: pd.DataFrame, encoding: str = "utf-8") -> bytes:
    """``df`` as CSV with "\\n" line ends. Python's csv writer leaves a field holding a bare
    carriage return unquoted, and every reader then splits the row there; such a table is
    written with every field quoted (evidence must stay exactly the document's text)."""
    has_cr = any(df[col].map(lambda v: isinstance(v, str) and "\r" in v).any()
                 for col in df.columns if df[col].dtype == object or pd.api.types.is_string_dtype(df[col]))
    quoting = csv.QUOTE_ALL if has_cr else csv.QUOTE_MINIMAL
    return df.to_csv(index=False, lineterminator="\n", quoting=quoting).encode(encoding)


def load_provisions(path: Path | None = None) -> pd.DataFrame:
    """The curated provisions table (one row per provision; see resources/dataset/schema.yaml)."""
    return coerce_provisions(_read_csv(path or resource("dataset", "provisions.csv")))


def load_features(path: Path | None = None) -> pd.DataFrame:
    """Non-monetary features per city (落户, housing, family services, one-stop window)."""
    path = path or resource("dataset", "features.csv")
    df = _read_csv(path)
    for col in FEATURE_COLUMNS:
        if col not in df.columns:
            df[col] = pd.NA
    df = df[FEATURE_COLUMNS]
    for col in ("start", "end"):
        df[col] = pd.to_numeric(df[col]).astype("Int64")
    return df


def load_city_stats(path: Path | None = None) -> pd.DataFrame:
    """City statistics (census 2010/2020 and derived ratios) for the registry cities."""
    df = _read_csv(path or resource("dataset", "city_stats.csv"))
    for col in df.columns:
        if col in ("city", "census_code") or col == "source" or col.endswith("_source"):
            continue
        df[col] = pd.to_numeric(df[col])
    return df
