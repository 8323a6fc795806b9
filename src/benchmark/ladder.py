"""The high-level talent ladder: a reviewed crosswalk of each city's own top categories.

Cities name their high-level categories differently (杭州 A–F类, 东莞 特级/一类…, 无锡 C3/D1/D2,
昆山 国家/省/姑苏/昆山双创 …). Benefits for "A类" in one city and "A类" in another are not
comparable unless both are placed on one common ladder. The crosswalk
(``resources/ladder/crosswalk.csv``, columns in ``resources/ladder/schema.yaml``) places a
category on a rung only where the city's text defines it (criteria, members, or equivalence to a
named programme); a category the text only names keeps an empty rung, so it is known but never
compared. Every definition is an exact span of a corpus document, so each mapping can be checked
against its source.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from benchmark.dataset.schema import STATUSES
from benchmark.errors import TalentbenchError
from benchmark.paths import resource

# Ordered from the top of the ladder down: a comparison of "the same person" across cities
# walks this order.
RUNGS: tuple[str, ...] = (
    "world_class",
    "national_leading",
    "provincial_leading",
    "city_level",
    "high_potential_young",
)
RUNG_NAMES: dict[str, str] = {
    "world_class": "世界顶尖",
    "national_leading": "国家级领军",
    "provincial_leading": "省级领军",
    "city_level": "市级高层次",
    "high_potential_young": "青年拔尖",
}
# The provisions-contract tiers (shared/spec/provisions.md) a high-level category is coded as.
LADDER_TIERS: tuple[str, ...] = (
    "class_A", "class_B", "class_C", "class_D", "class_E", "class_F", "top", "leading",
    "high_level",
)
CROSSWALK_COLUMNS: list[str] = [
    "city", "category", "tier", "rung", "definition", "doc", "start", "end", "source_url",
    "status", "note",
]
_REQUIRED_TEXT = ("city", "category", "tier", "definition", "doc", "source_url", "status", "note")


def _read_csv(path: Path) -> pd.DataFrame:
    if not path.exists():
        raise TalentbenchError(f"ladder crosswalk not found: {path}")
    try:
        # keep_default_na off: an empty rung is "not compared", never a parsed NaN float column
        return pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""], encoding="utf-8")
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise TalentbenchError(f"cannot read {path}: {str(exc).splitlines()[0]}") from None


def crosswalk_problems(df: pd.DataFrame, corpus: Path | str | None = None) -> list[str]:
    """Problems with a crosswalk table, one message per problem (empty = valid).

    Checks the vocabularies (tier, rung, status), required cells, that offsets are integers
    spanning exactly the definition, that each (city, category, tier) appears once, and — when
    ``corpus`` (the policy_corpus folder) is given — that ``text[start:end] == definition`` in
    the document read as UTF-8 with no newline translation.
    """
    problems: list[str] = []
    for col in _REQUIRED_TEXT:
        blank = df[col].astype("string").str.strip().fillna("") == ""
        for i in df.index[blank]:
            problems.append(f"row {i}: {col} is empty")
    checks = {"tier": LADDER_TIERS, "status": STATUSES}
    for col, allowed in checks.items():
        bad = df.loc[df[col].notna() & ~df[col].isin(allowed), col]
        problems.extend(f"row {i}: {col}={v!r} not in {allowed}" for i, v in bad.items())
    bad_rung = df.loc[df["rung"].notna() & ~df["rung"].isin(RUNGS), "rung"]
    problems.extend(f"row {i}: rung={v!r} not in {RUNGS}" for i, v in bad_rung.items())
    bad_url = df.loc[df["source_url"].notna() & ~df["source_url"].astype(str).str.match(r"https?://"),
                     "source_url"]
    problems.extend(f"row {i}: source_url {v!r} is not an http(s) URL" for i, v in bad_url.items())
    dup = df.duplicated(["city", "category", "tier"], keep="first")
    problems.extend(f"row {i}: duplicate (city, category, tier)" for i in df.index[dup])

    texts: dict[str, str] = {}
    for i, row in df.iterrows():
        try:
            start, end = int(row["start"]), int(row["end"])
        except (TypeError, ValueError):
            problems.append(f"row {i}: start/end {row['start']!r}/{row['end']!r} are not integers")
            continue
        definition = row["definition"] if isinstance(row["definition"], str) else ""
        if not 0 <= start < end or end - start != len(definition):
            problems.append(f"row {i}: offsets {start}:{end} do not span the definition "
                            f"({len(definition)} characters)")
            continue
        if corpus is None or not isinstance(row["doc"], str):
            continue
        if row["doc"] not in texts:
            path = Path(corpus) / row["doc"]
            try:
                with open(path, encoding="utf-8", newline="") as fh:
                    texts[row["doc"]] = fh.read()
            except (OSError, UnicodeDecodeError):
                problems.append(f"row {i}: cannot read document {path}")
                texts[row["doc"]] = ""
                continue
        if texts[row["doc"]][start:end] != definition:
            problems.append(f"row {i}: {row['doc']}[{start}:{end}] is not the definition")
    return problems


def validate_crosswalk(df: pd.DataFrame, where: str = "ladder crosswalk",
                       corpus: Path | str | None = None) -> pd.DataFrame:
    """The crosswalk with its dtypes, or a TalentbenchError naming the first problems found.

    A bad mapping must stop the comparison rather than silently put a category on a wrong rung.
    """
    missing = [c for c in CROSSWALK_COLUMNS if c not in df.columns]
    if missing:
        raise TalentbenchError(f"{where}: missing column(s) {', '.join(missing)}")
    table = df[CROSSWALK_COLUMNS].copy()
    problems = crosswalk_problems(table, corpus)
    if problems:
        more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
        raise TalentbenchError(f"{where}: " + "; ".join(problems[:3]) + more)
    for col in ("start", "end"):
        table[col] = pd.to_numeric(table[col]).astype("Int64")
    for col in CROSSWALK_COLUMNS:
        if col not in ("start", "end"):
            table[col] = table[col].astype("string")
    return table


def load_crosswalk(path: Path | str | None = None,
                   corpus: Path | str | None = None) -> pd.DataFrame:
    """The validated ladder crosswalk (the packaged one unless ``path`` is given).

    ``rung`` is <NA> where the text does not define the category. Pass ``corpus`` (the
    policy_corpus folder) to also check every definition against its document.
    """
    path = Path(path) if path is not None else resource("ladder", "crosswalk.csv")
    return validate_crosswalk(_read_csv(path), where=str(path), corpus=corpus)


def rung_tiers(crosswalk: pd.DataFrame, city: str,
               statuses: Iterable[str] = ("confirmed",)) -> dict[str, list[str]]:
    """Which of a city's tiers sit on each rung, from the top rung down.

    Only rows with a rung and a status in ``statuses`` count (by default confirmed only, as in
    the valuation rules: an unconfirmed mapping must not move money between rungs). Every rung
    is a key; an empty list means the city has no such category in its texts. A tier can sit on
    several rungs (昆山 codes 国家/省/姑苏双创 all as ``leading``), which is exactly what the
    caller must see before comparing amounts by tier.
    """
    statuses = tuple(statuses)
    unknown = [s for s in statuses if s not in STATUSES]
    if unknown:
        raise TalentbenchError(f"unknown status(es) {', '.join(unknown)}; use {', '.join(STATUSES)}")
    if city not in set(crosswalk["city"].dropna()):
        raise TalentbenchError(f"city {city!r} is not in the ladder crosswalk")
    rows = crosswalk[(crosswalk["city"] == city) & crosswalk["rung"].notna()
                     & crosswalk["status"].isin(statuses)]
    out: dict[str, list[str]] = {rung: [] for rung in RUNGS}
    for rung, tier in zip(rows["rung"], rows["tier"], strict=True):
        if tier not in out[rung]:
            out[rung].append(str(tier))
    return out
