"""`talentbench run`: assess, then render — tables, figures and the PDF report.

``benchmark.assessment`` computes every stage into one ``Assessment`` (nothing written);
``benchmark.report.assemble`` turns it into figures and the report; this module wires the two
for the command line and writes the outputs - into a staging folder, published as one set by
``benchmark.publish`` (one run at a time per output folder).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from benchmark.assessment import (  # noqa: F401 - re-exported for scripts and notebooks
    Assessment,
    Inputs,
    assess,
    build_index,
    load_inputs,
    load_method_yaml,
    read_provisions_csv,
)
from benchmark.fonts import find_cjk_font
from benchmark.store import DB_NAME, write_parquet


@dataclass
class RunConfig:
    workdir: Path
    provisions_path: Path | None = None
    framework_path: Path | None = None
    spec_path: Path | None = None
    uncertainty_path: Path | None = None
    n_clusters: int | str = "auto"
    n_peers: int = 3
    focus: str | None = None  # a registry city, or "all" for one report per ranked city
    # Which provisions count: the source's own marks. Old rules (旧口径) never describe the
    # current policy; unverified ones (待复核) only when the analyst asks for them.
    statuses: tuple[str, ...] = ("confirmed",)
    features_path: Path | None = None  # curated non-monetary features CSV (default: embedded)
    # lines for the report's "since the last evaluation" section (a refresh passes its diff)
    since_last: list[str] | None = None


@dataclass
class RunResult:
    tables: dict[str, pd.DataFrame]
    index_code: str
    benchmarked: list[str]  # cities with scored (confirmed) provisions
    not_ranked: list[str]  # cities with provisions of some status that the index could not rank
    outputs: dict[str, Path] = field(default_factory=dict)
    assessment: Assessment | None = None
    run_id: str | None = None  # names the published set (run_manifest.json, talentbench_run)


def inputs_for(config: RunConfig) -> Inputs:
    return load_inputs(config.provisions_path, config.framework_path, config.spec_path,
                       config.uncertainty_path, config.statuses, config.n_clusters, config.n_peers,
                       config.features_path)


def since_last_evaluation(workdir: Path) -> list[str]:
    """The summary of what changed in the sources between the last two published snapshots of
    ``workdir`` (empty when there are fewer than two)."""
    from benchmark import snapshots
    from benchmark.history import diff_snapshots, summary_lines

    db = snapshots.db_path(workdir)
    if not db.exists():
        return []
    try:
        listed = snapshots.catalogue(db)
    except Exception:  # noqa: BLE001 - a database without snapshots (a plain run's tables)
        return []
    if len(listed) < 2:
        return []
    numbers = sorted(int(n) for n in listed["snapshot"])[-2:]
    return summary_lines(diff_snapshots(db, numbers[0], numbers[1]))


def run(config: RunConfig, progress: Callable[[str], None] = lambda _: None) -> RunResult:
    """Run the main job; ``progress`` is told the name of each stage as it starts.

    Raises TalentbenchError at once if another run is writing to ``config.workdir``."""
    from benchmark.compare import focus_view
    from benchmark.publish import MANIFEST, publish, staged_run
    from benchmark.report.assemble import assessment_tables, draw_figures, render_report

    out = config.workdir
    with staged_run(out) as staging:
        stage = staging.root  # mirrors `out`; nothing is visible there until publish()
        progress("检查中文字体")
        font = find_cjk_font()  # fail before any work if the report cannot be written
        every = config.focus is not None and config.focus.strip().lower() == "all"
        a = assess(focus=None if every else config.focus, inputs=inputs_for(config),
                   progress=progress)
        view = focus_view(a, a.focus) if a.focus else None

        progress("绘制图表")
        figures = draw_figures(a, stage / "figures", font)

        progress("写入表格")
        tables = assessment_tables(a, view)
        processed = stage / "data" / "processed"
        outputs = {name: write_parquet(df, processed / f"{name}.parquet")
                   for name, df in tables.items()}
        outputs["duckdb"] = out / "data" / "processed" / DB_NAME  # its tables change in publish()

        progress("生成PDF报告")
        since = config.since_last if config.since_last is not None else since_last_evaluation(out)
        outputs["report"] = render_report(a, a.focus, stage, font=font, figures=figures,
                                          coverage=tables["coverage"], since_last=since)
        if every:
            for city in a.ranked:
                outputs[f"report_{city}"] = render_report(a, city, stage, font=font,
                                                          figures=figures,
                                                          coverage=tables["coverage"])
        outputs.update({f"figure_{name}": path for name, (_, path) in figures.items()})

        progress("发布结果")
        publish(staging, tables)
    outputs = {name: staging.final(path) for name, path in outputs.items()}
    outputs["manifest"] = out / MANIFEST
    return RunResult(tables=tables, index_code=a.framework.index_code, benchmarked=a.benchmarked,
                     not_ranked=a.excluded, outputs=outputs, assessment=a, run_id=staging.run_id)
