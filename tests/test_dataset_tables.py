"""The embedded dataset: sourced, reproducible, complete for the corpus, and honest about gaps."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pandas as pd
import pytest

from benchmark import city_registry, dataset
from benchmark.dataset import curate
from benchmark.dataset import provenance as pv
from benchmark.dataset.build import build_provisions
from benchmark.dataset.schema import PROVISION_COLUMNS
from benchmark.errors import TalentbenchError

MUNICIPALITIES = {"北京", "上海", "天津", "重庆"}
SUB_PROVINCIAL = {"广州", "深圳", "武汉", "哈尔滨", "沈阳", "成都", "南京", "西安", "长春", "济南",
                  "杭州", "大连", "青岛", "宁波", "厦门"}


@pytest.fixture(scope="module")
def provisions():
    return dataset.load_provisions()


@pytest.fixture(scope="module")
def texts(shared_data):
    return curate.read_corpus(shared_data / "policy_corpus")


@pytest.fixture(scope="module")
def sources(shared_data):
    from benchmark.dataset.build import source_texts

    return source_texts(shared_data)


def test_provisions_keep_the_agreed_columns_and_vocabularies(provisions):
    assert list(provisions.columns) == PROVISION_COLUMNS
    assert dataset.provision_problems(provisions) == []
    assert len(provisions) >= 200


def test_every_number_has_an_official_source_and_its_evidence(provisions, sources):
    texts = sources
    assert provisions["source_url"].map(pv.is_official).all()
    for row in provisions.itertuples():
        assert texts[row.doc][row.start:row.end] == row.evidence, (row.doc, row.evidence)
        # the cited URL is one the document itself cites: never a made-up page
        assert row.source_url in texts[row.doc], (row.doc, row.source_url)
    dated = provisions["source_date"].dropna()
    assert dated.str.fullmatch(r"20\d\d-\d\d-\d\d").all()


def test_curation_is_reproducible_from_corpus_and_decisions(shared_data, provisions):
    rebuilt = build_provisions(shared_data)
    pd.testing.assert_frame_equal(rebuilt.reset_index(drop=True), provisions.reset_index(drop=True),
                                  check_dtype=False)


def test_every_mainland_city_that_states_amounts_is_curated(shared_data, provisions):
    with_gold_amounts = {
        curate.city_of_doc(p.name[:-6])[0]
        for p in (shared_data / "gold").glob("*.jsonl") if p.read_text(encoding="utf-8").strip()
    }
    # documents without gold that state amounts, reviewed by hand (see review_decisions.csv)
    hand_reviewed = {"上海", "南京", "青岛", "福州", "郑州"}
    assert with_gold_amounts | hand_reviewed <= set(provisions["city"])
    assert not {"香港", "澳门"} & set(provisions["city"])


# A monetary amount as the xlsx table writes one: 10万元, 600元, 3年3万, 6万元-10万元.
XLSX_AMOUNT = re.compile(r"\d+(?:\.\d+)?\s*(?:万|亿)?元|\d+(?:\.\d+)?\s*万(?![人])")


@pytest.fixture(scope="module")
def xlsx_rows(shared_data):
    from benchmark.dataset.build import XLSX_TABLE

    return curate.read_xlsx_documents(shared_data / XLSX_TABLE)


@pytest.fixture(scope="module")
def decisions():
    from benchmark.dataset.review import read_decisions
    from benchmark.paths import resource

    return read_decisions(resource("dataset", "review_decisions.csv"))


def test_every_xlsx_row_stating_an_amount_has_a_decision(xlsx_rows, decisions):
    """No row of the structured table is silently dropped: a row that states an amount has a
    recorded decision, and so has every candidate the extractor finds in any row."""
    from benchmark.dataset.review import with_keys
    from benchmark.provisions import extract_text

    decided_docs = set(decisions["doc"])
    with_amounts = {doc for doc, text in xlsx_rows.items() if XLSX_AMOUNT.search(text)}
    assert len(with_amounts) >= 20  # the table states amounts in about half of its 51 rows
    assert sorted(with_amounts - decided_docs) == []
    candidates = pd.DataFrame([rec for doc, text in xlsx_rows.items()
                               for rec in extract_text(text, doc)])
    undecided = set(with_keys(candidates)["key"]) - set(decisions["key"])
    assert sorted(undecided) == [], "review these candidates (talentbench dataset queue)"
    # and the audit's examples are among the decided rows
    for row in (12, 16, 18, 22, 31):
        assert f"talent_subsidies_by_city.xlsx#R{row}" in decided_docs


def test_district_rows_name_their_district(provisions):
    district = provisions[provisions["scope"] == "district"]
    assert district["district"].notna().all()
    assert provisions.loc[provisions["scope"] == "city", "district"].isna().all()
    assert {"南沙区", "长乐区", "马尾区", "昆山市", "武汉经开区"} <= set(district["district"])


def test_unknown_stays_missing_never_zero(provisions):
    stats = dataset.load_city_stats()
    assert provisions["amount_max_cny"].isna().any() and (provisions["amount_max_cny"] != 0).all()
    assert (provisions["amount_cny"] > 0).all()
    cov = dataset.coverage(provisions, dataset.load_features())
    empty = cov[(cov["n_provisions"] == 0) & (cov["n_features"] == 0)]
    assert len(empty) and empty["latest_source_date"].isna().all()
    assert stats["popu_2020"].notna().all()


def test_registry_covers_the_peer_groups():
    cities = city_registry.load_cities()
    assert len(cities) >= 36
    assert set(cities.loc[cities["admin_level"] == "municipality", "city"]) >= MUNICIPALITIES
    assert set(cities.loc[cities["admin_level"] == "sub_provincial", "city"]) == SUB_PROVINCIAL
    capitals = cities[cities["admin_level"] == "provincial_capital"]
    assert len(capitals) == 17  # the 27 provincial capitals minus the 10 sub-provincial ones
    assert cities["census_code"].str.fullmatch(r"\d{6}").all()
    assert cities["province"].notna().all()


def test_every_corpus_city_is_registered_with_entry_points(texts):
    cities = city_registry.load_cities()
    corpus_cities = {curate.city_of_doc(d)[0] for d in texts if curate.is_mainland(d)}
    assert corpus_cities <= set(cities["city"])
    assert set(cities.loc[cities["in_corpus"], "city"]) == corpus_cities
    entries = city_registry.load_entry_points()
    citing = {curate.city_of_doc(d)[0] for d, t in texts.items()
              if curate.is_mainland(d) and any(pv.is_official(u) for u, _ in pv.find_urls(t))}
    assert citing == set(entries["city"])
    assert "合肥" not in citing  # its summary cites no page at all: a gap, shown as such
    for row in entries.itertuples():
        assert pv.is_official(row.url), row.url
        assert any(row.example_url in texts[d] for d in row.cited_in.split(";")), row.example_url
    assert {"hrss", "housing", "gov_xxgk"} <= set(entries["kind"])
    assert not entries.duplicated(["city", "url"]).any()
    # every city portal named in portals.csv is one its documents cite
    portals = pd.read_csv(city_registry.resource("registry", "portals.csv"))
    for row in portals.itertuples():
        assert any(row.host in texts[d] for d in texts if curate.city_of_doc(d)[0] == row.city), row.host
    assert set(portals["city"]) <= set(entries.loc[entries["kind"] == "gov_xxgk", "city"])


def test_city_stats_match_the_census(shared_data):
    stats = dataset.load_city_stats().set_index("city")
    census = pd.read_csv(shared_data / "census_city_2010_2020.csv").set_index("city")
    hz = census.loc["杭州市"]
    assert stats.loc["杭州", "popu_2020"] == hz["popu_2020"]
    assert stats.loc["杭州", "popu_growth"] == pytest.approx(hz["popu_2020"] / hz["popu_2010"] - 1, abs=1e-6)
    assert stats.loc["杭州", "urbanisation"] == pytest.approx(hz["popu_urban_2020"] / hz["popu_2020"], abs=1e-6)
    ranks = pd.read_csv(shared_data / "talent_attraction_rankings.csv")
    r22 = ranks[ranks["data_year"] == 2022].set_index("city")["rank"]
    assert stats.loc["杭州", "talent_attraction_rank_2022"] == r22["杭州"]
    unranked = [c for c in stats.index if c not in r22.index]
    assert unranked and stats.loc[unranked, "talent_attraction_rank_2022"].isna().all()


def test_provenance_reads_the_documents_marks(texts):
    hz = texts["杭州.md"]
    start = hz.index("大学生租房补贴：每户每年 1 万元")
    url, how = pv.locate_source(hz, start, start + 10)
    assert how == "section" and url.startswith("https://fgj.hangzhou.gov.cn/col/col1229243645/")
    assert pv.source_date(hz, url) == "2025-08-28"
    zh = texts["珠海.md"]
    assert pv.status_at(zh, zh.index("全日制本科、技师：**2.6 万元**")) == "old_rule"
    assert pv.url_date("https://hrss.wuxi.gov.cn/doc/2025/10/11/4663188.shtml") == "2025-10-11"
    assert pv.url_date("http://rsj.taiyuan.gov.cn/tzgg2/20211008/1140183.html") == "2021-10-08"
    assert not pv.is_official("https://mp.weixin.qq.com/s/abc")
    assert pv.date_in("关于下达2025年1-6月补贴资金的通知（2025-08-28）") == "2025-08-28"
    assert pv.date_in("2024年7月10日起试行") == "2024-07-10"


def test_validate_refuses_a_number_without_source(provisions):
    bad = provisions.head(3).copy()
    bad.loc[bad.index[0], "source_url"] = pd.NA
    with pytest.raises(TalentbenchError, match="without a source URL"):
        dataset.validate_provisions(bad, where="mine.csv")
    with pytest.raises(TalentbenchError, match="missing column"):
        dataset.validate_provisions(bad.drop(columns=["status"]))


def _talentbench(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "benchmark", *args], capture_output=True,
                          text=True, cwd=cwd, timeout=120)


def test_summary_prints_one_row_per_registry_city():
    out = _talentbench("dataset", "summary", "--format", "csv")
    assert out.returncode == 0, out.stderr
    from io import StringIO

    table = pd.read_csv(StringIO(out.stdout))
    assert {"city", "province", "level", "n_provisions", "n_features", "n_sources",
            "latest_source_date"} <= set(table.columns)
    assert table["city"].tolist() == city_registry.load_cities()["city"].tolist()
    hz = table.set_index("city").loc["杭州"]
    assert hz["n_provisions"] > 0 and hz["n_sources"] >= 2 and hz["latest_source_date"] >= "2025"
    rows = json.loads(_talentbench("dataset", "summary", "--format", "json").stdout)
    assert len(rows) == len(table)


def test_queue_and_apply_review_from_the_command_line(tmp_path, shared_data):
    gold = shared_data / "gold" / "长沙.md.jsonl"
    queue = tmp_path / "queue.xlsx"
    out = _talentbench("dataset", "queue", str(gold), "--corpus", str(shared_data / "policy_corpus"),
                       "-o", str(queue), "--decisions", str(tmp_path / "d.csv"))
    assert out.returncode == 0, out.stderr
    assert "4 candidates, 4 to review" in out.stdout
    q = pd.read_excel(queue, dtype=str)
    q["decision"] = ["accept", "reject", "accept", "correct"]
    q.loc[3, "status"] = "to_check"
    q.to_excel(queue, index=False)
    out = _talentbench("dataset", "apply-review", str(queue), "--decisions", str(tmp_path / "d.csv"),
                       "--out", str(tmp_path / "p.csv"))
    assert out.returncode == 0, out.stderr
    curated_rows = dataset.load_provisions(tmp_path / "p.csv")
    assert sorted(curated_rows["review"]) == ["accepted", "accepted", "corrected"]
    assert curated_rows["city"].eq("长沙").all()
    # a second queue from the same extraction shows everything as reviewed
    out = _talentbench("dataset", "queue", str(gold), "--corpus", str(shared_data / "policy_corpus"),
                       "-o", str(tmp_path / "q2.csv"), "--decisions", str(tmp_path / "d.csv"))
    assert "0 to review, 4 already reviewed" in out.stdout
    # a re-extraction that changed an amount: the reviewed row is kept, and the clash is shown
    changed = tmp_path / "changed.jsonl"
    lines = gold.read_text(encoding="utf-8").splitlines()
    lines[0] = lines[0].replace('"amount_cny": 100000', '"amount_cny": 110000')
    changed.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = _talentbench("dataset", "queue", str(changed), "--corpus", str(shared_data / "policy_corpus"),
                       "-o", str(tmp_path / "q3.csv"), "--decisions", str(tmp_path / "d.csv"))
    assert "1 to review" in out.stdout and "amount_changed: 1" in out.stdout, out.stdout
    out = _talentbench("dataset", "conflicts", str(changed), "--corpus",
                       str(shared_data / "policy_corpus"), "--decisions", str(tmp_path / "d.csv"),
                       "--format", "csv")
    assert "amount_changed" in out.stdout and "no_longer_extracted" in out.stdout


def test_bad_review_input_gives_one_line(tmp_path):
    bad = tmp_path / "q.csv"
    bad.write_text("key,decision\nx,perhaps\n", encoding="utf-8")
    out = _talentbench("dataset", "apply-review", str(bad), "--decisions", str(tmp_path / "d.csv"))
    assert out.returncode == 2 and out.stderr.count("\n") == 1 and "talentbench: error:" in out.stderr
    out = _talentbench("dataset", "queue", str(tmp_path / "missing.jsonl"), "-o", str(tmp_path / "q.xlsx"))
    assert out.returncode == 2 and "candidates file not found" in out.stderr


def test_tables_match_their_schema_files():
    import yaml

    from benchmark.paths import resource

    for folder in ("dataset", "registry"):
        schema = yaml.safe_load(resource(folder, "schema.yaml").read_text(encoding="utf-8"))
        for name, spec in schema.items():
            header = pd.read_csv(resource(folder, name), nrows=0).columns.tolist()
            cols = spec["columns"]
            assert header == (list(cols) if isinstance(cols, dict) else cols), name
