"""Open a `snakemake --report` HTML file in headless Chromium and see what it renders.

The report is a React app that keeps every result (data URI, caption, labels) in a `results`
object and shows an image only when asked. The probe script appended to a copy of the report
asks the report's own app to show each image, waits for the browser to decode it and writes the
decoded sizes into the DOM, which `--dump-dom` hands back.
"""

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

REQUIRE_ENV = "VAEBENCH_REQUIRE_CHROMIUM"  # set by .ci/run: there a missing browser is a failure

PROBE = """<script>
window.addEventListener("load", async () => {
  const sizes = {};
  try {
    // React renders after `load`: wait for the report's App to exist
    while (typeof app === "undefined") await new Promise(r => setTimeout(r, 50));
    for (const [path, res] of Object.entries(results)) {
      if (!res.mime_type.startsWith("image/")) continue;
      app.setView({content: "img", contentPath: res.data_uri});
      await new Promise(r => setTimeout(r, 100));
      const img = [...document.querySelectorAll("#app img")].find(i => i.src === res.data_uri);
      if (img && !img.complete) await new Promise(r => { img.onload = r; img.onerror = r; });
      sizes[path] = img ? [img.naturalWidth, img.naturalHeight] : null;
    }
  } catch (err) { sizes.error = String(err); }
  const pre = document.createElement("pre");
  pre.id = "vaebench-probe";
  pre.textContent = JSON.stringify(sizes);
  document.body.appendChild(pre);
});
</script>"""


TABLE_PROBE = """<script>
window.addEventListener("load", async () => {
  const rows = {};
  try {
    while (typeof app === "undefined") await new Promise(r => setTimeout(r, 50));
    for (const [path, res] of Object.entries(results)) {
      if (res.mime_type !== "text/html") continue;
      app.setView({content: "html", contentPath: res.data_uri});
      await new Promise(r => setTimeout(r, 100));
      const frame = [...document.querySelectorAll("#app iframe")].find(f => f.src === res.data_uri);
      // the iframe's document is another origin: parse the same page as the browser would
      const page = new DOMParser().parseFromString(await (await fetch(res.data_uri)).text(),
                                                   "text/html");
      rows[path] = frame ? page.querySelectorAll("table tbody tr").length : null;
    }
  } catch (err) { rows.error = String(err); }
  const pre = document.createElement("pre");
  pre.id = "vaebench-probe";
  pre.textContent = JSON.stringify(rows);
  document.body.appendChild(pre);
});
</script>"""


def chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def browser_required() -> bool:
    return os.environ.get(REQUIRE_ENV) == "1"


def report_results(report: Path) -> dict:
    """The report's `results` object: path -> name, mime_type, caption, labels, data_uri."""
    match = re.search(r"var results = (\{.*?\});\n", report.read_text(), re.S)
    assert match, f"no results object in {report}"
    return json.loads(match.group(1))


def rendered_image_sizes(report: Path, scratch: Path) -> dict:
    """{result path: [width, height] as decoded by Chromium, or None if not shown}."""
    return run_probe(report, scratch, PROBE)


def rendered_table_rows(report: Path, scratch: Path) -> dict:
    """{HTML result path: rows of its table as Chromium parses it, or None if not shown}."""
    return run_probe(report, scratch, TABLE_PROBE)


def run_probe(report: Path, scratch: Path, probe: str) -> dict:
    html = report.read_text()
    end = html.rindex("</body>")
    probed = scratch / "probed.html"
    probed.write_text(html[:end] + probe + html[end:])
    dom = subprocess.run(
        [chromium(), "--headless", "--no-sandbox", "--disable-gpu",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--no-first-run", f"--user-data-dir={scratch / 'profile'}",
         "--virtual-time-budget=60000", "--dump-dom", probed.as_uri()],
        capture_output=True, text=True, timeout=300, check=True).stdout
    found = re.search(r'<pre id="vaebench-probe">([^<]*)</pre>', dom)
    assert found, "the probe never reported: the report's app did not start"
    return json.loads(found.group(1).replace("&quot;", '"'))
