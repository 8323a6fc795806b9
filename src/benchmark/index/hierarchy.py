"""The indicator framework: COINr's iMeta table, validated and turned into a hierarchy.

iMeta has one row per code. Rows of ``Type`` Indicator (Level 1) and Aggregate (Level >= 2)
form a tree through ``Parent``; rows of Type Group / Denominator / Other describe extra
columns of iData. Every problem a user can make in this table becomes a TalentbenchError
naming the offending code, because a wrong framework silently gives a wrong index.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from benchmark.errors import TalentbenchError

META_REQUIRED = ("Level", "iCode", "Direction", "Weight", "Parent", "Type")
TREE_TYPES = ("Indicator", "Aggregate")
OTHER_TYPES = ("Group", "Denominator", "Other")


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value)) or (
        isinstance(value, str) and value.strip() in ("", "NA")
    ) or value is pd.NA


@dataclass(frozen=True)
class Hierarchy:
    """The hierarchy of an index: indicators (level 1) up to a single top-level index."""

    meta: pd.DataFrame
    indicators: tuple[str, ...]
    aggregates: tuple[str, ...]
    level: dict[str, int]
    parent: dict[str, str | None]
    direction: dict[str, float]
    weight: dict[str, float]
    name: dict[str, str]
    groups: tuple[str, ...]
    denominators: tuple[str, ...]
    denominator_of: dict[str, str]
    target: dict[str, float] = field(default_factory=dict)

    @property
    def max_level(self) -> int:
        return max(self.level.values())

    @property
    def top(self) -> str:
        return next(c for c in self.aggregates if self.level[c] == self.max_level)

    @property
    def codes(self) -> tuple[str, ...]:
        return self.indicators + self.aggregates

    def children(self, code: str) -> list[str]:
        """Children of ``code`` in iMeta order."""
        return [c for c in self.codes if self.parent[c] == code]

    def nodes_at(self, level: int) -> list[str]:
        return [c for c in self.codes if self.level[c] == level]

    def lineage(self, code: str) -> list[str]:
        """``code`` and its ancestors up to the top-level index."""
        chain = [code]
        while self.parent[chain[-1]] is not None:
            chain.append(self.parent[chain[-1]])
        return chain

    def with_weights(self, weights: dict[str, float]) -> Hierarchy:
        new = dict(self.weight)
        unknown = sorted(set(weights) - set(new))
        if unknown:
            raise TalentbenchError(f"weights given for codes not in the framework: {unknown}")
        for code, value in weights.items():
            new[code] = _check_weight(code, value)
        return _replace(self, weight=new)


def _replace(fw: Hierarchy, **changes: object) -> Hierarchy:
    from dataclasses import replace

    return replace(fw, **changes)


def _check_weight(code: str, value: object) -> float:
    try:
        w = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise TalentbenchError(f"weight of {code!r} is not a number: {value!r}") from None
    if not np.isfinite(w) or w < 0:
        raise TalentbenchError(f"weight of {code!r} must be a finite number >= 0, got {value!r}")
    return w


def _as_int_level(code: str, value: object) -> int:
    try:
        level = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise TalentbenchError(f"Level of {code!r} is not a number: {value!r}") from None
    if not np.isfinite(level) or level != int(level) or level < 1:
        raise TalentbenchError(f"Level of {code!r} must be a whole number >= 1, got {value!r}")
    return int(level)


def build_hierarchy(imeta: pd.DataFrame) -> Hierarchy:
    """Validate an iMeta table and return the framework it describes."""
    if not isinstance(imeta, pd.DataFrame):
        raise TalentbenchError("iMeta must be a table (pandas DataFrame)")
    missing = [c for c in META_REQUIRED if c not in imeta.columns]
    if missing:
        raise TalentbenchError(f"iMeta is missing required column(s): {', '.join(missing)}")
    meta = imeta.copy()
    meta["iCode"] = meta["iCode"].astype(object)
    if meta["iCode"].map(_blank).any():
        raise TalentbenchError("iMeta has a row with an empty iCode")
    meta["iCode"] = meta["iCode"].astype(str).str.strip()
    dupes = meta["iCode"][meta["iCode"].duplicated()].unique().tolist()
    if dupes:
        raise TalentbenchError(f"iMeta has duplicate iCode(s): {dupes}")
    meta["Type"] = meta["Type"].astype(object)
    bad_type = meta.loc[~meta["Type"].isin(TREE_TYPES + OTHER_TYPES), ["iCode", "Type"]]
    if len(bad_type):
        row = bad_type.iloc[0]
        raise TalentbenchError(
            f"iMeta Type of {row['iCode']!r} is {row['Type']!r}; expected one of "
            f"{', '.join(TREE_TYPES + OTHER_TYPES)}"
        )

    tree = meta[meta["Type"].isin(TREE_TYPES)]
    if tree.empty:
        raise TalentbenchError("iMeta has no Indicator rows")
    codes = tree["iCode"].tolist()
    level = {c: _as_int_level(c, v) for c, v in zip(codes, tree["Level"], strict=True)}
    parent: dict[str, str | None] = {}
    for code, value in zip(codes, tree["Parent"], strict=True):
        parent[code] = None if _blank(value) else str(value).strip()
    for code in codes:
        p = parent[code]
        if p is not None and p not in level:
            raise TalentbenchError(f"Parent {p!r} of {code!r} is not an Indicator/Aggregate iCode in iMeta")
    _check_no_cycles(parent)

    direction: dict[str, float] = {}
    for code, value in zip(codes, tree["Direction"], strict=True):
        try:
            d = float(value)
        except (TypeError, ValueError):
            d = np.nan
        if d not in (1.0, -1.0):
            raise TalentbenchError(f"Direction of {code!r} must be 1 or -1, got {value!r}")
        direction[code] = d
    weight = {c: _check_weight(c, v) for c, v in zip(codes, tree["Weight"], strict=True)}

    types = dict(zip(codes, tree["Type"], strict=True))
    for code in codes:
        if (types[code] == "Indicator") != (level[code] == 1):
            raise TalentbenchError(
                f"{code!r} has Type {types[code]} at Level {level[code]}: indicators are Level 1 "
                "and aggregates Level 2 or more"
            )
        p = parent[code]
        if p is not None and level[p] != level[code] + 1:
            raise TalentbenchError(
                f"Parent {p!r} of {code!r} is at Level {level[p]}; expected Level {level[code] + 1}"
            )
    max_level = max(level.values())
    roots = [c for c in codes if parent[c] is None]
    if max_level == 1:
        raise TalentbenchError("iMeta has no Aggregate rows: nothing to aggregate indicators into")
    if len(roots) != 1 or level[roots[0]] != max_level:
        raise TalentbenchError(
            f"the framework must have exactly one top-level node without Parent at Level {max_level}; "
            f"nodes without Parent: {roots}"
        )
    childless = [c for c in codes if level[c] > 1 and not any(parent[k] == c for k in codes)]
    if childless:
        raise TalentbenchError(f"aggregate(s) with no children in iMeta: {childless}")
    for code in codes:
        if level[code] > 1 and sum(weight[k] for k in codes if parent[k] == code) <= 0:
            raise TalentbenchError(f"the weights of the children of {code!r} are all zero")

    names = {}
    if "iName" in meta.columns:
        names = {c: ("" if _blank(n) else str(n)) for c, n in zip(meta["iCode"], meta["iName"], strict=True)}
    indicators = tuple(c for c in codes if level[c] == 1)
    aggregates = tuple(sorted((c for c in codes if level[c] > 1), key=lambda c: (level[c], codes.index(c))))

    denominator_of: dict[str, str] = {}
    if "Denominator" in meta.columns:
        for code, den in zip(meta["iCode"], meta["Denominator"], strict=True):
            if code in indicators and not _blank(den):
                denominator_of[code] = str(den).strip()
    target: dict[str, float] = {}
    if "Target" in meta.columns:
        for code, tv in zip(meta["iCode"], meta["Target"], strict=True):
            if code in indicators and not _blank(tv):
                try:
                    target[code] = float(tv)
                except (TypeError, ValueError):
                    raise TalentbenchError(f"Target of {code!r} is not a number: {tv!r}") from None

    return Hierarchy(
        meta=meta.reset_index(drop=True),
        indicators=indicators,
        aggregates=aggregates,
        level=level,
        parent=parent,
        direction=direction,
        weight=weight,
        name=names,
        groups=tuple(meta.loc[meta["Type"] == "Group", "iCode"]),
        denominators=tuple(meta.loc[meta["Type"] == "Denominator", "iCode"]),
        denominator_of=denominator_of,
        target=target,
    )


def _check_no_cycles(parent: dict[str, str | None]) -> None:
    for start in parent:
        seen = [start]
        node = parent[start]
        while node is not None:
            if node in seen:
                loop = " -> ".join(seen[seen.index(node):] + [node])
                raise TalentbenchError(f"the framework has a cycle through Parent: {loop}")
            seen.append(node)
            node = parent.get(node)


def validate_idata(idata: pd.DataFrame, fw: Hierarchy) -> pd.DataFrame:
    """Check iData against the framework; return a clean copy (uCode as str, numeric indicators)."""
    if not isinstance(idata, pd.DataFrame):
        raise TalentbenchError("iData must be a table (pandas DataFrame)")
    if "uCode" not in idata.columns:
        raise TalentbenchError("iData has no uCode column")
    data = idata.copy().reset_index(drop=True)
    if data["uCode"].map(_blank).astype(bool).any():  # bool: an empty str column maps to str
        raise TalentbenchError("iData has a row with an empty uCode")
    data["uCode"] = data["uCode"].astype(str).str.strip()
    dupes = data["uCode"][data["uCode"].duplicated()].unique().tolist()
    if dupes:
        raise TalentbenchError(f"iData has duplicate uCode(s): {dupes[:10]}")
    if len(data) < 2:
        raise TalentbenchError("iData needs at least two units to build an index")
    for den in sorted(set(fw.denominator_of.values())):
        # COINr's layout names denominator columns Den_*; accept either spelling in iMeta
        alias = den[4:] if den.startswith("Den_") else f"Den_{den}"
        if den not in data.columns and alias in data.columns:
            data[den] = data[alias]
    needed = list(fw.indicators) + sorted(set(fw.denominator_of.values()))
    missing = [c for c in needed if c not in data.columns]
    if missing:
        raise TalentbenchError(f"iData is missing column(s) named in iMeta: {', '.join(missing)}")
    for col in needed:
        data[col] = _numeric_column(data[col], col)
    _check_finite(data, needed)
    if "uName" not in data.columns:
        data.insert(1, "uName", data["uCode"])
    # COINr's new_coin() orders units by uCode; every stage keeps that order
    return data.sort_values("uCode", kind="stable").reset_index(drop=True)


def _check_finite(data: pd.DataFrame, columns: list[str]) -> None:
    """An inf or 1e308 would normalise every other unit to 0 (or NaN): refuse it, naming the cell."""
    import pandera.pandas as pa

    from benchmark.schemas import finite_number, table_problems

    problems = table_problems(data, {c: pa.Column(float, finite_number(), nullable=True) for c in columns})
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise TalentbenchError(f"iData {problems[0]}{more}")


def _numeric_column(col: pd.Series, name: str) -> pd.Series:
    if pd.api.types.is_bool_dtype(col):
        return col.astype(float)
    if pd.api.types.is_numeric_dtype(col):
        return col.astype(float)
    converted = pd.to_numeric(col.replace({"NA": np.nan, "": np.nan}), errors="coerce")
    bad = col[converted.isna() & col.notna() & ~col.isin(["NA", ""])]
    if len(bad):
        raise TalentbenchError(
            f"column {name!r} of iData is not numeric (e.g. row {bad.index[0]}: {bad.iloc[0]!r})"
        )
    return converted.astype(float)
