"""Scheduled refresh and history: four snapshots from the real successive corpus versions, the
diff checked against changes read by hand in the texts, exit codes, the lock, failures, the log."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from benchmark import history, snapshots
from benchmark.refresh import engine
from benchmark.refresh.lock import RefreshLock

REPO = Path(__file__).resolve().parents[1]
CHEAP_UNCERTAINTY = """\
replications: 20
sobol_base: 8
seed: 0
inputs:
  - {name: 权重扰动±25%, type: weights, levels: [1, 2], noise: 0.25}
  - name: 缺失值处理
    type: choice
    step: impute
    options:
      - {method: none}
      - {method: median}
"""


def talentbench(home: Path, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    env = {**os.environ, "TALENTBENCH_HOME": str(home)}
    return subprocess.run([sys.executable, "-m", "benchmark", *args], capture_output=True, text=True,
                          env=env, timeout=timeout, cwd=home)


def versions(shared: Path) -> list[Path]:
    return [*sorted((shared / "policy_corpus_history").iterdir()), shared / "policy_corpus"]


@pytest.fixture(scope="module")
def cheap(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("spec") / "uncertainty.yaml"
    path.write_text(CHEAP_UNCERTAINTY, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def four(tmp_path_factory, shared_data, cheap) -> Path:
    """A fresh TALENTBENCH_HOME refreshed over the three history folders in date order, then
    over policy_corpus/ (the CLI, offline; tables only and a cheap uncertainty spec for speed)."""
    home = tmp_path_factory.mktemp("home")
    for corpus in versions(shared_data):
        done = talentbench(home, "refresh", "--offline", "--corpus", str(corpus), "--no-report",
                           "--uncertainty", str(cheap), "--quiet")
        assert done.returncode == 0, done.stderr
        assert "published snapshot" in done.stdout
    return home


def test_four_snapshots_listed_by_history_csv(four, shared_data):
    done = talentbench(four, "history", "--format", "csv")
    assert done.returncode == 0, done.stderr
    from io import StringIO

    table = pd.read_csv(StringIO(done.stdout))
    assert list(table.columns[:5]) == ["snapshot", "published_at", "city", "score", "rank"]
    assert sorted(table["snapshot"].unique()) == [1, 2, 3, 4]
    labels = table.drop_duplicates("snapshot").sort_values("snapshot")["label"].tolist()
    assert labels == [p.name for p in versions(shared_data)]
    # one row per snapshot and city
    assert not table.duplicated(["snapshot", "city"]).any()
    # the latest snapshot ranks what `run` on the same reviewed data ranks (11 cities)
    assert table[table["snapshot"] == 4]["rank"].notna().sum() == 11


def test_history_table_figure_and_city_filter(four):
    done = talentbench(four, "history", "--city", "杭州")
    assert done.returncode == 0, done.stderr
    assert "杭州" in done.stdout and "policy_corpus" in done.stdout
    assert (four / "figures" / "history.png").stat().st_size > 10_000
    bad = talentbench(four, "history", "--city", "不存在市")
    assert bad.returncode == 2
    assert bad.stderr.startswith("talentbench: error:") and len(bad.stderr.strip().splitlines()) == 1


def test_unchanged_inputs_publish_nothing_exit_3(four, shared_data, cheap):
    started = time.perf_counter()
    done = talentbench(four, "refresh", "--offline", "--corpus", str(shared_data / "policy_corpus"),
                       "--no-report", "--uncertainty", str(cheap))
    assert done.returncode == 3, done.stderr
    assert "nothing changed" in done.stdout and "nothing published" in done.stdout
    assert time.perf_counter() - started < 20
    assert len(snapshots.catalogue(snapshots.db_path(four))) == 4


EXPECTED = Path(__file__).parent / "data" / "history_expected_2026-03-10.csv"


def _matches(table: pd.DataFrame, row, amount_col: str) -> pd.DataFrame:
    hit = table[(table["doc"] == row.doc) & (table["tier"] == row.tier) & (table["benefit"] == row.benefit)
                & (table["period"] == row.period) & (table[amount_col] == float(row.amount_cny))]
    if isinstance(row.district, str):
        hit = hit[hit["district"].fillna("").str.contains(row.district)]
    return hit


def test_diff_of_two_history_folders_matches_changes_read_in_the_texts(four):
    """Snapshots 1 and 2 are the corpus of 2026-03-10 00:26 and 11:04; tests/data lists what the
    two versions of 武汉.md, 杭州.md, 深圳.md and 上海.md say (read by hand, before the diff ran)."""
    db = snapshots.db_path(four)
    d = history.diff_snapshots(db, 1, 2)
    both = snapshots.read_part(db, "snapshot_provisions", [1, 2])
    old, new = both[both["snapshot"] == 1], both[both["snapshot"] == 2]
    expected = pd.read_csv(EXPECTED)
    assert expected["doc"].nunique() >= 3
    for row in expected.itertuples():
        what = f"{row.doc} {row.tier} {row.benefit} {row.amount_cny}: {row.expected}"
        if row.expected == "new":
            assert len(_matches(d.provisions[d.provisions["kind"] == "new"], row, "new_amount")) == 1, what
            assert len(_matches(old, row, "amount_cny")) == 0, what
        elif row.expected == "present_both":
            assert len(_matches(old, row, "amount_cny")) >= 1, what
            assert len(_matches(new, row, "amount_cny")) >= 1, what
            listed = d.provisions[d.provisions["kind"].isin(["new", "withdrawn"])]
            assert len(_matches(listed, row, "new_amount")) + len(_matches(listed, row, "old_amount")) == 0, what
        elif row.expected == "not_counted":
            assert len(_matches(both, row, "amount_cny")) == 0, what
    # the evidence and official source of every listed change are given
    listed = d.provisions[d.provisions["doc"].isin(set(expected["doc"]))]
    assert listed["evidence"].notna().all() and listed["source_url"].str.startswith("http").all()
    # rank moves: 东莞, 青岛 ... enter the ranking as their texts appear in the 11:04 version
    moves = d.ranks.set_index("city")
    assert pd.isna(moves.at["东莞", "old_rank"]) and moves.at["东莞", "new_rank"] == 1


def test_summary_lines_speak_of_source_updates(four):
    db = snapshots.db_path(four)
    lines = history.summary_lines(history.diff_snapshots(db, 1, 2))
    assert lines[0].startswith("自上次评估")
    assert "来源资料的更新" in lines[0] and "不一定代表城市政策" in lines[0]
    text = "\n".join(lines)
    assert "新增条目" in text and "武汉" in text and "排名变化" in text
    done = talentbench(four, "diff", "--format", "summary")  # default: the last two snapshots
    assert done.returncode == 0, done.stderr
    assert "快照 3" in done.stdout and "快照 4" in done.stdout and "福州" in done.stdout


def test_diff_lists_status_changes_and_profile_values(four):
    db = snapshots.db_path(four)
    d = history.diff_snapshots(db, 3, 4)
    # 福州 and 哈尔滨 had no amounts in the 2026-03-11 texts; 2026-03-12 states them
    new = d.provisions[d.provisions["kind"] == "new"]
    assert {"福州", "哈尔滨"} <= set(new["city"])
    assert set(d.values["city"]) >= {"哈尔滨"}
    for a, b in ((1, 2), (2, 3), (3, 4)):
        s = history.diff_snapshots(db, a, b).status_changes
        assert (s["old_status"] != s["new_status"]).all()
    csv = talentbench(four, "diff", "1", "2", "--format", "csv")
    assert csv.returncode == 0, csv.stderr
    assert csv.stdout.splitlines()[0].startswith("kind,city,doc,district,tier,benefit")


def test_diff_bad_reference_is_one_line(four):
    done = talentbench(four, "diff", "99", "1")
    assert done.returncode == 2
    assert done.stderr.startswith("talentbench: error: no snapshot 99")
    assert len(done.stderr.strip().splitlines()) == 1


def test_reference_version_reproduces_the_embedded_dataset(shared_data):
    """On the corpus the reviewed work was done on, the refresh's curation gives exactly the
    embedded provisions of those documents (nothing pending that an analyst decided)."""
    from benchmark.dataset import load_features, load_provisions
    from benchmark.dataset.curate import read_corpus
    from benchmark.dataset.features import FeatureExtractor, read_feature_review
    from benchmark.dataset.review import read_decisions
    from benchmark.paths import resource
    from benchmark.refresh.curate import curate_version, extract_candidates

    texts = read_corpus(shared_data / "policy_corpus")
    reviewed = load_provisions()
    v = curate_version(texts, extract_candidates(texts), FeatureExtractor().transform(texts), reviewed,
                       read_decisions(resource("dataset", "review_decisions.csv")), load_features(),
                       read_feature_review())
    ref = reviewed[reviewed["doc"].isin(list(texts))].sort_values(
        ["city", "doc", "start", "tier"], kind="stable").reset_index(drop=True)
    pd.testing.assert_frame_equal(v.provisions, ref)
    assert len(v.absent) == 0
    assert len(v.pending) <= 5 and (v.pending["review"] == "pending").all()


# --- safe unattended operation -------------------------------------------------------------

@pytest.fixture()
def small(tmp_path, shared_data) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    for name in ("杭州.md", "广州.md", "东莞.md", "青岛.md", "长沙.md"):
        (folder / name).write_bytes((shared_data / "policy_corpus_history" / "2026-03-10T1104_3afa5a1"
                                     / name).read_bytes())
    return folder


def test_two_concurrent_refreshes_one_runs_the_other_exits_4(tmp_path, small, cheap):
    home = tmp_path / "home"
    home.mkdir()
    env = {**os.environ, "TALENTBENCH_HOME": str(home)}
    args = [sys.executable, "-m", "benchmark", "refresh", "--offline", "--corpus", str(small),
            "--no-report", "--uncertainty", str(cheap)]
    first = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lock = home / "data" / "refresh" / "refresh.lock"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not (lock.exists() and lock.read_text().strip()):
        time.sleep(0.05)
    started = time.perf_counter()
    second = subprocess.run(args, env=env, capture_output=True, text=True, timeout=60)
    took = time.perf_counter() - started
    out, err = first.communicate(timeout=300)
    assert first.returncode == 0, err
    assert second.returncode == 4, second.stderr
    assert f"pid {first.pid}" in second.stderr and "another refresh is running" in second.stderr
    assert took < 10  # at once: no waiting for the lock (the time is interpreter start-up)
    assert len(snapshots.catalogue(snapshots.db_path(home))) == 1
    assert "another refresh is running" in (home / "logs" / "refresh.log").read_text(encoding="utf-8")


def test_stale_lock_of_a_dead_process_is_taken_over(tmp_path, small, cheap):
    home = tmp_path / "home"
    lock_path = home / "data" / "refresh" / "refresh.lock"
    # a process takes the lock and dies without releasing it
    code = ("import os,signal,sys; from benchmark.refresh.lock import RefreshLock; "
            f"RefreshLock(__import__('pathlib').Path({str(lock_path)!r})).acquire(); "
            "os.kill(os.getpid(), signal.SIGKILL)")
    dead = subprocess.run([sys.executable, "-c", code])
    assert dead.returncode == -9
    assert lock_path.read_text().strip()  # the dead holder is still named in the file
    messages = []
    out = engine.refresh(engine.RefreshOptions(home=home, corpus=small, report=False,
                                               uncertainty_path=cheap), messages.append)
    assert out.code == 0, out.message
    assert any("stale lock" in m and "pid" in m for m in messages)
    # held by a live process: busy, and the holder is named
    with RefreshLock(lock_path):
        busy = engine.refresh(engine.RefreshOptions(home=home, corpus=small, report=False))
    assert busy.code == 4 and str(os.getpid()) in busy.message


def test_failed_refresh_keeps_the_last_snapshot_and_says_what_failed(tmp_path, small, cheap):
    home = tmp_path / "home"
    opts = engine.RefreshOptions(home=home, corpus=small, report=False, uncertainty_path=cheap)
    assert engine.refresh(opts).code == 0
    bad = tmp_path / "bad.yaml"
    bad.write_text("replications: 5\ninputs: not-a-list\n", encoding="utf-8")
    (small / "长沙.md").write_text((small / "长沙.md").read_text(encoding="utf-8") + "\n新增一行。\n",
                                   encoding="utf-8")
    out = engine.refresh(engine.RefreshOptions(home=home, corpus=small, report=False, uncertainty_path=bad))
    assert out.code == 5
    # the method file is checked before any stage runs
    assert "failed at stage inputs" in out.message and "snapshot 1 is still the latest" in out.message
    db = snapshots.db_path(home)
    assert snapshots.catalogue(db)["snapshot"].tolist() == [1]
    assert snapshots.runs(db)["outcome"].tolist() == ["published", "failed"]
    # the CLI: one error line, exit 5
    done = talentbench(home, "refresh", "--offline", "--corpus", str(small), "--no-report",
                       "--uncertainty", str(bad))
    assert done.returncode == 5
    assert done.stderr.strip().splitlines()[-1].startswith("talentbench: error: refresh failed at stage")


def test_bad_invocation_is_one_line_exit_2(tmp_path):
    done = talentbench(tmp_path, "refresh", "--offline", "--corpus", str(tmp_path / "missing"))
    assert done.returncode == 2
    assert done.stderr.strip() == f"talentbench: error: corpus folder not found: {tmp_path / 'missing'}"
    done = talentbench(tmp_path, "history")
    assert done.returncode == 2 and done.stderr.startswith("talentbench: error: no snapshots yet")


def test_log_rotates(tmp_path, small, cheap, monkeypatch):
    monkeypatch.setattr(engine, "LOG_MAX_BYTES", 300)
    home = tmp_path / "home"
    opts = engine.RefreshOptions(home=home, corpus=small, report=False, uncertainty_path=cheap)
    codes = [engine.refresh(opts).code for _ in range(4)]
    assert codes == [0, 3, 3, 3]
    logs = sorted(p.name for p in (home / "logs").iterdir())
    assert "refresh.log" in logs and "refresh.log.1" in logs
    assert len(logs) <= 1 + engine.LOG_BACKUPS


def test_publishing_a_report_clears_a_killed_refresh_s_leftover_folder(tmp_path):
    assessed, home = tmp_path / "assessed", tmp_path / "home"
    (assessed / "report").mkdir(parents=True)
    (assessed / "report" / "talent_policy_report.pdf").write_bytes(b"%PDF new")
    leftover = home / "reports" / "snapshots" / ".tmp-3-99999"
    leftover.mkdir(parents=True)
    (leftover / "half.pdf").write_bytes(b"%PDF half")
    published = engine._publish_report(assessed, home, 4)
    assert published.endswith("snapshots/4/talent_policy_report.pdf")
    assert not leftover.exists()
    assert sorted(p.name for p in (home / "reports" / "snapshots").iterdir()) == ["4"]


def test_a_reviewed_row_invalid_in_a_version_is_set_aside_not_a_crash(shared_data):
    """The curation drops a reviewed row that no longer validates and lists it as absent (it
    found such rows by parsing the problem messages, which broke when they began to name lines)."""
    from benchmark.dataset import load_features, load_provisions
    from benchmark.dataset.curate import read_corpus
    from benchmark.dataset.features import FeatureExtractor, read_feature_review
    from benchmark.dataset.review import read_decisions
    from benchmark.paths import resource
    from benchmark.refresh.curate import curate_version, extract_candidates

    texts = {k: v for k, v in read_corpus(shared_data / "policy_corpus").items() if k in ("杭州.md", "青岛.md")}
    reviewed = load_provisions()
    target = reviewed.index[(reviewed["doc"] == "杭州.md") & (reviewed["scope"] == "city")][0]
    reviewed.loc[target, "district"] = "上城区"  # scope=city with a district: invalid
    v = curate_version(texts, extract_candidates(texts), FeatureExtractor().transform(texts), reviewed,
                       read_decisions(resource("dataset", "review_decisions.csv")), load_features(),
                       read_feature_review())
    invalid = v.absent[v.absent["reason"] == "invalid in this version"]
    assert len(invalid) == 1 and invalid.iloc[0]["evidence"] == reviewed.loc[target, "evidence"]
    kept = reviewed[reviewed["doc"].isin(list(texts))].drop(index=target)
    assert len(v.provisions) == len(kept)
