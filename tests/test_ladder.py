"""The high-level talent ladder crosswalk: spans, vocabularies, mappings and rung_tiers."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml

from benchmark.dataset.schema import STATUSES, TIERS
from benchmark.errors import TalentbenchError
from benchmark.ladder import (
    CROSSWALK_COLUMNS,
    LADDER_TIERS,
    RUNG_NAMES,
    RUNGS,
    load_crosswalk,
    rung_tiers,
)
from benchmark.paths import resource

ND = "not defined in the text"


@pytest.fixture(scope="module")
def crosswalk() -> pd.DataFrame:
    return load_crosswalk()


def _read(path: Path) -> str:
    with open(path, encoding="utf-8", newline="") as fh:
        return fh.read()


def _row(cw: pd.DataFrame, city: str, category: str, tier: str | None = None) -> pd.Series:
    rows = cw[(cw["city"] == city) & (cw["category"] == category)]
    if tier is not None:
        rows = rows[rows["tier"] == tier]
    assert len(rows) == 1, f"expected one row for {city} {category} {tier}, got {len(rows)}"
    return rows.iloc[0]


# --- the packaged table ---------------------------------------------------------------------

def test_every_definition_is_the_exact_span_of_its_document(crosswalk, shared_data):
    corpus = shared_data / "policy_corpus"
    texts: dict[str, str] = {}
    for i, row in crosswalk.iterrows():
        text = texts.setdefault(row["doc"], _read(corpus / row["doc"]))
        assert text[int(row["start"]):int(row["end"])] == row["definition"], f"row {i}"
    # and the loader's own corpus check agrees
    assert len(load_crosswalk(corpus=corpus)) == len(crosswalk)


def test_columns_and_vocabularies(crosswalk):
    assert list(crosswalk.columns) == CROSSWALK_COLUMNS
    assert set(crosswalk["tier"]) <= set(LADDER_TIERS) <= set(TIERS)
    assert set(crosswalk["rung"].dropna()) <= set(RUNGS)
    assert set(crosswalk["status"]) <= set(STATUSES)
    assert crosswalk["source_url"].str.match(r"https?://[^/]*\.gov\.cn").all()
    assert not crosswalk.duplicated(["city", "category", "tier"]).any()
    assert not set(crosswalk["city"]) & {"香港", "澳门"}


def test_covers_the_cities_whose_texts_name_high_level_categories(crosswalk):
    assert {"杭州", "东莞", "福州", "南京", "无锡", "苏州", "厦门"} <= set(crosswalk["city"])


def test_rung_vocabulary_matches_schema_yaml():
    schema = yaml.safe_load(resource("ladder", "schema.yaml").read_text(encoding="utf-8"))
    rungs = sorted(schema["rungs"], key=lambda r: r["order"])
    assert tuple(r["code"] for r in rungs) == RUNGS
    assert {r["code"]: r["name"] for r in rungs} == RUNG_NAMES
    assert list(schema["crosswalk.csv"]["columns"]) == CROSSWALK_COLUMNS
    assert tuple(schema["crosswalk.csv"]["columns"]["tier"]["values"]) == LADDER_TIERS


def test_rows_without_a_rung_say_why_and_undefined_rows_have_no_rung(crosswalk):
    assert crosswalk["note"].str.strip().str.len().gt(0).all()
    undefined = crosswalk["note"].str.contains(ND, regex=False)
    assert crosswalk.loc[undefined, "rung"].isna().all()
    assert undefined.sum() > 0


# --- specific mappings, checked against the text --------------------------------------------

def test_programme_level_mappings_follow_the_text(crosswalk):
    # the rung's level word must be in the definition itself
    for rung, word in (("national_leading", "国家"), ("provincial_leading", "省")):
        rows = crosswalk[crosswalk["rung"] == rung]
        assert len(rows) > 0
        assert rows["definition"].str.contains(word).all(), rung


def test_xiamen_national_and_provincial_programmes(crosswalk):
    national = _row(crosswalk, "厦门", "“国家级重大人才计划”入选人才")
    assert national["rung"] == "national_leading"
    assert "“国家级重大人才计划”" in national["definition"]
    provincial = _row(crosswalk, "厦门", "福建省引才“百人计划”入选人才")
    assert provincial["rung"] == "provincial_leading"
    assert "福建省引才“百人计划”" in provincial["definition"]
    city = _row(crosswalk, "厦门", "“双百计划”创业人才")
    assert city["rung"] == "city_level" and "厦门市“双百计划”" in city["definition"]
    # recognised under a regulation whose criteria the text does not give: not compared
    assert pd.isna(_row(crosswalk, "厦门", "高层次留学人员")["rung"])


def test_kunshan_programme_ladder(crosswalk):
    expected = {"国家双创人才": "national_leading", "省双创人才": "provincial_leading",
                "姑苏双创人才": "city_level"}
    for category, rung in expected.items():
        row = _row(crosswalk, "苏州", category)
        assert row["rung"] == rung and row["tier"] == "leading"
        assert row["definition"] == "国家/省/姑苏/昆山双创最高120/90/60/36万"
    # a county-level programme: below the city rung, so not placed on it
    assert pd.isna(_row(crosswalk, "苏州", "昆山双创人才")["rung"])
    assert pd.isna(_row(crosswalk, "苏州", "头雁")["rung"])


def test_wuxi_taihu_classes_are_city_level(crosswalk, shared_data):
    text = _read(shared_data / "policy_corpus" / "无锡.md")
    assert "“太湖人才计划”**重点产业紧缺人才**" in text
    c3 = _row(crosswalk, "无锡", "C3 类人才")
    assert (c3["tier"], c3["rung"]) == ("class_C", "city_level")
    assert "积分 100 分以上" in c3["definition"]
    for label in ("D1 类人才", "D2 类人才"):
        row = _row(crosswalk, "无锡", label)
        assert (row["tier"], row["rung"]) == ("class_D", "city_level")


def test_named_but_undefined_categories_are_kept_without_rung(crosswalk):
    for city, category, tier in (("杭州", "B类", "class_B"), ("东莞", "特级人才", "top"),
                                 ("福州", "福州市高层次D类人才", "class_D")):
        row = _row(crosswalk, city, category, tier)
        assert pd.isna(row["rung"]) and ND in row["note"]


def test_no_academician_rung_without_academicians_in_the_texts(crosswalk, shared_data):
    """No mainland text mentions 院士 or Nobel laureates, so nothing may sit on world_class.

    If a future corpus adds such a definition this fails, and the crosswalk must be revisited.
    """
    corpus = shared_data / "policy_corpus"
    mentions = [p.name for p in sorted(corpus.glob("*.md"))
                if p.stem not in ("香港", "澳门") and any(w in _read(p) for w in ("院士", "诺贝尔"))]
    assert mentions == []
    assert (crosswalk["rung"] == "world_class").sum() == 0


# --- rung_tiers -----------------------------------------------------------------------------

def test_rung_tiers_lists_every_rung_in_ladder_order(crosswalk):
    wuxi = rung_tiers(crosswalk, "无锡")
    assert list(wuxi) == list(RUNGS)
    assert wuxi["city_level"] == ["class_C", "class_D"]  # D1 and D2 give class_D once
    assert wuxi["national_leading"] == []
    suzhou = rung_tiers(crosswalk, "苏州")
    assert suzhou["national_leading"] == suzhou["provincial_leading"] == ["leading"]
    assert all(v == [] for v in rung_tiers(crosswalk, "杭州").values())


def _frame(rows: list[dict]) -> pd.DataFrame:
    base = {"category": "X", "definition": "X", "doc": "x.md", "start": "0", "end": "1",
            "source_url": "https://www.example.gov.cn/", "note": "n"}
    return pd.DataFrame([{**base, **r} for r in rows])[CROSSWALK_COLUMNS]


def test_rung_tiers_filters_by_status():
    cw = _frame([
        {"city": "甲", "category": "A类", "tier": "class_A", "rung": "national_leading",
         "status": "confirmed"},
        {"city": "甲", "category": "B类", "tier": "class_B", "rung": "city_level",
         "status": "to_check"},
        {"city": "甲", "category": "C类", "tier": "class_C", "rung": None, "status": "confirmed"},
    ])
    assert rung_tiers(cw, "甲")["city_level"] == []
    both = rung_tiers(cw, "甲", statuses=("confirmed", "to_check"))
    assert both["city_level"] == ["class_B"] and both["national_leading"] == ["class_A"]
    assert "class_C" not in sum(both.values(), [])
    with pytest.raises(TalentbenchError, match="not in the ladder crosswalk"):
        rung_tiers(cw, "乙")
    with pytest.raises(TalentbenchError, match="unknown status"):
        rung_tiers(cw, "甲", statuses=("sure",))


# --- bad input ------------------------------------------------------------------------------

def _write(tmp_path: Path, df: pd.DataFrame) -> Path:
    path = tmp_path / "crosswalk.csv"
    df.to_csv(path, index=False, encoding="utf-8")
    return path


@pytest.fixture()
def good_rows() -> pd.DataFrame:
    return _frame([{"city": "甲", "category": "A类", "tier": "class_A",
                    "rung": "city_level", "status": "confirmed"}])


def test_a_good_small_file_loads(tmp_path, good_rows):
    assert len(load_crosswalk(_write(tmp_path, good_rows))) == 1


@pytest.mark.parametrize(("column", "value", "message"), [
    ("rung", "county_level", "rung='county_level' not in"),
    ("tier", "phd", "tier='phd' not in"),
    ("status", "sure", "status='sure' not in"),
    ("end", "5", "do not span the definition"),
    ("start", "x", "not integers"),
    ("source_url", "www.example.gov.cn", "not an http"),
    ("note", "", "note is empty"),
])
def test_bad_file_is_one_talentbench_error(tmp_path, good_rows, column, value, message):
    good_rows.loc[0, column] = value
    with pytest.raises(TalentbenchError, match=message) as info:
        load_crosswalk(_write(tmp_path, good_rows))
    assert "\n" not in str(info.value)


def test_missing_column_and_missing_file(tmp_path, good_rows):
    with pytest.raises(TalentbenchError, match="missing column.*rung"):
        load_crosswalk(_write(tmp_path, good_rows.drop(columns="rung")))
    with pytest.raises(TalentbenchError, match="not found"):
        load_crosswalk(tmp_path / "nope.csv")


def test_wrong_offsets_are_caught_against_the_corpus(tmp_path, crosswalk, shared_data):
    bad = crosswalk.copy()
    bad.loc[bad.index[0], ["start", "end"]] = bad.loc[bad.index[0], ["start", "end"]] + 1
    path = _write(tmp_path, bad)
    load_crosswalk(path)  # lengths still agree: only the corpus can tell
    with pytest.raises(TalentbenchError, match="is not the definition"):
        load_crosswalk(path, corpus=shared_data / "policy_corpus")
