"""The report's reported-vs-replicated tables: one line a row and every column in view, as
headless Chromium lays them out; the whole text of a cut cell on hover, the other columns of a
row one click away."""

import html
import json
import re
import subprocess

import pandas as pd
import pytest

from tests import report_probe
from tests.conftest import REPO
from vaebench.artifacts import table_html

# wide artifacts: a sensitivity column and source texts of several hundred characters (table1);
# text keys and FID protocol columns (table2)
CSV = REPO / "record" / "quick" / "asperti2019" / "table1.csv"
WIDE = [CSV, REPO / "record" / "quick" / "asperti2020" / "table2.csv"]

LAYOUT_PROBE = """<script>
window.addEventListener("load", () => {
  const rows = [...document.querySelectorAll("table > tbody > tr")];
  const heads = [...document.querySelectorAll("table > thead th")];
  const out = {
    rows: rows.length,
    tallest: Math.max(...rows.map(r => r.getBoundingClientRect().height)),
    head: document.querySelector("table > thead > tr").getBoundingClientRect().height,
    overflow: document.documentElement.scrollWidth - window.innerWidth,
    out_of_view: heads.filter(h => h.getBoundingClientRect().right > window.innerWidth + 1)
                      .map(h => h.textContent),
    columns: heads.map(h => h.textContent),
  };
  const pre = document.createElement("pre");
  pre.id = "vaebench-probe";
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
});
</script>"""


def layout(page: str, scratch) -> dict:
    probed = scratch / "probed.html"
    probed.write_text(page.replace("</body>", LAYOUT_PROBE + "</body>"))
    dom = subprocess.run(
        [report_probe.chromium(), "--headless", "--no-sandbox", "--disable-gpu",
         "--no-first-run", f"--user-data-dir={scratch / 'profile'}", "--window-size=1280,900",
         "--virtual-time-budget=10000", "--dump-dom", probed.as_uri()],
        capture_output=True, text=True, timeout=120, check=True).stdout
    found = re.search(r'<pre id="vaebench-probe">([^<]*)</pre>', dom)
    assert found, "the probe never reported"
    return json.loads(found.group(1).replace("&quot;", '"'))


def test_the_table_keeps_every_column_and_value(tmp_path):
    frame = pd.read_csv(CSV, keep_default_na=False)
    page = table_html.render(CSV, "asperti2019 table1")
    shown, rest = table_html.columns_of(frame)
    assert "sensitivity" in shown and "source" in shown and set(shown) | set(rest) == set(
        frame.columns)
    source = frame.source.iloc[0]
    assert f'title="{html.escape(source)}"' in page  # the whole text on hover
    assert f"<dt>{rest[0]}</dt>" in page and page.count("<details>") == len(frame)


@pytest.mark.parametrize("csv", WIDE, ids=lambda csv: f"{csv.parent.name}_{csv.stem}")
def test_rows_are_one_line_and_every_column_in_view(csv, tmp_path):
    if report_probe.chromium() is None and not report_probe.browser_required():
        pytest.skip("chromium not installed (apt-get install chromium)")
    found = layout(table_html.render(csv, csv.stem), tmp_path)
    assert found["rows"] == len(pd.read_csv(csv))
    assert found["out_of_view"] == [] and found["overflow"] <= 0, found
    assert {"verdict", "source", "why"} <= set(found["columns"])
    assert found["tallest"] <= 1.6 * found["head"], found  # no row wrapped to several lines
