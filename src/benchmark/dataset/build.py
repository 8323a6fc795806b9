"""Build the shipped dataset tables (package data) from the shared material + review decisions."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from benchmark.dataset import curate
from benchmark.dataset.review import read_decisions
from benchmark.dataset.tables import context_evidence_problems, csv_bytes, provision_problems
from benchmark.errors import TalentbenchError
from benchmark.paths import resource
from benchmark.store import atomic_write_bytes


def write_csv(df: pd.DataFrame, path: Path) -> Path:
    atomic_write_bytes(path, csv_bytes(df))
    return path


def gold_candidates(shared: Path, texts: dict[str, str]) -> pd.DataFrame:
    return curate.enrich(curate.read_gold(shared / "gold", texts), texts)


XLSX_TABLE = "talent_subsidies_by_city.xlsx"


def source_texts(shared: Path) -> dict[str, str]:
    """Every document provisions may quote: the corpus files and the rows of the xlsx table."""
    texts = curate.read_corpus(shared / "policy_corpus")
    texts.update(curate.read_xlsx_documents(shared / XLSX_TABLE))
    return texts


def build_provisions(shared: Path) -> pd.DataFrame:
    texts = source_texts(shared)
    cands = gold_candidates(shared, texts)
    gold_docs = {p.name[: -len(".jsonl")] for p in (shared / "gold").glob("*.jsonl")}
    decisions = read_decisions(resource("dataset", "review_decisions.csv"))
    table = curate.curate_provisions(cands, decisions, texts, auto_accept_docs=gold_docs)
    problems = provision_problems(table)
    for position, row in enumerate(table.to_dict("records")):
        if row["doc"] in texts:
            problems += [f"line {position + 2}: {p}" for p in context_evidence_problems(row, texts[row["doc"]])]
    if problems:
        raise TalentbenchError("curated provisions invalid:\n" + "\n".join(problems[:20]))
    return table


def build_all(shared: Path, root: Path | None = None) -> dict[str, tuple[Path, int]]:
    """Rebuild every dataset table under ``root`` (default: the packaged resources folder,
    which is what a maintainer does in a checkout; users point ``root`` at their own folder)."""
    root = Path(root) if root else resource()

    def target(*parts: str) -> Path:
        return root.joinpath(*parts)

    out = {}
    texts = curate.read_corpus(shared / "policy_corpus")
    cities = build_cities(shared, texts)
    out["cities"] = (write_csv(cities, target("registry", "cities.csv")), len(cities))
    from benchmark.dataset.stats import city_stats, read_census, with_rankings

    rankings = pd.read_csv(shared / "talent_attraction_rankings.csv")
    stats = with_rankings(city_stats(cities, read_census(shared)), rankings)
    out["city_stats"] = (write_csv(stats, target("dataset", "city_stats.csv")), len(stats))
    entries = build_entry_points(texts, cities)
    out["entry_points"] = (write_csv(entries, target("registry", "entry_points.csv")), len(entries))
    from benchmark.dataset.features import FeatureExtractor, curate_features, read_feature_review

    candidates = FeatureExtractor().transform(texts)
    review = read_feature_review()
    feats = curate_features(candidates, review, texts)
    pending = len(candidates) - len(review.merge(candidates, on=["doc", "feature"]))
    out["features"] = (write_csv(feats, target("dataset", "features.csv")), len(feats))
    if pending:
        out["features_pending_review"] = (resource("dataset", "feature_review.csv"), pending)
    prov = build_provisions(shared)
    out["provisions"] = (write_csv(prov, target("dataset", "provisions.csv")), len(prov))
    return out


# --- registry -------------------------------------------------------------------------------

_KIND_BY_HOST = (
    # (kind, host prefixes/fragments) — how Chinese city sites name their departments
    ("hrss", ("rsj.", "hrss.", "rlsbj.", "rlzysb", "zzrs.", "12333")),
    ("housing", ("zjw.", "zjj.", "fgj.", "zfcxjw.", "zfcxjs.", "zfj.", "fcj.", "zjs.", "cdzj.",
                 "zfbz.", "fdc.")),
    ("talent_office", ("rcb.", "rcw.", "rencai.", "talent.", "zzb.", "rcfw.", "rcj.", "rcgz.")),
)


def _host(url: str) -> str:
    from urllib.parse import urlsplit

    return (urlsplit(url).hostname or "").lower()


def classify_url(url: str, portals: set[str] = frozenset()) -> str:
    """Entry-point kind of an official URL from its host and path.

    Department hosts (rsj., zjw., rcb. …) name their kind; the city government's portal
    (``portals.csv``) is ``gov_xxgk``; everything else (district sites, police, provincial
    service portals) is ``other``.
    """
    host = _host(url)
    for kind, frags in _KIND_BY_HOST:
        if any(host.startswith(f) or f in host for f in frags):
            return kind
    return "gov_xxgk" if host in portals else "other"


def read_portals() -> dict[str, set[str]]:
    table = pd.read_csv(resource("registry", "portals.csv"), dtype=str)
    return table.groupby("city")["host"].apply(set).to_dict()


def build_entry_points(texts: dict[str, str], cities: pd.DataFrame) -> pd.DataFrame:
    """One row per (city, official site) cited in that city's corpus documents, with its kind."""
    from urllib.parse import urlsplit

    from benchmark.dataset import provenance as pv

    portals = read_portals()
    rows: dict[tuple[str, str], dict] = {}
    known = set(cities["city"])
    for doc, text in texts.items():
        city, _ = curate.city_of_doc(doc)
        if city not in known:
            continue
        for url, _off in pv.find_urls(text):
            if not pv.is_official(url):
                continue
            parts = urlsplit(url)
            root = f"{parts.scheme}://{parts.netloc}/"
            kind = classify_url(url, portals.get(city, set()))
            key = (city, parts.netloc.lower())
            if key in rows and root.startswith("https:"):
                rows[key]["url"] = root  # the same site cited both ways: keep https
            if key in rows:
                if doc not in rows[key]["cited_in"].split(";"):
                    rows[key]["cited_in"] += f";{doc}"
                # a policy-list page is the better entry than whatever was seen first
                if rows[key]["kind"] == "other" and kind != "other":
                    rows[key].update(kind=kind, example_url=url)
                continue
            rows[key] = {"city": city, "kind": kind, "url": root, "cited_in": doc, "example_url": url}
    df = pd.DataFrame(list(rows.values()), columns=["city", "kind", "url", "cited_in", "example_url"])
    order = {k: i for i, k in enumerate(("hrss", "talent_office", "housing", "gov_xxgk", "other"))}
    df["_o"] = df["kind"].map(order)
    return df.sort_values(["city", "_o", "url"]).drop(columns="_o").reset_index(drop=True)


def build_cities(shared: Path, texts: dict[str, str]) -> pd.DataFrame:
    """Fill the derived registry columns (province, census code, in_corpus) from shared data."""
    cities = pd.read_csv(resource("registry", "cities.csv"), dtype=str, keep_default_na=False)
    census = pd.read_csv(shared / "census_city_2010_2020.csv", dtype=str)
    by_full = census.set_index("city")
    corpus_cities = {curate.city_of_doc(d)[0] for d in texts}
    for i, row in cities.iterrows():
        if row["city_full"] not in by_full.index:
            raise TalentbenchError(f"{row['city_full']} not in the census table")
        cities.at[i, "province"] = by_full.at[row["city_full"], "province"]
        cities.at[i, "census_code"] = by_full.at[row["city_full"], "city_code"]
        cities.at[i, "in_corpus"] = "true" if row["city"] in corpus_cities else "false"
    return cities
