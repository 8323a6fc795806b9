"""The notebooks are documentation that must run: execute each one from a clean kernel."""

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))
# What a notebook must leave behind in its scratch folder (the assertions inside the
# notebooks check their own tables).
EXPECTED_OUTPUTS = {
    "01_quick_start.ipynb": ["reports/talent_policy_report.pdf", "figures/ranking.png", "figures/ranking.svg"],
    "05_focal_city.ipynb": ["reports/talent_policy_report_福州.pdf", "figures/radar_福州.png"],
}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs_clean(path, tmp_path, monkeypatch):
    monkeypatch.setenv("TALENTBENCH_HOME", str(tmp_path))
    notebook = nbformat.read(path, as_version=4)
    NotebookClient(notebook, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    errors = [out for cell in notebook.cells if cell.cell_type == "code"
              for out in cell.get("outputs", []) if out.get("output_type") == "error"]
    assert not errors
    for output in EXPECTED_OUTPUTS.get(path.name, []):
        assert (tmp_path / output).exists(), output
