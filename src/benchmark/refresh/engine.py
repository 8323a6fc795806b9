"""The scheduled refresh: sources -> provisions -> assessment -> report -> published snapshot.

Stages, each redone only when its inputs changed (content hashes; cached under
``data/refresh/cache``)::

    sources   --corpus DIR: the folder's texts; otherwise the stored documents of
              `talentbench parse` (crawled and parsed first unless --offline)
    extract   extractor candidates and feature candidates, per document
              (key: the document's text + the extraction code)
    curate    the analyst's reviewed work applied to this version of the texts
              (key: every document's candidates + the reviewed tables + the curation code)
    assess    valuation -> matrix -> index -> uncertainty -> clusters -> figures -> PDF report,
              by `benchmark.pipeline.run` (key: curated tables + method spec + code version)
    publish   the snapshot, in one DuckDB transaction (benchmark.snapshots)

Before any of it, the fingerprint of all inputs (texts, reviewed tables, method spec, code
version, options) is compared with the last successful refresh: equal means nothing changed and
nothing is published (exit 3), in a fraction of a second. If the inputs changed but the
snapshot's content (provisions, features, profile values, matrix, results, method) would not,
nothing is published either.

Exit codes (``EXIT_*``): 0 published, 3 nothing changed, 4 another refresh is running,
5 failed (the last good snapshot is untouched; the message and the log say which stage).
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import logging.handlers
import os
import shutil
import time
import traceback
from collections.abc import Callable, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

EXIT_PUBLISHED = 0
EXIT_UNCHANGED = 3
EXIT_BUSY = 4
EXIT_FAILED = 5

LOG_MAX_BYTES = 1_000_000
LOG_BACKUPS = 5
CACHE_MAX_AGE_DAYS = 30

# Called with the name of each point a refresh passes ("extract:doc", "assess:…", "publish:…").
# Tests set it to kill the process at a chosen point; nothing else uses it.
CHECKPOINT: Callable[[str], None] | None = None

log = logging.getLogger("benchmark.refresh")


def checkpoint(name: str) -> None:
    log.debug("checkpoint %s", name)
    if CHECKPOINT is not None:
        CHECKPOINT(name)


@dataclass
class RefreshOptions:
    home: Path
    corpus: Path | None = None
    offline: bool = False
    label: str | None = None
    reviewed_path: Path | None = None  # curated provisions CSV (default: the embedded dataset)
    decisions_path: Path | None = None  # review decisions CSV (default: the embedded ones)
    framework_path: Path | None = None
    spec_path: Path | None = None
    uncertainty_path: Path | None = None
    statuses: tuple[str, ...] = ("confirmed",)
    force: bool = False  # publish even when nothing changed
    report: bool = True  # figures and PDF report (off: tables only, faster)


@dataclass
class RefreshOutcome:
    code: int
    message: str
    snapshot: int | None = None
    stage: str | None = None
    redone: list[str] = field(default_factory=list)
    reused: list[str] = field(default_factory=list)
    seconds: float = 0.0


# --- hashing -------------------------------------------------------------------------------

def _sha(*parts: bytes | str) -> str:
    h = hashlib.sha256()
    for p in parts:
        h.update(p.encode("utf-8") if isinstance(p, str) else p)
        h.update(b"\0")
    return h.hexdigest()


def file_hash(path: Path | None) -> str | None:
    return _sha(path.read_bytes()) if path is not None and path.exists() else None


def _package_root() -> Path:
    return Path(__file__).resolve().parents[1]


def code_hash(*subpaths: str) -> str:
    """Hash of the package's code and resources under ``subpaths`` (all of it when none)."""
    root = _package_root()
    bases = [root / s for s in subpaths] if subpaths else [root]
    files = []
    for base in bases:
        if base.is_file():
            files.append(base)
        elif base.is_dir():
            files += [p for p in base.rglob("*") if p.is_file() and "__pycache__" not in p.parts
                      and p.suffix not in (".pyc", ".pyo")]
    h = hashlib.sha256()
    for p in sorted(set(files)):
        h.update(str(p.relative_to(root)).encode())
        h.update(p.read_bytes())
    return h.hexdigest()


EXTRACT_CODE = ("provisions", "dataset/curate.py", "dataset/provenance.py", "dataset/features.py",
                "dataset/schema.py", "resources/lexicon", "resources/dataset/conditions.yaml",
                "resources/dataset/feature_rules.yaml")
CURATE_CODE = ("dataset", "refresh/curate.py", "resources/dataset/conditions.yaml")


# --- inputs --------------------------------------------------------------------------------

@dataclass
class Inputs:
    source: str  # "corpus:<dir>" or "documents:<dir>"
    label: str
    texts: dict[str, str]
    text_hashes: dict[str, str]
    reviewed: dict[str, Path]  # name -> file
    method: dict[str, Path]  # name -> file
    documents_table: Path | None = None

    @functools.cached_property
    def file_hashes(self) -> dict:
        """The hashes of the input files, read once (the stages ask for them several times)."""
        return {
            "reviewed": {k: file_hash(p) for k, p in self.reviewed.items()},
            "method": {k: file_hash(p) for k, p in self.method.items()},
            "documents_table": file_hash(self.documents_table),
        }

    def hashes(self) -> dict:
        return {"texts": self.text_hashes, **self.file_hashes}


def _resource(*parts: str) -> Path:
    from benchmark.paths import resource

    return resource(*parts)


def reviewed_files(opts: RefreshOptions) -> dict[str, Path]:
    """The analyst's reviewed work: the analyst's own files once there are any, else the embedded ones."""
    own = opts.home / "data" / "review"
    provisions = opts.reviewed_path or (own / "provisions_curated.csv" if (own / "provisions_curated.csv").exists()
                                        else _resource("dataset", "provisions.csv"))
    decisions = opts.decisions_path or (own / "review_decisions.csv" if (own / "review_decisions.csv").exists()
                                        else _resource("dataset", "review_decisions.csv"))
    return {"provisions": Path(provisions), "decisions": Path(decisions),
            "features": _resource("dataset", "features.csv"),
            "feature_review": _resource("dataset", "feature_review.csv")}


def method_files(opts: RefreshOptions) -> dict[str, Path]:
    return {
        "framework": Path(opts.framework_path or _resource("framework", "talent_policy_index.yaml")),
        "index_spec": Path(opts.spec_path or _resource("framework", "index_spec.yaml")),
        "uncertainty": Path(opts.uncertainty_path or _resource("framework", "uncertainty.yaml")),
        "profiles": _resource("framework", "profiles.yaml"),
    }


def read_inputs(opts: RefreshOptions) -> Inputs:
    from benchmark.dataset.curate import read_corpus
    from benchmark.errors import TalentbenchError

    documents_table = None
    if opts.corpus is not None:
        texts = read_corpus(opts.corpus)
        source, label = f"corpus:{opts.corpus.resolve()}", opts.label or opts.corpus.resolve().name
    else:
        root = opts.home / "data" / "interim" / "documents"
        documents_table = opts.home / "data" / "processed" / "documents.parquet"
        if not root.is_dir() or not documents_table.exists():
            raise TalentbenchError(f"no stored documents in {root} (run `talentbench crawl` and "
                                   "`talentbench parse`, or give --corpus DIR)")
        texts = {}
        for path in sorted(root.rglob("*.txt")):
            with path.open(encoding="utf-8", newline="") as handle:
                texts[path.name] = handle.read()
        source, label = f"documents:{root}", opts.label or "documents"
    if not texts:
        raise TalentbenchError(f"no .md or .txt documents in {opts.corpus or 'the stored documents'}")
    return Inputs(source=source, label=label, texts=texts,
                  text_hashes={d: _sha(t) for d, t in texts.items()},
                  reviewed=reviewed_files(opts), method=method_files(opts),
                  documents_table=documents_table)


def fingerprint(inputs: Inputs, opts: RefreshOptions, code: str) -> str:
    return _sha(json.dumps({"inputs": inputs.hashes(), "code": code, "statuses": list(opts.statuses),
                            "report": opts.report, "label": inputs.label}, sort_keys=True))


# --- cache ---------------------------------------------------------------------------------

class Cache:
    """Content-addressed stage outputs: ``<root>/<stage>/<key>/`` holding Parquet/JSON files,
    each entry written in a temporary folder and renamed into place (complete or absent)."""

    def __init__(self, root: Path):
        self.root = root

    def path(self, stage: str, key: str) -> Path:
        return self.root / stage / key

    def get(self, stage: str, key: str) -> Path | None:
        p = self.path(stage, key)
        if (p / "done").exists():
            os.utime(p)
            return p
        return None

    @contextmanager
    def put(self, stage: str, key: str):
        final = self.path(stage, key)
        tmp = final.parent / f".tmp-{key[:16]}-{os.getpid()}"
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        try:
            yield tmp
            (tmp / "done").write_text(time.strftime("%Y-%m-%dT%H:%M:%S"), encoding="utf-8")
            if final.exists():
                shutil.rmtree(final)
            os.replace(tmp, final)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    def prune(self, max_age_days: float = CACHE_MAX_AGE_DAYS) -> None:
        """Drop entries unused for ``max_age_days`` and temporary folders of dead runs."""
        cutoff = time.time() - max_age_days * 86400
        for stage in self.root.glob("*"):
            for entry in stage.glob("*"):
                try:
                    stale = entry.name.startswith(".tmp-") or entry.stat().st_mtime < cutoff
                except FileNotFoundError:
                    continue
                if stale:
                    shutil.rmtree(entry, ignore_errors=True)


def _write_frames(folder: Path, frames: Mapping[str, object]) -> None:
    for name, df in frames.items():
        df.to_parquet(folder / f"{name}.parquet", index=False)


def _read_frames(folder: Path, names) -> dict:
    import pandas as pd

    return {n: pd.read_parquet(folder / f"{n}.parquet") for n in names}


# --- stages --------------------------------------------------------------------------------

def stage_extract(inputs: Inputs, cache: Cache, outcome: RefreshOutcome):
    """Provision and feature candidates per document (cached per document text)."""
    import pandas as pd

    from benchmark.dataset.features import FeatureExtractor
    from benchmark.refresh.curate import extract_candidates

    code = code_hash(*EXTRACT_CODE)
    meta = None
    if inputs.documents_table is not None:
        meta = pd.read_parquet(inputs.documents_table)
        # what from_documents_table takes from a document's row
        provenance = [c for c in ("doc_id", "city", "url", "issue_date", "publish_date") if c in meta]
    cands, feats, keys, n_new = [], [], {}, 0
    for doc, text in inputs.texts.items():
        # a document's candidates depend on its text and its own row of the documents table
        # (city, URL, dates), not on the rest of that table
        own = "" if meta is None else meta.loc[meta["doc_id"] == doc.removesuffix(".txt"),
                                               provenance].to_json(orient="records", force_ascii=False,
                                                                   default_handler=str)
        key = _sha(code, doc, inputs.text_hashes[doc], own)
        keys[doc] = key
        hit = cache.get("extract", key)
        if hit is None:
            one = {doc: text}
            if meta is None:
                c = extract_candidates(one)
            else:
                from benchmark.dataset.curate import from_documents_table
                from benchmark.dataset.schema import CANDIDATE_COLUMNS
                from benchmark.provisions import extract_text

                c = from_documents_table(pd.DataFrame(extract_text(text, doc)).reindex(
                    columns=CANDIDATE_COLUMNS), meta)
            f = FeatureExtractor().transform(one)
            with cache.put("extract", key) as tmp:
                _write_frames(tmp, {"candidates": c, "features": f})
            n_new += 1
            checkpoint("extract:doc")
            hit = cache.path("extract", key)
        frames = _read_frames(hit, ["candidates", "features"])
        cands.append(frames["candidates"])
        feats.append(frames["features"])
    (outcome.redone if n_new else outcome.reused).append(
        f"extract ({n_new} of {len(inputs.texts)} documents)" if n_new else "extract")
    log.info("extract: %d documents, %d extracted again", len(inputs.texts), n_new)
    nonempty = [c for c in cands if len(c)]
    candidates = pd.concat(nonempty, ignore_index=True) if nonempty else cands[0]
    nonempty = [f for f in feats if len(f)]
    features = pd.concat(nonempty, ignore_index=True) if nonempty else feats[0]
    checkpoint("extract:done")
    return candidates, features, _sha(*sorted(keys.values()))


CURATED = ("provisions", "features", "pending", "pending_features", "absent")


def stage_curate(inputs: Inputs, candidates, feature_candidates, extract_key: str, cache: Cache,
                 outcome: RefreshOutcome) -> dict:
    from benchmark.dataset.features import read_feature_review
    from benchmark.dataset.review import read_decisions
    from benchmark.dataset.tables import load_features, load_provisions
    from benchmark.refresh.curate import curate_version

    hashes = inputs.hashes()
    key = _sha(extract_key, json.dumps(hashes["reviewed"], sort_keys=True),
               json.dumps(hashes["texts"], sort_keys=True), code_hash(*CURATE_CODE))
    hit = cache.get("curate", key)
    if hit is not None:
        outcome.reused.append("curate")
        return {**_read_frames(hit, CURATED), "key": key}
    checkpoint("curate:start")
    files = inputs.reviewed
    version = curate_version(
        inputs.texts, candidates, feature_candidates,
        reviewed=load_provisions(files["provisions"]),
        decisions=read_decisions(files["decisions"]),
        reviewed_features=load_features(files["features"]),
        feature_review=read_feature_review(files["feature_review"]))
    frames = {n: getattr(version, n) for n in CURATED}
    frames["absent"] = frames["absent"].astype({c: "string" for c in frames["absent"].columns
                                                if c != "amount_cny"})
    with cache.put("curate", key) as tmp:
        _write_frames(tmp, frames)
        checkpoint("curate:written")
    outcome.redone.append("curate")
    log.info("curate: %d reviewed provisions stated, %d pending review, %d absent from this version",
             len(version.provisions), len(version.pending), len(version.absent))
    return {**_read_frames(cache.path("curate", key), CURATED), "key": key}


ASSESSED = ("profile_values", "matrix", "results", "scores")


def _assess_only(config, progress):
    """The assessment without figures or report (``--no-report``)."""
    from benchmark import pipeline

    return pipeline.assess(inputs=pipeline.inputs_for(config), progress=progress)


def check_files(files: dict[str, Path]) -> None:
    """The reviewed tables and method files checked against their schemas, before any stage
    runs: a bad file given on the command line costs nothing and changes nothing."""
    from benchmark.assessment import load_uncertainty, read_provisions_csv
    from benchmark.dataset.review import read_decisions
    from benchmark.errors import TalentbenchError
    from benchmark.index.coin import load_spec
    from benchmark.indicator_framework import load_framework

    checks = {"provisions": read_provisions_csv, "decisions": read_decisions,
              "framework": load_framework, "index_spec": load_spec, "uncertainty": load_uncertainty}
    for name, path in files.items():
        if not path.exists():
            raise TalentbenchError(f"{name} file not found: {path}")
        if name in checks:
            checks[name](path)


def _valuation_only(provisions, features, inputs: Inputs, statuses) -> dict:
    """Profile values and matrix when the index cannot be computed (too few cities confirmed)."""
    import pandas as pd

    from benchmark import city_registry
    from benchmark.indicator_framework import load_framework
    from benchmark.matrix import build_matrix
    from benchmark.valuation import load_profiles, value_profiles

    cities = list(city_registry.load_cities()["city"])
    spec = load_profiles()
    usable = provisions[provisions["status"].isin(statuses)]
    usable_features = features[features["status"].isin(statuses)]
    valuation = value_profiles(provisions, usable_features, spec, statuses, cities=cities,
                               profiles=[p.code for p in (*spec.profiles, *spec.ladder)])
    benchmarked = [c for c in cities if c in set(usable["city"])]
    matrix, _ = build_matrix(usable, load_framework(inputs.method["framework"]), valuation,
                             benchmarked, usable_features)
    results = pd.DataFrame({"city": benchmarked})
    return {"profile_values": valuation.values,
            "matrix": matrix.reset_index().melt(id_vars="city", var_name="indicator", value_name="value"),
            "results": results, "scores": pd.DataFrame(columns=["city", "node", "score"])}


def since_last(opts: RefreshOptions, curated: dict) -> list[str]:
    """The report's "since the last evaluation" lines: this version's provisions and features
    against the last published snapshot (profile values and ranks follow in `talentbench diff`)."""
    import pandas as pd

    from benchmark import snapshots
    from benchmark.history import SnapshotDiff, diff_features, diff_provisions, summary_lines

    db = snapshots.db_path(opts.home)
    if not db.exists():
        return []
    listed = snapshots.catalogue(db)
    if not len(listed):
        return []
    last = int(listed["snapshot"].iloc[-1])
    old_p = snapshots.read_part(db, "snapshot_provisions", [last]).drop(columns="snapshot")
    old_f = snapshots.read_part(db, "snapshot_features", [last]).drop(columns="snapshot")
    new_p = curated["provisions"].reindex(columns=old_p.columns)
    new_f = curated["features"].reindex(columns=old_f.columns)
    diff = SnapshotDiff(
        old={"snapshot": last, **listed.iloc[-1].to_dict()}, new={"snapshot": "本次", "label": "即将发布"},
        provisions=diff_provisions(old_p, new_p.astype(old_p.dtypes.to_dict(), errors="ignore")),
        features=diff_features(old_f, new_f.astype(old_f.dtypes.to_dict(), errors="ignore")),
        values=pd.DataFrame(columns=["city", "profile", "scope", "old_value", "new_value"]),
        ranks=pd.DataFrame(columns=["city", "old_rank", "new_rank", "move", "old_score", "new_score"]))
    return summary_lines(diff)


def stage_assess(inputs: Inputs, opts: RefreshOptions, curated: dict, cache: Cache,
                 outcome: RefreshOutcome, code: str) -> tuple[Path, dict]:
    """Valuation, matrix, index, uncertainty, clusters, figures and PDF (benchmark.pipeline.run).

    When the index cannot be computed from this version (fewer cities confirmed than it needs),
    the snapshot still gets the provisions, profile values and matrix, with a note saying why
    it has no ranking.
    """
    import pandas as pd

    from benchmark.errors import TalentbenchError
    from benchmark.pipeline import RunConfig, run

    prov_bytes = curated["provisions"].to_csv(index=False, lineterminator="\n").encode("utf-8")
    feat_bytes = curated["features"].to_csv(index=False, lineterminator="\n").encode("utf-8")
    hashes = inputs.hashes()
    key = _sha(prov_bytes, feat_bytes, json.dumps(hashes["method"], sort_keys=True), code,
               json.dumps(list(opts.statuses)), str(opts.report))
    hit = cache.get("assess", key)
    if hit is not None:
        outcome.reused.append("assess")
        return hit, json.loads((hit / "meta.json").read_text(encoding="utf-8"))
    with cache.put("assess", key) as tmp:
        (tmp / "provisions.csv").write_bytes(prov_bytes)
        (tmp / "features.csv").write_bytes(feat_bytes)
        config = RunConfig(workdir=tmp / "run", provisions_path=tmp / "provisions.csv",
                           features_path=tmp / "features.csv",
                           framework_path=inputs.method["framework"], spec_path=inputs.method["index_spec"],
                           uncertainty_path=inputs.method["uncertainty"], statuses=opts.statuses,
                           since_last=since_last(opts, curated))

        def progress(stage: str) -> None:
            log.info("assess: %s", stage)
            checkpoint(f"assess:{stage}")

        features = curated["features"].copy()
        report, figures, note = None, {}, None
        try:
            if opts.report:
                result = run(config, progress)
                tables, index_code = result.tables, result.index_code
                report = result.outputs.get("report")
                figures = {n: p for n, p in result.outputs.items() if n.startswith("figure_")}
                results, pv, matrix = tables["results"], tables["profile_values"], tables["matrix"]
            else:
                a = _assess_only(config, progress)
                index_code = a.framework.index_code
                results, pv, matrix = a.results, a.valuation.values, a.matrix.reset_index()
        except TalentbenchError as exc:
            note = f"综合指数未计算：{' '.join(str(exc).split())}"
            log.warning("assess: no index for this version (%s); publishing provisions, profile values "
                        "and matrix", exc)
            frames = _valuation_only(curated["provisions"], features, inputs, opts.statuses)
            index_code = None
        else:
            fixed = {"city", "coverage", "Rank", "rank_median", "rank_q05", "rank_q95", "cluster"}
            score_cols = [c for c in results.columns
                          if c not in fixed and pd.api.types.is_numeric_dtype(results[c])]
            frames = {
                "profile_values": pv,
                "matrix": matrix.melt(id_vars="city", var_name="indicator", value_name="value"),
                "results": results.rename(columns={"Rank": "rank", index_code: "score"}),
                "scores": results.melt(id_vars="city", value_vars=score_cols, var_name="node",
                                       value_name="score"),
            }
        _write_frames(tmp, frames)
        keep = tmp / "report"
        keep.mkdir()
        if report is not None and Path(report).exists():
            shutil.copy2(report, keep / Path(report).name)
        for path in figures.values():
            if Path(path).exists():
                shutil.copy2(path, keep / Path(path).name)
        shutil.rmtree(tmp / "run", ignore_errors=True)
        ranked = frames["results"]["rank"].notna().sum() if "rank" in frames["results"] else 0
        meta = {"index_code": index_code, "report": Path(report).name if report else None,
                "n_ranked": int(ranked), "note": note}
        (tmp / "meta.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
        checkpoint("assess:written")
    outcome.redone.append("assess")
    return cache.path("assess", key), meta


def content_hash(parts: dict, method: dict) -> str:
    """What a snapshot says, ignoring character offsets (which move with any edit of a text)."""
    h = hashlib.sha256(json.dumps(method, sort_keys=True).encode())
    for name in sorted(parts):
        df = parts[name].drop(columns=[c for c in ("start", "end") if c in parts[name].columns])
        h.update(name.encode())
        h.update(df.to_csv(index=False, lineterminator="\n").encode("utf-8"))
    return h.hexdigest()


def _publish_report(assessed: Path, home: Path, number: int) -> str | None:
    """Copy the snapshot's report and figures to reports/snapshots/<number>/ (replacing what an
    unfinished refresh may have left under that number)."""
    src = assessed / "report"
    if not src.exists() or not any(src.iterdir()):
        return None
    final = home / "reports" / "snapshots" / str(number)
    tmp = final.parent / f".tmp-{number}-{os.getpid()}"
    # we hold the refresh lock: any other .tmp- folder here is a killed refresh's leftover
    for stale in final.parent.glob(".tmp-*") if final.parent.is_dir() else ():
        shutil.rmtree(stale, ignore_errors=True)
    shutil.copytree(src, tmp)
    if final.exists():
        shutil.rmtree(final)
    os.replace(tmp, final)
    pdfs = sorted(final.glob("*.pdf"))
    return str(pdfs[0]) if pdfs else str(final)


# --- the refresh ---------------------------------------------------------------------------

def log_path(home: Path) -> Path:
    return home / "logs" / "refresh.log"


@contextmanager
def _logging(home: Path):
    path = log_path(home)
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.handlers.RotatingFileHandler(path, maxBytes=LOG_MAX_BYTES, backupCount=LOG_BACKUPS,
                                                   encoding="utf-8")
    handler.setFormatter(logging.Formatter(f"%(asctime)s [{os.getpid()}] %(levelname)s %(message)s"))
    previous = log.level
    log.setLevel(logging.INFO)
    log.addHandler(handler)
    try:
        yield path
    finally:
        log.removeHandler(handler)
        handler.close()
        log.setLevel(previous)


def append_log_line(home: Path, message: str) -> None:
    """One line in the log without taking part in its rotation (for a refresh that did not get
    the lock: rotating is the lock holder's job)."""
    path = log_path(home)
    path.parent.mkdir(parents=True, exist_ok=True)
    line = f"{time.strftime('%Y-%m-%d %H:%M:%S')} [{os.getpid()}] WARNING {message}\n"
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, line.encode("utf-8"))
    finally:
        os.close(fd)


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S%z")


def refresh(opts: RefreshOptions, say: Callable[[str], None] = lambda _m: None) -> RefreshOutcome:
    """Run one refresh under the lock; never raises for a stage failure (exit code 5 instead)."""
    from benchmark.refresh.lock import LockBusy, RefreshLock

    started = time.perf_counter()
    home = opts.home
    lock = RefreshLock(home / "data" / "refresh" / "refresh.lock")
    try:
        lock.acquire()
    except LockBusy as busy:
        message = f"another refresh is running ({busy.holder.describe()}); nothing done"
        append_log_line(home, message)
        return RefreshOutcome(EXIT_BUSY, message)
    try:
        with _logging(home) as logfile:
            log.info("refresh started (pid %d, source %s)", os.getpid(),
                     opts.corpus or ("stored documents" if opts.offline else "crawl + parse"))
            if lock.stale:
                log.warning("took over a stale lock left by %s (that process is gone)", lock.stale.describe())
                say(f"took over a stale lock left by {lock.stale.describe()}")
            checkpoint("lock:acquired")
            outcome = _refresh_locked(opts, say, logfile)
            outcome.seconds = time.perf_counter() - started
            log.info("refresh finished: exit %d: %s (%.1f s)", outcome.code, outcome.message, outcome.seconds)
            checkpoint("done")
            return outcome
    finally:
        lock.release()


def _refresh_locked(opts: RefreshOptions, say, logfile: Path) -> RefreshOutcome:
    from benchmark import snapshots
    from benchmark.errors import TalentbenchError

    home = opts.home
    db = snapshots.db_path(home)
    outcome = RefreshOutcome(EXIT_FAILED, "")
    run_record = {"started_at": _now(), "pid": os.getpid()}
    stage = "sources"
    try:
        if opts.corpus is None and not opts.offline:
            stage = "crawl"
            _crawl_and_parse(home, say)
        stage = "inputs"
        check_files({**reviewed_files(opts), **method_files(opts)})
        stage = "sources"
        inputs = read_inputs(opts)
        code = code_hash()
        fp = fingerprint(inputs, opts, code)
        run_record["fingerprint"] = fp
        checkpoint("sources:hashed")
        if not opts.force and snapshots.last_fingerprint(db) == fp:
            outcome = RefreshOutcome(EXIT_UNCHANGED, f"nothing changed since the last refresh "
                                     f"({len(inputs.texts)} documents, reviewed tables, method spec "
                                     "and code all as before); nothing published")
            _record(db, run_record, "unchanged", None, outcome.message)
            return outcome
        cache = Cache(home / "data" / "refresh" / "cache")
        say(f"sources: {len(inputs.texts)} documents ({inputs.label})")

        stage = "extract"
        candidates, feature_candidates, extract_key = stage_extract(inputs, cache, outcome)
        stage = "curate"
        curated = stage_curate(inputs, candidates, feature_candidates, extract_key, cache, outcome)
        say(f"curate: {len(curated['provisions'])} reviewed provisions, "
            f"{len(curated['pending'])} candidates pending review")
        stage = "assess"
        assessed, meta = stage_assess(inputs, opts, curated, cache, outcome, code)
        say(f"assess: {meta['n_ranked']} cities ranked" + (f" ({meta['note']})" if meta.get("note") else ""))

        stage = "publish"
        import pandas as pd

        frames = _read_frames(assessed, ASSESSED)
        provisions = pd.concat([curated["provisions"].assign(key=None), curated["pending"]],
                               ignore_index=True)
        features = pd.concat([curated["features"], curated["pending_features"]], ignore_index=True)
        parts = {"snapshot_provisions": provisions, "snapshot_features": features,
                 **{f"snapshot_{n}": frames[n] for n in ASSESSED}}
        method = {k: p.read_text(encoding="utf-8") for k, p in inputs.method.items()}
        method["statuses"] = list(opts.statuses)
        content = content_hash(parts, method)
        latest = snapshots.catalogue(db)
        if len(latest) and latest["content_hash"].iloc[-1] == content and not opts.force:
            outcome.code = EXIT_UNCHANGED
            outcome.message = ("the sources changed, but no provision, feature, profile value, "
                               "score or rank did; nothing published "
                               f"(snapshot {int(latest['snapshot'].iloc[-1])} stands)")
            _record(db, run_record, "unchanged", None, outcome.message)
            return outcome
        number = (int(latest["snapshot"].max()) + 1) if len(latest) else 1
        report = _publish_report(assessed, home, number)
        checkpoint("publish:report")
        meta_row = {
            "published_at": _now(), "label": inputs.label, "source": inputs.source,
            "fingerprint": fp, "content_hash": content, "input_hashes": inputs.hashes(),
            "method_spec": method, "code_version": code, "index_code": meta["index_code"],
            "n_provisions": len(curated["provisions"]), "n_pending": len(curated["pending"]),
            "n_ranked": meta["n_ranked"], "report": report, "note": meta.get("note"),
        }
        published = snapshots.publish(db, snapshots.Snapshot(meta=meta_row, parts=parts), checkpoint)
        checkpoint("publish:committed")
        if published != number:  # another writer took the number: move the report along
            report = _publish_report(assessed, home, published)
        outcome.code, outcome.snapshot = EXIT_PUBLISHED, published
        outcome.message = (f"published snapshot {published} ({inputs.label}): "
                           f"{len(curated['provisions'])} reviewed provisions, "
                           f"{len(curated['pending'])} pending review, {meta['n_ranked']} cities ranked")
        _record(db, run_record, "published", published, outcome.message)
        cache.prune()
        return outcome
    except (Exception, KeyboardInterrupt) as exc:  # noqa: BLE001 - every failure is reported
        log.error("refresh failed at stage %s:\n%s", stage, traceback.format_exc())
        what = " ".join(str(exc).split()) if isinstance(exc, TalentbenchError) else f"{type(exc).__name__}: {exc}"
        last = _last_snapshot(db)
        outcome.code, outcome.stage = EXIT_FAILED, stage
        outcome.message = (f"refresh failed at stage {stage}: {what}; "
                           + (f"snapshot {last} is still the latest" if last else "no snapshot published yet")
                           + f" (details: {logfile})")
        try:
            _record(db, run_record, "failed", None, outcome.message)
        except Exception:  # noqa: BLE001 - the database itself may be what failed
            log.error("could not record the failure in %s", db)
        return outcome


def _last_snapshot(db: Path) -> int | None:
    from benchmark import snapshots

    try:
        cat = snapshots.catalogue(db)
    except Exception:  # noqa: BLE001
        return None
    return int(cat["snapshot"].iloc[-1]) if len(cat) else None


def _record(db: Path, run_record: dict, outcome: str, snapshot: int | None, message: str) -> None:
    from benchmark import snapshots

    snapshots.record_run(db, {**run_record, "finished_at": _now(), "outcome": outcome,
                              "snapshot": snapshot, "message": message})


def _crawl_and_parse(home: Path, say) -> None:
    """Online: fetch the registry's official portals and parse what changed (both incremental)."""
    from benchmark.cli.crawl import crawl_command
    from benchmark.cli.parse import parse_command

    os.environ.setdefault("TALENTBENCH_HOME", str(home))
    say("crawl: fetching the official portals (incremental)")
    log.info("crawl")
    crawl_command.main(args=[], standalone_mode=False)
    checkpoint("crawl:done")
    log.info("parse")
    parse_command.main(args=["--no-progress"], standalone_mode=False)
    checkpoint("parse:done")
