"""The hostile-input catalogue: every subcommand x every kind of bad input.

Each case is a command line plus the files it needs, all of them wrong in one way. The suite
(tests/test_hostile_suite.py) and the benchmark (benchmarks/bench_hostile.py) run every case
in-process and sort the outcome: refused cleanly (non-zero exit, one ``talentbench: error:``
line, no traceback), traceback (an exception escaped), messy (non-zero exit but not one line),
or accepted (exit 0 - wrong for every case here). Both also check that nothing already stored
in the working folder changed.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from benchmark.paths import resource

ALIAS_BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [" + ", ".join([f"*{chr(97 + i)}"] * 9) + "]\n" for i in range(8))

# Ways a file can be wrong whatever it should hold. Each writes the file (or not) and returns
# the path to give on the command line.
Maker = Callable[[Path, str], Path]


def _write(path: Path, data: bytes | str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    path.write_bytes(data)
    return path


def _missing(tmp: Path, suffix: str) -> Path:
    return tmp / f"no_such_file{suffix}"


def _folder(tmp: Path, suffix: str) -> Path:
    path = tmp / f"a_folder{suffix}"
    path.mkdir(exist_ok=True)
    return path


def _under_a_file(tmp: Path, suffix: str) -> Path:
    _write(tmp / "plain.txt", "x")
    return tmp / "plain.txt" / f"input{suffix}"


GENERIC: dict[str, Maker] = {
    "missing": _missing,
    "folder": _folder,
    "under_a_file": _under_a_file,
    "empty": lambda tmp, s: _write(tmp / f"empty{s}", b""),
    "binary": lambda tmp, s: _write(tmp / f"binary{s}", bytes(range(256)) * 40),
    "gbk": lambda tmp, s: _write(tmp / f"gbk{s}", "城市,人才,补贴\n杭州,博士,100000\n".encode("gbk")),
    "png": lambda tmp, s: _write(tmp / f"image{s}", b"\x89PNG\r\n\x1a\n" + b"\0" * 64),
}

YAML_BAD: dict[str, Maker] = {
    "alias_bomb": lambda tmp, s: _write(tmp / "bomb.yaml", ALIAS_BOMB),
    "oversized": lambda tmp, s: _write(tmp / "big.yaml", "steps:\n" + "  - impute: {method: none}\n" * 60000),
    "deep_nesting": lambda tmp, s: _write(tmp / "deep.yaml", "a: " + "[" * 20000 + "]" * 20000 + "\n"),
    "syntax": lambda tmp, s: _write(tmp / "syntax.yaml", "steps: [\n  - {a: 1\n"),
    "scalar": lambda tmp, s: _write(tmp / "scalar.yaml", "42\n"),
    "list": lambda tmp, s: _write(tmp / "list.yaml", "- 1\n- 2\n"),
    "csv_given": lambda tmp, s: _write(tmp / "table.yaml", "city,amount\n杭州,1\n"),
}

CSV_BAD: dict[str, Maker] = {
    "header_only": lambda tmp, s: _write(tmp / "header.csv", "city,tier,benefit\n"),
    "wrong_columns": lambda tmp, s: _write(tmp / "cols.csv", "foo,bar\n1,2\n"),
    "yaml_given": lambda tmp, s: _write(tmp / "given.csv", "steps:\n  - impute: {method: none}\n"),
    "ragged": lambda tmp, s: _write(tmp / "ragged.csv", 'a,b\n1,2,3,4\n"unterminated\n'),
}


def _embedded_with(table_name: str, column: str, value: str, row=lambda t: t.index[0]) -> Maker:
    """An embedded dataset table with one cell (of ``row``, default the first) changed."""
    def make(tmp: Path, suffix: str) -> Path:
        import pandas as pd

        table = pd.read_csv(resource("dataset", table_name), dtype=str, keep_default_na=False)
        table.loc[row(table), column] = value
        path = tmp / f"{Path(table_name).stem}_{column}.csv"
        table.to_csv(path, index=False)
        return path
    return make


def _provisions_with(column: str, value: str) -> Maker:
    return _embedded_with("provisions.csv", column, value)


PROVISIONS_BAD: dict[str, Maker] = {
    "amount_inf": _provisions_with("amount_cny", "inf"),
    "amount_negative": _provisions_with("amount_cny", "-5000"),
    "amount_huge": _provisions_with("amount_cny", "1e308"),
    "amount_text": _provisions_with("amount_cny", "十万"),
    "duration_nan": _provisions_with("duration_months", "nan"),
    "duration_fraction": _provisions_with("duration_months", "2.5"),
    "period_unknown": _provisions_with("period", "fortnight"),
    "scope_unknown": _provisions_with("scope", "galaxy"),
    "status_unknown": _provisions_with("status", "maybe"),
    "city_unknown": _provisions_with("city", "Atlantis"),
    "start_negative": _provisions_with("start", "-3"),
    **{f"{column}_blank": _provisions_with(column, "")
       for column in ("city", "scope", "tier", "benefit", "period", "status", "amount_cny", "source_url")},
}


def _queue_with(column: str, value: str) -> Maker:
    """The embedded review decisions as a queue, the first corrected row changed."""
    return _embedded_with("review_decisions.csv", column, value,
                          row=lambda t: t.index[t["decision"] == "correct"][0])


QUEUE_BAD: dict[str, Maker] = {
    "amount_inf": _queue_with("amount_cny", "inf"),
    "amount_negative": _queue_with("amount_cny", "-5"),
    "amount_huge": _queue_with("amount_cny", "1e308"),
    "amount_text": _queue_with("amount_cny", "十万"),
    "decision_unknown": _queue_with("decision", "maybe"),
    "formula": _queue_with("amount_cny", "=1+1"),
}


def _yaml_edit(name: tuple[str, str], old: str, new: str) -> Maker:
    def make(tmp: Path, suffix: str) -> Path:
        text = resource(*name).read_text(encoding="utf-8")
        assert old in text, (name, old)
        return _write(tmp / f"edited_{name[-1]}", text.replace(old, new, 1))
    return make


FRAMEWORK = ("framework", "talent_policy_index.yaml")
SPEC = ("framework", "index_spec.yaml")
UNCERTAINTY = ("framework", "uncertainty.yaml")
SETTINGS = ("crawl", "settings.yaml")

SPEC_BAD: dict[str, Maker] = {
    "winmax_text": _yaml_edit(SPEC, "winmax: 2", "winmax: two"),
    "winmax_inf": _yaml_edit(SPEC, "winmax: 2", "winmax: .inf"),
    "skew_nan": _yaml_edit(SPEC, "skew: 2", "skew: .nan"),
    "min_data_big": _yaml_edit(SPEC, "min_data: 0.5", "min_data: 7"),
    "range_reversed": _yaml_edit(SPEC, "range: [0, 100]", "range: [100, 0]"),
    "range_inf": _yaml_edit(SPEC, "range: [0, 100]", "range: [0, .inf]"),
    "range_scalar": _yaml_edit(SPEC, "range: [0, 100]", "range: 100"),
    "unknown_param": _yaml_edit(SPEC, "method: arithmetic", "method: arithmetic, colour: red"),
    "unknown_method": _yaml_edit(SPEC, "method: arithmetic", "method: telepathy"),
    "steps_mapping": _yaml_edit(SPEC, "steps:", "steps: {}\nold:"),
}

UNCERTAINTY_BAD: dict[str, Maker] = {
    "replications_text": _yaml_edit(UNCERTAINTY, "replications: 1000", "replications: many"),
    "replications_huge": _yaml_edit(UNCERTAINTY, "replications: 1000", "replications: 1e23"),
    "replications_negative": _yaml_edit(UNCERTAINTY, "replications: 1000", "replications: -5"),
    "sobol_inf": _yaml_edit(UNCERTAINTY, "sobol_base: 256", "sobol_base: .inf"),
    "seed_negative": _yaml_edit(UNCERTAINTY, "seed: 0", "seed: -1"),
    "noise_nan": _yaml_edit(UNCERTAINTY, "noise: 0.25", "noise: .nan"),
    "noise_huge": _yaml_edit(UNCERTAINTY, "noise: 0.25", "noise: 1e308"),
    "levels_text": _yaml_edit(UNCERTAINTY, "levels: [1, 2]", "levels: all"),
    "type_unknown": _yaml_edit(UNCERTAINTY, "type: weights", "type: vibes"),
    "options_empty": _yaml_edit(UNCERTAINTY, "options:\n      - {method: arithmetic}\n"
                                             "      - {method: geometric}", "options: []"),
    "inputs_mapping": _yaml_edit(UNCERTAINTY, "inputs:", "inputs: {}\nold:"),
}

FRAMEWORK_BAD: dict[str, Maker] = {
    "weight_text": _yaml_edit(FRAMEWORK, "weight: 1}", "weight: heavy}"),
    "weight_inf": _yaml_edit(FRAMEWORK, "weight: 1}", "weight: .inf}"),
    "weight_negative": _yaml_edit(FRAMEWORK, "weight: 1}", "weight: -1}"),
    "min_coverage_nan": _yaml_edit(FRAMEWORK, "min_coverage: 0.5", "min_coverage: .nan"),
    "min_coverage_text": _yaml_edit(FRAMEWORK, "min_coverage: 0.5", "min_coverage: half"),
}

SETTINGS_BAD: dict[str, Maker] = {
    "retries_text": lambda tmp, s: _write(tmp / "s.yaml", "defaults: {max_retries: three}\n"),
    "tls_text": lambda tmp, s: _write(tmp / "s.yaml", "defaults: {tls_verify: 'yes'}\n"),
    "timeout_inf": lambda tmp, s: _write(tmp / "s.yaml", "defaults: {read_timeout_seconds: .inf}\n"),
    "timeout_nan": lambda tmp, s: _write(tmp / "s.yaml", "defaults: {max_fetch_seconds: .nan}\n"),
    "body_negative": lambda tmp, s: _write(tmp / "s.yaml", "defaults: {max_body_bytes: -1}\n"),
    "agent_number": lambda tmp, s: _write(tmp / "s.yaml", "defaults: {user_agent: 5}\n"),
    "hosts_list": lambda tmp, s: _write(tmp / "s.yaml", "hosts: [a, b]\n"),
    "unknown_key": lambda tmp, s: _write(tmp / "s.yaml", "defaults: {max_retriez: 3}\n"),
}

# one valid candidate, as `talentbench extract --format jsonl` writes it, from document d1
CANDIDATE = ('{"doc": "d1.txt", "tier": "phd", "benefit": "living_allowance", "amount_cny": 3000, '
             '"amount_max_cny": null, "period": "month", "duration_months": 36, "is_cap": false, '
             '"start": 0, "end": 10, "evidence": "博士每月生活补贴3000元"}\n')


def _documents(**changes: object) -> Maker:
    def make(tmp: Path, suffix: str) -> Path:
        import pandas as pd

        row = {"doc_id": "d1", "city": "杭州", "url": "https://hrss.hangzhou.gov.cn/a.html",
               "issue_date": "2025-01-01", **changes}
        path = tmp / "documents.parquet"
        pd.DataFrame([{k: v for k, v in row.items() if v is not ...}]).to_parquet(path)
        return path
    return make


DOCUMENTS_BAD: dict[str, Maker] = {
    "no_url_column": _documents(url=...),
    "url_not_web": _documents(url="file:///etc/passwd"),
    "city_blank": _documents(city=" "),
    "doc_id_number": _documents(doc_id=7),
}

SHARED = Path(os.environ.get("TALENTBENCH_SHARED_DATA",
                             Path(__file__).resolve().parents[2] / "shared" / "data"))
ASEM = SHARED / "coinr_asem"


def _asem_with(table: str, column: str, value: str) -> Maker:
    def make(tmp: Path, suffix: str) -> Path:
        lines = (ASEM / f"asem_{table}.csv").read_text(encoding="utf-8").splitlines()
        header = [h.strip('"') for h in lines[0].split(",")]
        cells = lines[1].split(",")
        cells[header.index(column)] = value
        lines[1] = ",".join(cells)
        return _write(tmp / f"{table}_{column}.csv", "\n".join(lines) + "\n")
    return make


INDEX_DATA_BAD: dict[str, Maker] = {
    "inf": _asem_with("idata", "LPI", "inf"),
    "huge": _asem_with("idata", "LPI", "1e308"),
    "minus_inf": _asem_with("idata", "Goods", "-inf"),
    "text": _asem_with("idata", "LPI", "high"),
}
INDEX_META_BAD: dict[str, Maker] = {
    "weight_inf": _asem_with("imeta", "Weight", "Inf"),
    "weight_negative": _asem_with("imeta", "Weight", "-1"),
    "direction_text": _asem_with("imeta", "Direction", "up"),
    "level_zero": _asem_with("imeta", "Level", "0"),
}


@dataclass(frozen=True)
class Case:
    command: str
    option: str
    kind: str
    make: Maker
    argv: Callable[[Path, Path], list[str]]  # (tmp, bad path) -> the command line
    suffix: str = ""

    @property
    def id(self) -> str:
        return f"{self.command} {self.option} {self.kind}"


def _file_cases(command: str, option: str, suffix: str, kinds: dict[str, Maker],
                argv: Callable[[Path, Path], list[str]]) -> list[Case]:
    return [Case(command, option, kind, make, argv, suffix) for kind, make in kinds.items()]


def cases() -> list[Case]:
    """Every case that needs nothing outside the project."""
    out: list[Case] = []

    def run_with(option: str) -> Callable[[Path, Path], list[str]]:
        return lambda tmp, bad: ["run", option, str(bad), "--out", str(tmp / "out")]

    yaml_kinds = {**GENERIC, **YAML_BAD}
    csv_kinds = {**GENERIC, **CSV_BAD}
    out += _file_cases("run", "--provisions", ".csv", {**csv_kinds, **PROVISIONS_BAD}, run_with("--provisions"))
    out += _file_cases("run", "--framework", ".yaml", {**yaml_kinds, **FRAMEWORK_BAD}, run_with("--framework"))
    out += _file_cases("run", "--spec", ".yaml", {**yaml_kinds, **SPEC_BAD}, run_with("--spec"))
    out += _file_cases("run", "--uncertainty", ".yaml", {**yaml_kinds, **UNCERTAINTY_BAD},
                       run_with("--uncertainty"))
    out += _file_cases("profiles", "--provisions", ".csv", {**csv_kinds, **PROVISIONS_BAD},
                       lambda tmp, bad: ["profiles", "--provisions", str(bad)])
    # an empty settings file is no override at all: the defaults, rightly accepted
    settings_kinds = {k: v for k, v in {**yaml_kinds, **SETTINGS_BAD}.items() if k != "empty"}
    out += _file_cases("crawl", "--settings", ".yaml", settings_kinds,
                       lambda tmp, bad: ["crawl", "--settings", str(bad), "--cities", "杭州",
                                         "--raw-dir", str(tmp / "raw"), "--no-progress"])
    out += _file_cases("crawl", "--rules", ".yaml", yaml_kinds,
                       lambda tmp, bad: ["crawl", "--rules", str(bad), "--cities", "杭州",
                                         "--raw-dir", str(tmp / "raw"), "--no-progress"])
    out += _file_cases("crawl", "--registry", ".csv", csv_kinds,
                       lambda tmp, bad: ["crawl", "--registry", str(bad), "--cities", "杭州",
                                         "--raw-dir", str(tmp / "raw"), "--no-progress"])
    out += _file_cases("parse", "--site-xpaths", ".yaml", yaml_kinds,
                       lambda tmp, bad: ["parse", "--site-xpaths", str(bad), "--raw-dir", str(tmp / "raw"),
                                         "--no-progress"])
    out += _file_cases("extract", "PATHS", ".md", {k: v for k, v in GENERIC.items() if k != "empty"},
                       lambda tmp, bad: ["extract", str(bad)])
    out += _file_cases("dataset queue", "--documents", ".parquet",
                       {**GENERIC, **DOCUMENTS_BAD, "csv_given": CSV_BAD["wrong_columns"],
                        "yaml_given": CSV_BAD["yaml_given"]},
                       lambda tmp, bad: ["dataset", "queue", str(_write(tmp / "c.jsonl", CANDIDATE)),
                                         "--documents", str(bad), "-o", str(tmp / "queue.csv")])
    out += _file_cases("dataset apply-review", "QUEUE", ".csv", {**csv_kinds, **QUEUE_BAD},
                       lambda tmp, bad: ["dataset", "apply-review", str(bad),
                                         "--decisions", str(tmp / "decisions.csv"),
                                         "--out", str(tmp / "curated.csv")])
    out += _file_cases("refresh", "--reviewed", ".csv", {**csv_kinds, **PROVISIONS_BAD},
                       lambda tmp, bad: ["refresh", "--offline", "--reviewed", str(bad), "--quiet"])
    out += _file_cases("refresh", "--spec", ".yaml", {**yaml_kinds, **SPEC_BAD},
                       lambda tmp, bad: ["refresh", "--offline", "--spec", str(bad), "--quiet"])
    out += _file_cases("refresh", "--uncertainty", ".yaml", {**yaml_kinds, **UNCERTAINTY_BAD},
                       lambda tmp, bad: ["refresh", "--offline", "--uncertainty", str(bad), "--quiet"])
    if ASEM.is_dir():
        data, meta = str(ASEM / "asem_idata.csv"), str(ASEM / "asem_imeta.csv")
        spec = str(resource("index", "asem_example.yaml"))
        for command in ("index", "sensitivity"):
            extra = ["--n", "20"] if command == "sensitivity" else []
            out += _file_cases(command, "--data", ".csv", {**csv_kinds, **INDEX_DATA_BAD},
                               lambda tmp, bad, c=command, e=tuple(extra): [
                                   c, "--data", str(bad), "--meta", meta, "--spec", spec,
                                   "--out", str(tmp / "o"), *e])
            out += _file_cases(command, "--meta", ".csv", {**csv_kinds, **INDEX_META_BAD},
                               lambda tmp, bad, c=command, e=tuple(extra): [
                                   c, "--data", data, "--meta", str(bad), "--spec", spec,
                                   "--out", str(tmp / "o"), *e])
            out += _file_cases(command, "--spec", ".yaml", {**yaml_kinds, **SPEC_BAD},
                               lambda tmp, bad, c=command, e=tuple(extra): [
                                   c, "--data", data, "--meta", meta, "--spec", str(bad),
                                   "--out", str(tmp / "o"), *e])
        out += _file_cases("sensitivity", "--inputs", ".yaml", {**yaml_kinds, **UNCERTAINTY_BAD},
                           lambda tmp, bad: ["sensitivity", "--data", data, "--meta", meta, "--spec", spec,
                                             "--inputs", str(bad), "--n", "20", "--out", str(tmp / "o")])
    out += _file_cases("history", "--figure", ".png", {"folder": _folder, "under_a_file": _under_a_file},
                       lambda tmp, bad: ["history", "--figure", str(bad)])

    # bad values on the command line
    def argv_case(command: str, option: str, kind: str, args: list[str]) -> Case:
        return Case(command, option, kind, _missing, lambda tmp, bad, a=tuple(args): [
            x.replace("{tmp}", str(tmp)) for x in a])

    out += [
        argv_case("run", "--out", "under_a_file", ["run", "--out", "{tmp}/plain.txt/out"]),
        argv_case("run", "--clusters", "text", ["run", "--clusters", "many", "--out", "{tmp}/o"]),
        argv_case("run", "--clusters", "huge", ["run", "--clusters", "100000000000000000000", "--out", "{tmp}/o"]),
        argv_case("run", "--clusters", "zero", ["run", "--clusters", "0", "--out", "{tmp}/o"]),
        argv_case("run", "--focus", "unknown", ["run", "--focus", "Atlantis", "--out", "{tmp}/o"]),
        argv_case("run", "--focus", "empty", ["run", "--focus", " ", "--out", "{tmp}/o"]),
        argv_case("profiles", "--city", "unknown", ["profiles", "--city", "Atlantis"]),
        argv_case("profiles", "--profile", "unknown", ["profiles", "--profile", "astronaut"]),
        argv_case("profiles", "--explain", "unknown", ["profiles", "--explain", "Atlantis", "phd"]),
        argv_case("crawl", "--cities", "unknown", ["crawl", "--cities", "Atlantis", "--raw-dir", "{tmp}/raw"]),
        argv_case("crawl", "--shard", "zero", ["crawl", "--shard", "1/0", "--raw-dir", "{tmp}/raw"]),
        argv_case("crawl", "--shard", "text", ["crawl", "--shard", "a/b", "--raw-dir", "{tmp}/raw"]),
        argv_case("crawl", "--shard", "beyond", ["crawl", "--shard", "5/2", "--raw-dir", "{tmp}/raw"]),
        argv_case("crawl", "--max-age", "negative", ["crawl", "--max-age", "-1", "--cities", "杭州",
                                                    "--raw-dir", "{tmp}/raw"]),
        argv_case("crawl", "--max-age", "nan", ["crawl", "--max-age", "nan", "--cities", "杭州",
                                               "--raw-dir", "{tmp}/raw"]),
        argv_case("crawl", "--raw-dir", "under_a_file", ["crawl", "--cities", "杭州", "--raw-dir",
                                                        "{tmp}/plain.txt/raw", "--no-progress"]),
        argv_case("parse", "--timeout", "inf", ["parse", "--timeout", "inf", "--raw-dir", "{tmp}/raw"]),
        argv_case("parse", "--timeout", "zero", ["parse", "--timeout", "0", "--raw-dir", "{tmp}/raw"]),
        argv_case("parse", "--limit", "negative", ["parse", "--limit", "-1", "--raw-dir", "{tmp}/raw"]),
        argv_case("parse", "--cities", "unknown", ["parse", "--cities", "Atlantis", "--raw-dir", "{tmp}/raw"]),
        argv_case("sensitivity", "--n", "huge", ["sensitivity", "--n", "100000000000000000000000"]),
        argv_case("sensitivity", "--seed", "negative", ["sensitivity", "--seed", "-1"]),
        argv_case("history", "--city", "unknown", ["history", "--city", "Atlantis"]),
        argv_case("diff", "OLD", "unknown", ["diff", "no-such-snapshot", "latest"]),
        argv_case("diff", "OLD", "huge", ["diff", "99999999999999999999999", "latest"]),
        argv_case("evaluate", "--gold", "missing", ["evaluate", "--gold", "{tmp}/none", "--docs", "{tmp}/none"]),
        argv_case("dataset curate", "--shared", "missing", ["dataset", "curate", "--shared", "{tmp}/none",
                                                           "--out", "{tmp}/cur"]),
        argv_case("dataset apply-review", "--out", "under_a_file",
                  ["dataset", "apply-review", str(resource("dataset", "review_decisions.csv")),
                   "--decisions", "{tmp}/decisions.csv", "--out", "{tmp}/plain.txt/curated.csv"]),
    ]
    return out


INTERNAL = re.compile(r"\b(KeyError|TypeError|AttributeError|IndexError|ZeroDivisionError|"
                      r"AssertionError|RecursionError|NameError|UnboundLocalError):")


@dataclass
class Outcome:
    case: Case
    code: int
    stderr: str
    error: BaseException | None
    seconds: float
    changed: list[str]

    @property
    def kind(self) -> str:
        if self.error is not None:
            return "traceback"
        if self.code == 0:
            return "accepted"
        lines = [line for line in self.stderr.strip().splitlines() if line.strip()]
        errors = [line for line in lines if line.startswith("talentbench:")]
        if lines and errors == [lines[-1]] and lines[-1].startswith("talentbench: error:") \
                and "Traceback" not in self.stderr:
            # a refresh reports a failed stage in one line; a Python exception's name there is
            # a bug caught late, not a refusal
            return "internal" if INTERNAL.search(lines[-1]) else "refused"
        return "messy"


STORED = {
    "data/processed/results.parquet": b"PAR1 stored results",
    "figures/ranking.png": b"stored figure",
    "reports/talent_policy_report.pdf": b"%PDF stored report",
    "data/raw/index.jsonl": b'{"stored": true}\n',
    "decisions.csv": "key,decision,note\n杭州.md|phd|living_allowance|month|3000#0,accept,\n".encode(),
    "plain.txt": b"x",
}


def tree_digest(root: Path) -> dict[str, str]:
    out = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if path.is_file() and not rel.startswith(("logs/", ".hypothesis")):
            out[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def execute(case: Case, tmp: Path) -> Outcome:
    """Run one case in ``tmp`` (its working folder, holding some stored files) in-process."""
    from benchmark.cli import main

    for rel, data in STORED.items():
        _write(tmp / rel, data)
    bad = case.make(tmp, case.suffix)
    argv = case.argv(tmp, bad)
    before = tree_digest(tmp)
    err, out = io.StringIO(), io.StringIO()
    old_home, old_cwd = os.environ.get("TALENTBENCH_HOME"), Path.cwd()
    os.environ["TALENTBENCH_HOME"] = str(tmp)
    os.chdir(tmp)
    started = time.perf_counter()
    code, error = 0, None
    try:
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
            main(argv)
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    except BaseException as exc:  # noqa: BLE001 - the point is to see what escapes
        error, code = exc, 1
    finally:
        os.chdir(old_cwd)
        if old_home is None:
            os.environ.pop("TALENTBENCH_HOME", None)
        else:
            os.environ["TALENTBENCH_HOME"] = old_home
    seconds = time.perf_counter() - started
    after = tree_digest(tmp)
    changed = sorted(k for k in before if after.get(k) != before[k])
    return Outcome(case, code, err.getvalue(), error, seconds, changed)
