"""The review workflow: a reviewed row survives re-extraction; the queue survives Excel formats."""

from __future__ import annotations

import pandas as pd
import pytest

from benchmark.dataset import curate
from benchmark.dataset.review import (
    apply_review,
    build_queue,
    conflicts,
    curated,
    provision_key,
    read_queue,
    write_queue,
)
from benchmark.errors import TalentbenchError


@pytest.fixture(scope="module")
def texts(shared_data):
    return curate.read_corpus(shared_data / "policy_corpus")


@pytest.fixture(scope="module")
def hangzhou(shared_data, texts):
    """The 杭州 gold labels as an extraction would give them (contract columns + offsets)."""
    gold = curate.read_gold(shared_data / "gold", texts)
    return curate.enrich(gold[gold["doc"] == "杭州.md"].reset_index(drop=True), texts)


def _mark(queue: pd.DataFrame, tier: str, benefit: str, decision: str, **changes) -> pd.DataFrame:
    q = queue.copy()
    rows = q.index[(q["tier"] == tier) & (q["benefit"] == benefit)]
    assert len(rows) == 1, (tier, benefit)
    q.loc[rows[0], "decision"] = decision
    for col, value in changes.items():
        q.loc[rows[0], col] = value
    return q


def test_reviewed_rows_survive_reextraction(hangzhou):
    queue = build_queue(hangzhou)
    assert not queue["reviewed"].any() and len(queue) == len(hangzhou)
    queue = _mark(queue, "phd", "living_allowance", "accept")
    queue = _mark(queue, "graduate", "rent_subsidy", "correct", status="to_check",
                  note="租房补贴年限待复核")
    queue = _mark(queue, "class_E", "rent_subsidy", "reject")
    decisions = apply_review(queue)
    first = curated(decisions)
    assert sorted(first["review"]) == ["accepted", "corrected"]

    # Re-extraction: offsets move (the document grew), one amount changed, one row is new.
    again = hangzhou.copy()
    again["start"] += 17
    again["end"] += 17
    again.loc[again["tier"] == "class_E", "amount_cny"] = 3000.0
    again = pd.concat([again, again.iloc[[0]].assign(tier="young")], ignore_index=True)
    queue2 = build_queue(again, decisions)

    grad = queue2[queue2["key"] == provision_key("杭州.md", "graduate", "rent_subsidy", "year", 10000)]
    assert grad["reviewed"].item() and grad["decision"].item() == "correct"
    assert grad["status"].item() == "to_check", "the analyst's correction must win over the new run"
    # applying the new queue untouched keeps every decision as it was
    assert curated(apply_review(queue2, decisions)).equals(first)

    found = conflicts(again, decisions)
    kinds = dict(zip(found["kind"], found["key"], strict=False))
    assert set(found["kind"]) == {"amount_changed", "new", "no_longer_extracted"}
    assert "class_E" in kinds["amount_changed"] and "young" in kinds["new"]
    assert "class_E" in kinds["no_longer_extracted"]


def test_correction_keeps_the_original_identity(hangzhou):
    queue = _mark(build_queue(hangzhou), "bachelor", "living_allowance", "correct",
                  amount_cny=12000.0)
    decisions = apply_review(queue)
    row = decisions.iloc[0]
    # the key is the candidate's, so the next extraction of 1万元 finds this correction again
    assert row["key"] == provision_key("杭州.md", "bachelor", "living_allowance", "once", 10000)
    assert curated(decisions)["amount_cny"].tolist() == [12000.0]
    again = build_queue(hangzhou, decisions)
    assert again.loc[again["key"] == row["key"], "amount_cny"].item() == 12000.0


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_queue_round_trips_without_losing_chinese(tmp_path, hangzhou, suffix):
    queue = _mark(build_queue(hangzhou), "phd", "living_allowance", "accept", note="核对：原文第1.2节")
    path = write_queue(queue, tmp_path / f"队列{suffix}")
    back = read_queue(path)
    assert list(back.columns) == list(queue.columns)
    for col in ("key", "city", "evidence", "doc", "source_url", "note", "decision"):
        assert back[col].fillna("").tolist() == queue[col].fillna("").astype(str).tolist(), col
    assert back["reviewed"].tolist() == queue["reviewed"].tolist()
    # and what comes back applies exactly like the original
    assert curated(apply_review(back)).equals(curated(apply_review(queue)))


def test_csv_queue_opens_in_excel_as_utf8(tmp_path, hangzhou):
    path = write_queue(build_queue(hangzhou), tmp_path / "q.csv")
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "Excel/WPS need the BOM to read UTF-8 Chinese"
    assert "杭州.md".encode() in raw


def test_bad_decisions_are_refused(hangzhou):
    queue = build_queue(hangzhou)
    queue.loc[0, "decision"] = "maybe"
    with pytest.raises(TalentbenchError, match="unknown review decision"):
        apply_review(queue)
    with pytest.raises(TalentbenchError, match="lacks columns"):
        apply_review(queue.drop(columns=["key"]))
    with pytest.raises(TalentbenchError, match=r"\.csv or \.xlsx"):
        write_queue(queue, __import__("pathlib").Path("queue.txt"))


def test_xlsx_rows_are_curated_only_with_an_official_link(shared_data):
    """A table row is a sourced provision only when its 政策链接 is an official page; every
    decision on a row with another link (or none) is a reject that says so, with a reason."""
    from benchmark.dataset import provenance as pv
    from benchmark.dataset.build import XLSX_TABLE
    from benchmark.dataset.review import read_decisions
    from benchmark.paths import resource

    rows = curate.read_xlsx_documents(shared_data / XLSX_TABLE)
    decisions = read_decisions(resource("dataset", "review_decisions.csv"))
    on_rows = decisions[decisions["doc"].isin(set(rows))]
    assert len(on_rows) >= 40
    assert on_rows["note"].fillna("").str.strip().ne("").all(), "every decision gives its reason"
    for d in on_rows.itertuples():
        official = [u for u, _ in pv.find_urls(rows[d.doc]) if pv.is_official(u)]
        if not official:
            assert d.decision == "reject" and d.note.startswith("no official source link"), d.key
        if d.decision in ("accept", "correct", "add"):
            assert official, d.key
    kept = {d.doc for d in on_rows.itertuples() if d.decision != "reject"}
    assert {f"{XLSX_TABLE}#R{n}" for n in (12, 16, 18)}.isdisjoint(kept)  # bendibao/weixin-like links
