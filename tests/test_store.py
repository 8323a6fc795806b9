import duckdb
import pandas as pd
import pytest

from benchmark.errors import TalentbenchError
from benchmark.store import atomic_write_bytes, read_table, write_tables


def test_tables_land_in_parquet_and_duckdb_with_chinese_intact(tmp_path):
    table = pd.DataFrame({"city": ["杭州", "武汉"], "value": [1.5, None]})
    written = write_tables({"demo": table}, tmp_path)
    assert read_table("demo", tmp_path).equals(table)
    with duckdb.connect(str(written["duckdb"]), read_only=True) as con:
        back = con.execute("SELECT * FROM demo ORDER BY value NULLS LAST").df()
    assert back["city"].tolist() == ["杭州", "武汉"]
    assert back["value"].isna().tolist() == [False, True]  # missing stays missing


def test_a_failing_write_keeps_the_previous_file(tmp_path):
    target = tmp_path / "t.bin"
    atomic_write_bytes(target, b"old")


    with pytest.raises(TypeError):
        atomic_write_bytes(target, object())  # type: ignore[arg-type]
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["t.bin"]  # no temp file left behind


def test_reading_a_table_that_was_never_written_says_what_to_do(tmp_path):
    with pytest.raises(TalentbenchError, match="talentbench run"):
        read_table("results", tmp_path)
