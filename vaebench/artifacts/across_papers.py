"""Every paper's artifact of one name in one place: `snakemake --cores 8 results/table2.csv`
builds each paper's Table 2, puts their rows in one CSV under a leading `paper` column and their
figures one above the other in results/table2.png. Names are per paper, so the tables differ:
each row keeps its own paper's columns, and a column another paper has is empty there.

    python -m vaebench.artifacts.across_papers results/<paper>/<name>.csv ... \
        --out results/<name>.csv
"""

import argparse
from pathlib import Path

import pandas as pd
from PIL import Image

from vaebench import atomic, plots
from vaebench.errors import UserError
from vaebench.eval.verdict import read_artifact_csv

FIGURE_WIDTH_INCHES = 12


def table(by_paper: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """The papers' tables one after another, in the order given, each row led by its paper."""
    if not by_paper:
        raise UserError("no paper's table to put together; name at least one artifact CSV")
    return pd.concat([frame.assign(paper=paper)[["paper", *frame.columns]]
                      for paper, frame in by_paper.items()], ignore_index=True, sort=False)


def figure(name: str, pngs: dict[str, Path]):
    """The papers' figures one above the other, each titled with its paper."""
    images = {paper: Image.open(png) for paper, png in pngs.items()}
    heights = [image.height / image.width for image in images.values()]
    fig, axes = plots.figure(len(images), 1, squeeze=False, gridspec_kw={"height_ratios": heights},
                             figsize=(FIGURE_WIDTH_INCHES, FIGURE_WIDTH_INCHES * sum(heights)
                                      + 0.4 * len(images)))
    for ax, (paper, image) in zip(axes[:, 0], images.items(), strict=True):
        ax.imshow(image)
        ax.set_title(f"{paper}: {name}")
        ax.axis("off")
    return fig


def paper_of(csv: Path) -> str:
    """The paper of results/<paper>/<name>.csv."""
    return csv.parent.name


def write(csvs: list[Path], out: Path) -> None:
    """`out` (the CSV) and the figure beside it (.png) from the papers' artifact CSVs and the
    PNG beside each."""
    names = {csv.stem for csv in csvs}
    if len(names) != 1:
        raise UserError(f"the CSVs name different artifacts ({', '.join(sorted(names))}); "
                        f"give each paper's CSV of one name")
    atomic.write_csv(out, table({paper_of(csv): read_artifact_csv(csv) for csv in csvs}))
    plots.save(figure(names.pop(), {paper_of(csv): csv.with_suffix(".png") for csv in csvs}),
               out.with_suffix(".png"))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m vaebench.artifacts.across_papers",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("csv", nargs="+", type=Path,
                        help="results/<paper>/<name>.csv of each paper")
    parser.add_argument("--out", type=Path, required=True, help="results/<name>.csv to write")
    args = parser.parse_args(argv)
    try:
        write(args.csv, args.out)
    except UserError as exc:
        parser.exit(2, f"vaebench: error: {exc}\n")


if __name__ == "__main__":
    main()
