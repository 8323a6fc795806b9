"""The review workflow: extraction candidates -> review queue -> analyst decisions -> curated rows.

* :func:`build_queue` turns a candidate table into a queue: one row per candidate with its
  evidence, source and a ``decision`` cell for the analyst (accept / correct / reject).
  Candidates that were already reviewed come pre-filled and flagged ``reviewed``.
* :func:`write_queue` / :func:`read_queue` save and load it as CSV (UTF-8 with BOM, so Excel and
  WPS open Chinese text cleanly) or XLSX; in Jupyter the queue is simply a DataFrame.
* :func:`apply_review` records the analyst's decisions in the decisions table (the analyst's work
  product, kept as ``resources/dataset/review_decisions.csv``).
* :func:`curated` gives the curated provisions: every accepted or corrected decision.

Each row also carries its context (``conditions``, ``relations``, ``context_evidence``): the
extractor proposes them, the analyst corrects them in the queue like any other field, and
``-`` in a decision states "none" where the extraction proposes some.

A reviewed row's identity is its :func:`provision_key` (document, tier, benefit, period, amount),
not its character offsets, so it survives re-extraction: a new run never overwrites a decision,
and :func:`conflicts` lists candidates that disagree with a decision.
"""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

import pandas as pd

from benchmark.dataset.schema import CONTEXT_COLUMNS, PROVISION_COLUMNS
from benchmark.dataset.tables import coerce_provisions, csv_bytes
from benchmark.errors import TalentbenchError
from benchmark.store import atomic_write_bytes

DECISIONS = ("accept", "correct", "reject", "add")
REVIEW_OF = {"accept": "accepted", "correct": "corrected", "add": "corrected"}
FIELDS = [c for c in PROVISION_COLUMNS if c != "review"]
QUEUE_COLUMNS = ["key", "decision", "reviewed", "note", *FIELDS]
DECISION_COLUMNS = ["key", "decision", "note", *FIELDS]


def _amount_text(value: object) -> str:
    if value is None or pd.isna(value):
        return ""
    return f"{float(value):.0f}"


def provision_key(
    doc: str, tier: str, benefit: str, period: str, amount_cny: object, district: object = None
) -> str:
    """Stable identity of a provision: what the evaluation matches on, independent of offsets.

    The district joins the identity of a provision the analyst adds by hand (a document may
    state the same amount for several districts); extraction candidates have none. Readable prefix plus a short hash, so a
    spreadsheet user can still see what it is.
    """
    parts = [str(doc), str(tier), str(benefit), str(period), _amount_text(amount_cny)]
    if isinstance(district, str) and district.strip():
        parts.append(district.strip())
    ident = "|".join(parts)
    digest = hashlib.sha1(ident.encode("utf-8")).hexdigest()[:10]
    return f"{ident}#{digest}"


def with_keys(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    # Candidates are identified by the extraction contract alone (no district): the same
    # extractor output must find the same decisions whatever provenance was added to it.
    out["key"] = [
        provision_key(r.doc, r.tier, r.benefit, r.period, r.amount_cny)
        for r in out[["doc", "tier", "benefit", "period", "amount_cny"]].itertuples()
    ]
    return out


def empty_decisions() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="object") for c in DECISION_COLUMNS})


def build_queue(candidates: pd.DataFrame, decisions: pd.DataFrame | None = None) -> pd.DataFrame:
    """A review queue from enriched candidates (PROVISION_COLUMNS or a superset).

    Duplicate candidates (same key) appear once. Candidates already decided are pre-filled with
    the recorded decision and ``reviewed=True``; their recorded values are shown, not the new
    extraction's, so re-extraction never silently replaces reviewed content.
    """
    decisions = empty_decisions() if decisions is None else decisions
    cands = with_keys(candidates).drop_duplicates("key", keep="first")
    queue = cands.reindex(columns=QUEUE_COLUMNS).astype(object)
    queue["decision"] = ""
    queue["reviewed"] = False
    queue["note"] = ""
    decided = decisions.set_index("key")
    for i, key in queue["key"].items():
        if key in decided.index:
            dec = decided.loc[key]
            queue.at[i, "decision"] = dec["decision"]
            queue.at[i, "reviewed"] = True
            queue.at[i, "note"] = "" if pd.isna(dec["note"]) else dec["note"]
            for col in FIELDS:
                if pd.notna(dec[col]) and dec[col] != "":
                    queue.at[i, col] = dec[col]
    queue = _numeric(queue)
    return queue.sort_values(["reviewed", "doc", "start"], kind="stable").reset_index(drop=True)


NUMERIC = ("amount_cny", "amount_max_cny", "duration_months", "start", "end")


def _numeric(df: pd.DataFrame) -> pd.DataFrame:
    """Numbers typed in a spreadsheet come back as text: make them numbers again (blank = NaN)."""
    out = df.copy()
    for col in NUMERIC:
        if col in out.columns:
            try:
                out[col] = pd.to_numeric(out[col])
            except (ValueError, TypeError):
                bad = out[col][pd.to_numeric(out[col], errors="coerce").isna() & out[col].notna()]
                raise TalentbenchError(f"{col} must be a number, not {bad.iloc[0]!r}") from None
    return out


def apply_review(queue: pd.DataFrame, decisions: pd.DataFrame | None = None) -> pd.DataFrame:
    """Record the decisions marked in ``queue`` into the decisions table (returned, new object).

    Rows with an empty decision are left pending. ``correct`` stores the row's values as edited
    by the analyst; its key stays the candidate's original key, so the correction is found again
    after re-extraction. ``add`` records a provision the extractor missed (key computed from it).
    """
    decisions = empty_decisions() if decisions is None else decisions.copy()
    missing = [c for c in ("key", "decision", *FIELDS) if c not in queue.columns]
    if missing:
        raise TalentbenchError(f"review queue lacks columns: {', '.join(missing)}")
    marked = _numeric(queue[queue["decision"].fillna("").astype(str).str.strip() != ""])
    marked["decision"] = marked["decision"].astype(str).str.strip().str.lower()
    bad = sorted(set(marked["decision"]) - set(DECISIONS))
    if bad:
        raise TalentbenchError(f"unknown review decision(s) {bad}; use one of {list(DECISIONS)}")
    for i, row in marked.iterrows():
        if row["decision"] == "add" or pd.isna(row["key"]) or str(row["key"]).strip() == "":
            marked.at[i, "key"] = provision_key(
                row["doc"], row["tier"], row["benefit"], row["period"], row["amount_cny"],
                row.get("district"),
            )
    if marked["key"].duplicated().any():
        dup = marked.loc[marked["key"].duplicated(), "key"].iloc[0]
        raise TalentbenchError(f"the queue decides the same provision twice: {dup}")
    new = marked.reindex(columns=DECISION_COLUMNS)
    kept = decisions[~decisions["key"].isin(new["key"])]
    return pd.concat([kept, new], ignore_index=True)


CLEARABLE = ("district", "amount_max_cny", "duration_months", "source_date", *CONTEXT_COLUMNS)


def curated(decisions: pd.DataFrame) -> pd.DataFrame:
    """Curated provisions: accepted and corrected decisions, with ``review`` filled in
    (a ``-`` the analyst wrote to clear a value, or an empty text, becomes missing)."""
    keep = decisions[decisions["decision"].isin(list(REVIEW_OF))].copy()
    keep["review"] = keep["decision"].map(REVIEW_OF)
    for col in CLEARABLE:
        if col in keep.columns:
            keep[col] = keep[col].mask(keep[col].astype(object).isin(["-", ""]))
    return coerce_provisions(keep.reindex(columns=PROVISION_COLUMNS)).reset_index(drop=True)


def conflicts(candidates: pd.DataFrame, decisions: pd.DataFrame) -> pd.DataFrame:
    """Where a new extraction disagrees with the reviewed record, one row per issue.

    ``kind`` is ``amount_changed`` (same doc/tier/benefit/period as a decided row, new amount),
    ``context_changed`` (a decided candidate whose extraction now reads other conditions or
    relations than the reviewed row records; the reviewed ones stand), ``no_longer_extracted``
    (a decided candidate the extractor no longer finds; the decision still stands) or ``new``
    (a candidate nobody has reviewed yet).
    """
    cands = with_keys(candidates)
    decided = decisions[decisions["decision"] != "add"]
    rows = []
    slot = ["doc", "tier", "benefit", "period"]
    decided_slots = decided.set_index(slot)["key"] if len(decided) else pd.Series(dtype=object)
    by_key = decisions.drop_duplicates("key").set_index("key")
    for _, c in cands.iterrows():
        if c["key"] in by_key.index:
            d = by_key.loc[c["key"]]
            changed = [col for col in ("conditions", "relations") if col in cands.columns
                       and d.get("decision") != "reject"
                       and _codes(c.get(col)) != _codes(d.get(col))]
            if changed:
                rows.append({"kind": "context_changed", "key": c["key"], "reviewed_key": c["key"],
                             "doc": c["doc"], "evidence": c["evidence"]})
            continue
        ident = tuple(c[s] for s in slot)
        if ident in decided_slots.index:
            old = decided_slots.loc[[ident]].tolist()
            rows.append({"kind": "amount_changed", "key": c["key"], "reviewed_key": old[0],
                         "doc": c["doc"], "evidence": c["evidence"]})
        else:
            rows.append({"kind": "new", "key": c["key"], "reviewed_key": None,
                         "doc": c["doc"], "evidence": c["evidence"]})
    # only documents this extraction covered can have lost a candidate
    gone = decided[decided["doc"].isin(set(cands["doc"])) & ~decided["key"].isin(cands["key"])]
    for _, d in gone.iterrows():
        rows.append({"kind": "no_longer_extracted", "key": d["key"], "reviewed_key": d["key"],
                     "doc": d["doc"], "evidence": d["evidence"]})
    return pd.DataFrame(rows, columns=["kind", "key", "reviewed_key", "doc", "evidence"])


def _codes(value: object) -> frozenset[str]:
    from benchmark.provisions.context import split_codes

    return frozenset(split_codes(value))


# --- files at the edges --------------------------------------------------------------------

# A cell starting with one of these is run as a formula by Excel or WPS (OWASP CSV injection):
# text from a web page must never be. Exports neutralise them, imports refuse real formulas.
FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r")
_QUOTE = "'"


def neutralise(value: object) -> object:
    """A text cell that would start a formula, prefixed with a quote (shown as text, not run)."""
    if isinstance(value, str) and value.startswith(FORMULA_LEADS) and value != "-":
        return _QUOTE + value
    return value


def _restore(value: object) -> object:
    if isinstance(value, str) and value.startswith(_QUOTE) and value[1:].startswith(FORMULA_LEADS):
        return value[1:]
    return value


def write_queue(queue: pd.DataFrame, path: Path) -> Path:
    """Save a queue (or decisions table) as .csv (UTF-8 with BOM) or .xlsx, atomically.

    Text that a spreadsheet would run as a formula is neutralised: in CSV it is prefixed with a
    quote ("-", the decisions' "clear this value" mark, stays as it is), in XLSX it is stored as
    a string cell. ``read_queue`` gives the original text back."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        safe = queue.apply(lambda col: col.map(neutralise) if col.dtype == object or
                           pd.api.types.is_string_dtype(col) else col)
        data = csv_bytes(safe, "utf-8-sig")
    elif suffix == ".xlsx":
        import io

        buf = io.BytesIO()
        with pd.ExcelWriter(buf, engine="openpyxl") as writer:
            queue.to_excel(writer, index=False, sheet_name="review")
            _as_text(writer.sheets["review"])
            _make_reviewable(writer.sheets["review"], list(queue.columns))
        data = buf.getvalue()
    else:
        raise TalentbenchError(f"review files are .csv or .xlsx, not {path.name!r}")
    atomic_write_bytes(path, data)
    return path


_WIDTHS = {"key": 28, "decision": 10, "note": 24, "evidence": 48, "source_url": 36, "doc": 16,
           "conditions": 28, "relations": 28, "context_evidence": 48}


def _as_text(sheet) -> None:  # noqa: ANN001 - openpyxl worksheet
    """Store every text cell as a string, so that openpyxl never writes "=…" as a formula."""
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, str) and cell.value.startswith(FORMULA_LEADS):
                cell.data_type = "s"


def _refuse_formulas(path: Path) -> None:
    """A review workbook whose cells hold formulas would read back as blanks: refuse it, naming
    the first such cell (type the value itself instead)."""
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=False, data_only=False)
    try:
        for sheet in book.worksheets[:1]:
            header = [c.value for c in next(sheet.iter_rows(min_row=1, max_row=1))]
            for row in sheet.iter_rows(min_row=2):
                for cell in row:
                    if cell.data_type == "f":
                        column = header[cell.column - 1] if cell.column - 1 < len(header) else "?"
                        raise TalentbenchError(
                            f"review file {path.name}: cell {cell.coordinate} ({column}) holds a formula "
                            f"({str(cell.value)[:40]}); type the value itself")
    finally:
        book.close()


def _refuse_csv_formulas(df: pd.DataFrame, path: Path) -> None:
    for column in df.columns:
        values = df[column].dropna().astype(str)
        bad = values[values.str.startswith(("=", "@"))]
        if len(bad):
            row = int(bad.index[0]) + 2  # the header is line 1
            raise TalentbenchError(f"review file {path.name}: line {row}, column {column} starts a formula "
                                   f"({bad.iloc[0][:40]}); type the value itself")


def _make_reviewable(sheet, columns: list[str]) -> None:  # noqa: ANN001 - openpyxl worksheet
    """Header row frozen, filters on, readable widths, a drop-down for the decision cell."""
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    sheet.freeze_panes = "C2"
    sheet.auto_filter.ref = sheet.dimensions
    for i, name in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = _WIDTHS.get(name, 12)
    if "decision" in columns and sheet.max_row > 1:
        col = get_column_letter(columns.index("decision") + 1)
        choices = DataValidation(type="list", formula1='"' + ",".join(DECISIONS) + '"',
                                 allow_blank=True)
        sheet.add_data_validation(choices)
        choices.add(f"{col}2:{col}{sheet.max_row}")


def read_queue(path: Path) -> pd.DataFrame:
    """Load a queue or decisions file written by :func:`write_queue` (or edited in Excel/WPS)."""
    if not path.exists():
        raise TalentbenchError(f"review file not found: {path}")
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            df = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""],
                             encoding="utf-8-sig")
            _refuse_csv_formulas(df, path)
        elif suffix == ".xlsx":
            _refuse_formulas(path)
            df = pd.read_excel(path, dtype=str, keep_default_na=False, na_values=[""],
                               engine="openpyxl")
        else:
            raise TalentbenchError(f"review files are .csv or .xlsx, not {path.name!r}")
    except (ValueError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError,
            zipfile.BadZipFile, KeyError, OSError) as exc:
        # An .xlsx is a zip: a damaged or mislabelled file fails as BadZipFile or KeyError.
        raise TalentbenchError(f"cannot read review file {path}: {exc}") from None
    df = df.apply(lambda col: col.map(_restore))
    if "reviewed" in df.columns:
        df["reviewed"] = df["reviewed"].fillna("").str.lower().isin(["true", "1"])
    return df


def read_decisions(path: Path) -> pd.DataFrame:
    if not path.exists():
        return empty_decisions()
    df = read_queue(path)
    missing = [c for c in ("key", "decision") if c not in df.columns]
    if missing:
        raise TalentbenchError(f"{path}: not a decisions file (missing {', '.join(missing)})")
    return _numeric(df.reindex(columns=DECISION_COLUMNS))


def read_candidates(path: Path) -> pd.DataFrame:
    """Candidate provisions from `talentbench extract` output (.csv, .jsonl, .parquet or .xlsx)."""
    from benchmark.dataset.schema import CANDIDATE_COLUMNS

    if not path.exists():
        raise TalentbenchError(f"candidates file not found: {path}")
    suffix = path.suffix.lower()
    try:
        if suffix == ".jsonl":
            df = pd.read_json(path, lines=True, dtype=False)
        elif suffix == ".parquet":
            df = pd.read_parquet(path)
        elif suffix in (".csv", ".xlsx"):
            df = read_queue(path)
        else:
            raise TalentbenchError(f"candidates are .csv, .jsonl, .parquet or .xlsx, not {path.name!r}")
    except (ValueError, OSError) as exc:
        raise TalentbenchError(f"cannot read candidates {path}: {str(exc).splitlines()[0]}") from None
    optional = ("start", "end", *CONTEXT_COLUMNS)
    missing = [c for c in CANDIDATE_COLUMNS if c not in df.columns and c not in optional]
    if missing:
        raise TalentbenchError(f"{path.name}: not a candidate table (missing {', '.join(missing)})")
    for col in ("amount_cny", "amount_max_cny", "duration_months", "start", "end"):
        if col in df.columns:
            df[col] = pd.to_numeric(df[col], errors="coerce")
    return df
