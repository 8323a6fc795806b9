import subprocess
import sys
import warnings

import pytest

from benchmark.errors import TalentbenchError
from benchmark.fonts import PROBE_TEXT, find_cjk_font


def test_an_installed_cjk_font_is_found_and_covers_report_text():
    font = find_cjk_font()
    assert font.path.exists()
    assert font.truetype_outlines  # the PDF writer needs TrueType outlines to embed it


def test_a_non_cjk_font_is_refused_with_what_to_install(monkeypatch):
    from matplotlib import font_manager

    latin = font_manager.findfont("DejaVu Sans")
    monkeypatch.setenv("TALENTBENCH_CJK_FONT", latin)
    find_cjk_font.cache_clear()
    try:
        with pytest.raises(TalentbenchError, match="not a readable CJK font"):
            find_cjk_font()
    finally:
        find_cjk_font.cache_clear()


def test_no_cjk_font_stops_the_run_with_one_line(tmp_path):
    from matplotlib import font_manager

    env = {"TALENTBENCH_CJK_FONT": font_manager.findfont("DejaVu Sans"), "PATH": ""}
    outcome = subprocess.run([sys.executable, "-m", "benchmark", "run", "--out", str(tmp_path)],
                             capture_output=True, text=True, env=env, timeout=120)
    assert outcome.returncode == 2
    assert outcome.stderr.strip().splitlines()[-1].startswith("talentbench: error: TALENTBENCH_CJK_FONT")
    assert not (tmp_path / "reports").exists()


def test_chinese_labels_render_without_missing_glyph_warnings(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from benchmark.report.figures import setup

    setup(find_cjk_font())
    fig, ax = plt.subplots()
    ax.set_title(PROBE_TEXT)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fig.savefig(tmp_path / "t.png")
    plt.close(fig)
