"""Find an installed CJK font, for Chinese labels in figures and embedding in PDF reports.

The PDF writer (reportlab) can only embed fonts with TrueType outlines (a ``glyf`` table), so
fonts with PostScript/CFF outlines (the OpenType Noto Sans CJK / Source Han builds) are used
only when nothing else is installed and no PDF is asked for.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from benchmark.errors import TalentbenchError

INSTALL_HINT = (
    "install one, e.g. on Debian/Ubuntu `sudo apt-get install fonts-wqy-microhei` "
    "(or set TALENTBENCH_CJK_FONT=/path/to/font.ttf)"
)
# Characters every report prints; a font must cover all of them to count as a CJK font.
PROBE_TEXT = "人才政策城市排名综合指数补贴落户杭州广州深圳"
# File-name hints of well-known CJK families, best first; checked before a full scan.
PREFERRED = (
    "wqy-microhei",
    "wqy-zenhei",
    "notosanscjk",
    "notosanssc",
    "sourcehansans",
    "simhei",
    "msyh",
    "pingfang",
    "droidsansfallback",
    "uming",
    "ukai",
    "notoserifcjk",
)


@dataclass(frozen=True)
class CJKFont:
    family: str
    path: Path
    subfont_index: int
    truetype_outlines: bool


def _probe(path: Path) -> CJKFont | None:
    """The first face of a font file that covers the probe text, or None."""
    from fontTools.ttLib import TTCollection, TTFont

    try:
        if path.suffix.lower() in {".ttc", ".otc"}:
            container = TTCollection(str(path), lazy=True)
            faces = list(container.fonts)
        else:
            container = TTFont(str(path), lazy=True)
            faces = [container]
    except Exception:  # noqa: BLE001 - an unreadable font file is simply not a candidate
        return None
    try:
        for index, face in enumerate(faces):
            try:
                cmap = face.getBestCmap() or {}
                if all(ord(ch) in cmap for ch in PROBE_TEXT):
                    family = face["name"].getDebugName(1) or path.stem
                    return CJKFont(family, path, index, "glyf" in face)
            except Exception:  # noqa: BLE001
                continue
        return None
    finally:
        container.close()  # lazy loading keeps the file open until closed


def _rank(path: Path) -> int:
    name = path.name.lower().replace("-", "").replace("_", "")
    for position, hint in enumerate(PREFERRED):
        if hint.replace("-", "") in name:
            return position
    return len(PREFERRED)


@lru_cache(maxsize=2)
def find_cjk_font(require_embeddable: bool = True) -> CJKFont:
    """Return the best installed CJK font; raise a one-line TalentbenchError if there is none.

    ``require_embeddable`` asks for TrueType outlines, which the PDF report needs.
    """
    override = os.environ.get("TALENTBENCH_CJK_FONT")
    if override:
        font = _probe(Path(override))
        if font is None:
            raise TalentbenchError(f"TALENTBENCH_CJK_FONT={override} is not a readable CJK font")
        return font

    from matplotlib import font_manager

    files = sorted({Path(p) for p in font_manager.findSystemFonts()}, key=_rank)
    fallback: CJKFont | None = None
    for path in files:
        # Unknown file names are probed only if no well-known family is installed.
        if _rank(path) == len(PREFERRED) and fallback is not None:
            break
        font = _probe(path)
        if font is None:
            continue
        if font.truetype_outlines or not require_embeddable:
            return font
        fallback = fallback or font
    if fallback is not None:
        raise TalentbenchError(
            f"the CJK font {fallback.family} ({fallback.path.name}) has CFF outlines, which the "
            f"PDF writer cannot embed; {INSTALL_HINT}"
        )
    raise TalentbenchError(f"no CJK (Chinese) font found; {INSTALL_HINT}")


def use_in_matplotlib(font: CJKFont) -> None:
    """Make ``font`` matplotlib's default so Chinese labels render (no 'missing glyph' warnings)."""
    import matplotlib as mpl
    from matplotlib import font_manager

    font_manager.fontManager.addfont(str(font.path))
    # addfont registers the first face of a collection, under that face's family name.
    family = font_manager.FontProperties(fname=str(font.path)).get_name()
    mpl.rcParams["font.family"] = "sans-serif"
    mpl.rcParams["font.sans-serif"] = [family, *mpl.rcParams["font.sans-serif"]]
    mpl.rcParams["axes.unicode_minus"] = False
