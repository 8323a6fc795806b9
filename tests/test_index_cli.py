"""`talentbench index` and `talentbench sensitivity` on COINr's example, and their errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from benchmark.cli import main
from benchmark.paths import resource

SPEC = str(resource("index", "asem_example.yaml"))


def run(argv: list[str], capsys) -> tuple[int, str, str]:
    try:
        main(argv)
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture(scope="module")
def asem_paths(shared_data):
    d = shared_data / "coinr_asem"
    return d, str(d / "asem_idata.csv"), str(d / "asem_imeta.csv")


def test_index_command_writes_coinr_shaped_stages(asem_paths, tmp_path, capsys):
    d, data, meta = asem_paths
    code, out, err = run(["index", "--data", data, "--meta", meta, "--spec", SPEC, "--out", str(tmp_path),
                          "--audit"], capsys)
    assert code == 0, err
    assert "CHE (1)" in out
    for stage, ref_name in [("Denominated", "denominated"), ("Treated", "treated"),
                            ("Normalised", "normalised"), ("Aggregated", "aggregated")]:
        mine = pd.read_csv(tmp_path / f"{stage}.csv")
        assert mine.columns[0] == "uCode"
        ref = pd.read_csv(d / f"asem_{ref_name}.csv").set_index("uCode")
        mine = mine.set_index("uCode").loc[ref.index, ref.columns]
        np.testing.assert_allclose(mine.to_numpy(float), ref.to_numpy(float), atol=1e-6)
    for stage in ("Imputed", "Screened"):
        assert (tmp_path / f"{stage}.csv").is_file()
    results = pd.read_csv(tmp_path / "results.csv")
    ref = pd.read_csv(d / "asem_results.csv")
    assert results["uCode"].tolist() == ref["uCode"].tolist()
    assert results["Rank"].tolist() == ref["Rank"].tolist()
    consistency = pd.read_csv(tmp_path / "audit_consistency.csv")
    assert set(consistency["iCode"]) == {"Physical", "ConEcFin", "Political", "Instit", "P2P", "Environ",
                                         "Social", "SusEcFin", "Conn", "Sust", "Index"}
    assert "steps:" in (tmp_path / "log.yaml").read_text()
    details = pd.read_csv(tmp_path / "treat_details.csv")
    ref = pd.read_csv(d / "asem_treat_details.csv")
    assert list(details.columns[: len(ref.columns)]) == list(ref.columns)
    pd.testing.assert_frame_equal(details[ref.columns], ref, check_dtype=False, atol=1e-9)


def test_sensitivity_command_writes_rank_statistics(asem_paths, tmp_path, capsys):
    _, data, meta = asem_paths
    code, out, err = run(["sensitivity", "--data", data, "--meta", meta, "--spec", SPEC, "--out", str(tmp_path),
                          "--n", "300", "--seed", "7", "--sobol", "32"], capsys)
    assert code == 0, err
    stats = pd.read_csv(tmp_path / "rank_stats.csv")
    assert list(stats.columns[:7]) == ["uCode", "uName", "Nominal", "Mean", "Median", "Q5", "Q95"]
    assert len(stats) == 51 and (stats["Valid"] == 300).all()
    assert (stats["Q5"] <= stats["Q95"]).all()
    sobol = pd.read_csv(tmp_path / "sobol_indices.csv")
    assert set(sobol["input"]) == {"weights", "winmax", "normalisation", "aggregation"}
    # same seed, same answer
    again = tmp_path / "again"
    run(["sensitivity", "--data", data, "--meta", meta, "--spec", SPEC, "--out", str(again),
         "--n", "300", "--seed", "7"], capsys)
    pd.testing.assert_frame_equal(stats, pd.read_csv(again / "rank_stats.csv"))


def test_sensitivity_with_inputs_file(asem_paths, tmp_path, capsys):
    _, data, meta = asem_paths
    inputs = tmp_path / "inputs.yaml"
    inputs.write_text("inputs:\n  - {name: w, type: weights, levels: [2], noise: 0.1}\n", encoding="utf-8")
    code, out, err = run(["sensitivity", "--data", data, "--meta", meta, "--spec", SPEC, "--out",
                          str(tmp_path / "o"), "--inputs", str(inputs), "--n", "50"], capsys)
    assert code == 0, err
    assert "1 uncertain inputs" in out


@pytest.mark.parametrize("mutate, message", [
    (lambda m: m.replace({"Parent": {"Physical": "Nowhere"}}), "Parent 'Nowhere'"),
    (lambda m: m.drop(columns=["Weight"]), "missing required column"),
])
def test_bad_meta_gives_one_line_and_exit_2(asem_paths, tmp_path, capsys, mutate, message):
    _, data, meta = asem_paths
    bad = tmp_path / "meta.csv"
    mutate(pd.read_csv(meta)).to_csv(bad, index=False)
    out_dir = tmp_path / "out"
    code, _, err = run(["index", "--data", data, "--meta", str(bad), "--spec", SPEC, "--out", str(out_dir)], capsys)
    assert code == 2
    assert err.startswith("talentbench: error:") and message in err and err.count("\n") == 1
    assert not out_dir.exists()  # nothing half-written


def test_missing_file_and_bad_spec(asem_paths, tmp_path, capsys):
    _, data, meta = asem_paths
    code, _, err = run(["index", "--data", str(tmp_path / "nope.csv"), "--meta", meta, "--spec", SPEC,
                        "--out", str(tmp_path)], capsys)
    assert code == 2 and "not found" in err
    spec = tmp_path / "spec.yaml"
    spec.write_text("steps:\n  - normalise: {method: minmax, range: [0]}\n", encoding="utf-8")
    code, _, err = run(["index", "--data", data, "--meta", meta, "--spec", str(spec), "--out", str(tmp_path)], capsys)
    assert code == 2 and "range" in err and "Traceback" not in err
