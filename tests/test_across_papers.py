"""results/<name>.csv: every paper's artifact of one name (each paper's Table 2) in one table,
a `paper` column first, and their figures one above the other."""

import shutil
from pathlib import Path

import pandas as pd
import pytest
from PIL import Image

from vaebench.artifacts import across_papers
from vaebench.errors import UserError
from vaebench.eval.verdict import read_artifact_csv

RECORD = Path(__file__).resolve().parents[1] / "record" / "quick"


def test_the_table_puts_each_papers_rows_after_the_others_with_their_own_columns():
    first = pd.DataFrame({"metric": ["fid"], "verdict": ["match"]})
    second = pd.DataFrame({"setting": ["f_vae", "lv_vae"], "verdict": ["n/a", "differs"]})
    joined = across_papers.table({"asperti2020": first, "berger2020": second})
    assert list(joined.columns) == ["paper", "metric", "verdict", "setting"]
    assert list(joined.paper) == ["asperti2020", "berger2020", "berger2020"]
    assert list(joined.verdict) == ["match", "n/a", "differs"]
    assert joined.metric.isna().tolist() == [False, True, True]


def test_no_table_or_tables_of_different_names_are_refused(tmp_path):
    with pytest.raises(UserError, match="no paper's table"):
        across_papers.table({})
    with pytest.raises(UserError, match="different artifacts"):
        across_papers.write([Path("a2020/table1.csv"), Path("b2020/table2.csv")],
                            tmp_path / "x.csv")


def test_every_papers_table2_in_one_csv_and_one_figure(tmp_path):
    csvs = []
    for paper in ("asperti2020", "berger2020"):
        (tmp_path / paper).mkdir()
        for suffix in (".csv", ".png"):
            shutil.copy(RECORD / paper / f"table2{suffix}", tmp_path / paper)
        csvs.append(tmp_path / paper / "table2.csv")
    out = tmp_path / "table2.csv"
    across_papers.main([*map(str, csvs), "--out", str(out)])
    joined = read_artifact_csv(out)
    assert joined.columns[0] == "paper"
    assert joined.paper.value_counts().to_dict() == {
        paper: len(read_artifact_csv(csv)) for paper, csv in zip(("asperti2020", "berger2020"),
                                                                  csvs, strict=True)}
    assert set(joined.verdict) == {str(v) for csv in csvs for v in read_artifact_csv(csv).verdict}
    with Image.open(out.with_suffix(".png")) as figure:
        assert figure.height > figure.width  # one figure above the other
