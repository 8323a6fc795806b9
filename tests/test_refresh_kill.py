"""A refresh killed with SIGKILL at any point leaves the last complete snapshot published, the
database opens cleanly, and the next refresh completes and publishes.

The refresh runs in a child process (forked from a clean fork server, never from the test
process, whose DuckDB and plotting threads a plain fork would copy in whatever state they are in)
that sends itself SIGKILL when it reaches the chosen point
(``benchmark.refresh.engine.CHECKPOINT``): sources, extraction, curation, every stage of the
assessment and of the report, and every table of the publishing transaction. Each round changes
one text and the uncertainty seed, so that every stage has work to do (and can be killed in it).
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from pathlib import Path

import pytest

from benchmark import snapshots
from benchmark.refresh import engine

SPEC = """\
replications: 10
sobol_base: 4
seed: {seed}
inputs:
  - {{name: 权重扰动, type: weights, levels: [1, 2], noise: 0.25}}
  - name: 缺失值处理
    type: choice
    step: impute
    options:
      - {{method: none}}
      - {{method: median}}
"""

TABLES = ["snapshot_provisions", "snapshot_features", "snapshot_profile_values", "snapshot_matrix",
          "snapshot_results", "snapshot_scores"]
# >= 20 points over every stage; the assessment's points are the stage names it reports
POINTS = [
    "lock:acquired", "sources:hashed", "extract:doc", "extract:done", "curate:start", "curate:written",
    "assess:读取数据集", "assess:画像估值（本科/硕士/博士）", "assess:构建城市×指标矩阵", "assess:计算综合指数",
    "assess:不确定性与敏感性分析", "assess:有效性检验", "assess:聚类与同类城市", "assess:written",
    "publish:report", "publish:begin", *[f"publish:{t}" for t in TABLES], "publish:before-commit",
]
AFTER_COMMIT = ["publish:committed", "done"]
REPORT_POINTS = ["assess:生成PDF报告"]  # inside the report stage (figures drawn, PDF being written)


def _child(opts: engine.RefreshOptions, point: str | None) -> None:
    def hook(name: str) -> None:
        if name == point:
            os.kill(os.getpid(), signal.SIGKILL)

    engine.CHECKPOINT = hook
    out = engine.refresh(opts)
    os._exit(out.code)


_CONTEXT = multiprocessing.get_context("forkserver")
_CONTEXT.set_forkserver_preload(["benchmark.refresh.engine", "benchmark.pipeline", "benchmark.snapshots",
                                 "benchmark.refresh.curate", "benchmark.report.figures"])


def _refresh(opts, point=None) -> int:
    proc = _CONTEXT.Process(target=_child, args=(opts, point))
    proc.start()
    proc.join(300)
    if proc.exitcode is None:  # hung: fail rather than hang the suite
        proc.kill()
        proc.join()
        raise AssertionError(f"refresh child hung at {point}")
    return proc.exitcode


def _state(db: Path) -> tuple[list[int], dict[str, set]]:
    """The catalogue, and which snapshots each table holds rows of (opened read-only)."""
    cat = snapshots.catalogue(db)
    held = {t: set(snapshots.read_part(db, t)["snapshot"].astype(int)) for t in TABLES}
    return cat["snapshot"].astype(int).tolist(), held


def _round(folder: Path, spec: Path, n: int) -> None:
    """Change one text and the seed: every stage has new inputs."""
    doc = folder / "长沙.md"
    doc.write_text(doc.read_text(encoding="utf-8") + f"\n<!-- round {n} -->\n", encoding="utf-8")
    spec.write_text(SPEC.format(seed=n), encoding="utf-8")


@pytest.fixture()
def setup(tmp_path, shared_data):
    folder = tmp_path / "corpus"
    folder.mkdir()
    for name in ("杭州.md", "广州.md", "东莞.md", "青岛.md", "长沙.md"):
        (folder / name).write_bytes((shared_data / "policy_corpus_history" / "2026-03-10T1104_3afa5a1"
                                     / name).read_bytes())
    spec = tmp_path / "uncertainty.yaml"
    spec.write_text(SPEC.format(seed=0), encoding="utf-8")
    return tmp_path / "home", folder, spec


def _kill_rounds(home, folder, spec, points, report: bool) -> list[str]:
    opts = engine.RefreshOptions(home=home, corpus=folder, uncertainty_path=spec, report=report)
    db = snapshots.db_path(home)
    assert _refresh(opts) == 0
    killed = []
    for n, point in enumerate(points, start=1):
        before, _ = _state(db)
        _round(folder, spec, n)
        code = _refresh(opts, point)
        assert code == -signal.SIGKILL, f"{point}: the refresh never reached it (exit {code})"
        killed.append(point)
        after, held = _state(db)  # the database opens cleanly
        if point in AFTER_COMMIT:
            assert after == [*before, before[-1] + 1], point  # published before it was killed
            assert all(after[-1] in s for s in held.values()), point
            assert _refresh(opts) == 3, point  # nothing left to do
            continue
        assert after == before, f"{point}: the published snapshots changed"
        assert all(s <= set(before) for s in held.values()), f"{point}: rows of an unpublished snapshot"
        assert _refresh(opts) == 0, f"{point}: the next refresh did not publish"
        latest, held = _state(db)
        assert latest == [*before, before[-1] + 1], point
        assert all(latest[-1] in s for s in held.values()), point
    return killed


# three groups, so that test workers share them
GROUPS = [POINTS[:8], POINTS[8:16], [*POINTS[16:], *AFTER_COMMIT]]


def test_the_points_cover_every_stage():
    points = [p for group in GROUPS for p in group] + REPORT_POINTS
    assert len(set(points)) >= 20
    assert {p.split(":")[0] for p in points} == {"lock", "sources", "extract", "curate", "assess",
                                                 "publish", "done"}
    assert any("报告" in p for p in points)  # and the report stage


@pytest.mark.parametrize("points", GROUPS, ids=["sources-curate", "assess", "publish"])
def test_sigkill_at_every_stage_keeps_the_last_snapshot(setup, points):
    home, folder, spec = setup
    assert _kill_rounds(home, folder, spec, points, report=False) == points


@pytest.mark.slow
def test_sigkill_inside_the_report_stage(setup):
    home, folder, spec = setup
    assert _kill_rounds(home, folder, spec, REPORT_POINTS, report=True) == REPORT_POINTS
    pdfs = sorted((home / "reports" / "snapshots").glob("*/*.pdf"))
    cat = snapshots.catalogue(snapshots.db_path(home))
    assert [Path(p) for p in cat["report"]] == pdfs  # every published snapshot has its report
