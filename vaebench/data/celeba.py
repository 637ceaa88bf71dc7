"""CelebA: the authors' face crop, an explicit resize mode, and one cached uint8 tensor file.

Source: the user's copy of the aligned images (178x218 JPEGs), found in torchvision's layout
`<root>/celeba/img_align_celeba/*.jpg` with `<root>/celeba/list_eval_partition.txt` (Kaggle's
copy, with the folder nested once more and a .csv partition, is found too). The partition file
is required: without it the split would be some other rule's (the authors took Dai & Wipf's
index ranges over unsorted `os.listdir` order, reference_code_facts.md §1.1), and a result would
not be on the official test set; its absence is a one-line error naming the file and where it
goes. The folder may hold a subset: each split is the images present, in the partition file's order;
the cache records how many of each split were listed and present, and asking for a split with
none present is a one-line error.

Preprocessing (reference_code_facts.md §1.1, §2.1): rows 45-172, columns 25-152 (`crop128`, Dai &
Wipf and Asperti & Trentin) or the WAE crop rows 39-178, columns 19-158 (`crop140`), then PIL's
resize to 64x64 with a named resample mode (nearest, bilinear, bicubic; default bilinear, what
both codes did). Like clean-fid we make the resize a recorded parameter: Asperti & Trentin's
appendix shows it changes the results. Every (crop, resize) pair is one dataset name
(`celeba`, `celeba_nearest`, `celeba_crop140_bicubic`, ...) and one cache file
`<cache dir>/celeba_<crop>_<resize>.pt` holding the train and test splits and their provenance.
"""

import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import PIL
import torch
from PIL import Image

from vaebench import atomic, paths
from vaebench.data import images
from vaebench.data.celeba_variants import (  # noqa: F401  (vaebench.data.celeba's API)
    CROPS,
    DEFAULT_CROP,
    DEFAULT_RESIZE,
    HOW_TO,
    SIZE,
    VARIANTS,
    missing_message,
    variant_name,
)
from vaebench.errors import UserError

RESIZES = {"nearest": Image.NEAREST, "bilinear": Image.BILINEAR, "bicubic": Image.BICUBIC}
ALIGNED_WH = (178, 218)  # PIL's (width, height) of an aligned CelebA image
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png")
CACHE_ENV = "VAEBENCH_CACHE"
DEFAULT_CACHE_DIR = paths.DATA  # where the DAG's prepare rule writes it


# ---------------------------------------------------------------- finding the user's copy


def images_folder(root: Path) -> Path:
    """The folder of aligned JPEGs under the data root (raises the missing-data error)."""
    base = Path(root) / "celeba" / "img_align_celeba"
    nested = base / "img_align_celeba"  # Kaggle's archive nests the folder once more
    for folder in (nested, base):
        if folder.is_dir():
            return folder
    raise UserError(missing_message(root))


PARTITION_NAMES = ("list_eval_partition.txt", "list_eval_partition.csv")  # torchvision, Kaggle


def partition_file(root: Path) -> Path | None:
    for name in PARTITION_NAMES:
        if (Path(root) / "celeba" / name).is_file():
            return Path(root) / "celeba" / name
    return None


def missing_partition_message(root: Path) -> str:
    expected = Path(root) / "celeba" / PARTITION_NAMES[0]
    return (f"dataset celeba: {expected} is missing (or Kaggle's list_eval_partition.csv there); "
            f"put CelebA's partition file, which comes with the images, at {expected} beside "
            f"img_align_celeba: without it the official train/test split is unknown")


def split_names(root: Path) -> dict[str, list[str]]:
    """File names per split (train, valid, test) of the images present, from the partition
    file, in its order."""
    return listed_and_present(root)[1]


def listed_and_present(root: Path) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """(names listed, names present) per split, from the partition file (required). Nothing is
    decoded: cheap on the full 202,599."""
    folder = images_folder(root)
    partition = partition_file(root)
    if partition is None:
        raise UserError(missing_partition_message(root))
    names = sorted(p.name for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
    if not names:
        raise UserError(f"dataset celeba: {folder} holds no .jpg/.png images; {HOW_TO}")
    listed = read_partition(partition)
    return listed, keep_present(listed, set(names))


def read_partition(path: Path) -> dict[str, list[str]]:
    """list_eval_partition: '<file> <0|1|2>' lines (.txt) or 'image_id,partition' rows (.csv);
    the names of each split in the file's order."""
    splits = {"train": [], "valid": [], "test": []}
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        fields = line.replace(",", " ").split()
        if not fields or fields[0] == "image_id":
            continue
        if len(fields) != 2 or fields[1] not in ("0", "1", "2"):
            raise UserError(f"{path} line {number}: expected '<image> <0|1|2>', got '{line}'; "
                            "re-download list_eval_partition")
        splits[("train", "valid", "test")[int(fields[1])]].append(fields[0])
    return splits


def keep_present(listed: dict[str, list[str]], present: set[str]) -> dict[str, list[str]]:
    """The listed names found in the folder, in the listing's order. A user's copy may be a
    subset of CelebA (e.g. a few thousand images per split), so absent names are dropped, not an
    error; images in the folder but not listed belong to no split and are ignored."""
    return {split: [name for name in names if name in present] for split, names in listed.items()}


def official_split(path: Path, present: set[str]) -> dict[str, list[str]]:
    """The partition file's splits restricted to the images present, in the file's order."""
    return keep_present(read_partition(path), present)


def split_counts(listed: dict[str, list[str]], present: dict[str, list[str]]) -> dict:
    """{'train': {'listed': 162770, 'present': 8000}, ...}: how complete each split is."""
    return {split: {"listed": len(listed[split]), "present": len(present[split])}
            for split in listed}


def empty_split_message(split: str, folder: str, listed: int) -> str:
    return (f"dataset celeba: no image of the {split} partition is present in {folder} "
            f"(0 of {listed:,} listed); add them, or use a split that has images")


# ---------------------------------------------------------------- crop and resize


def crop_and_resize(image: Image.Image, crop: str, resize: str) -> np.ndarray:
    """The face crop of one aligned image resized to 64x64: uint8 [3, 64, 64]."""
    top, bottom, left, right = CROPS[crop]
    face = image.convert("RGB").crop((left, top, right, bottom))
    return np.asarray(face.resize((SIZE, SIZE), resample=RESIZES[resize])).transpose(2, 0, 1)


def read_face(path: Path, crop: str, resize: str) -> np.ndarray:
    try:
        with Image.open(path) as image:
            image.load()
            if image.size != ALIGNED_WH:
                raise UserError(f"{path} is {image.size[0]}x{image.size[1]}, not an aligned "
                                f"CelebA image (178x218); use img_align_celeba")
            return crop_and_resize(image, crop, resize)
    except (OSError, SyntaxError, ValueError) as exc:  # PIL's errors for truncated/garbled files
        raise UserError(f"{path} is not a readable image ({type(exc).__name__}); re-extract "
                        "CelebA's img_align_celeba") from None


def read_faces(folder: Path, names: list[str], crop: str, resize: str) -> torch.Tensor:
    """uint8 [N, 3, 64, 64], filled in place (the full train split is 2 GB), decoded by threads
    (PIL releases the GIL while decoding)."""
    out = np.empty((len(names), 3, SIZE, SIZE), dtype=np.uint8)

    def fill(index: int) -> None:
        out[index] = read_face(folder / names[index], crop, resize)

    with ThreadPoolExecutor(max_workers=min(8, os.cpu_count() or 1)) as pool:
        list(pool.map(fill, range(len(names))))
    return torch.from_numpy(out)


# ---------------------------------------------------------------- the cache


def check_variant(crop: str, resize: str) -> None:
    if crop not in CROPS:
        raise UserError(f"unknown CelebA crop '{crop}'; use one of {', '.join(CROPS)}")
    if resize not in RESIZES:
        raise UserError(f"unknown resize mode '{resize}'; use one of {', '.join(RESIZES)}")


def cache_path(crop: str, resize: str, cache_dir: str | Path | None = None) -> Path:
    folder = cache_dir or os.environ.get(CACHE_ENV) or DEFAULT_CACHE_DIR
    return Path(paths.celeba_cache(crop, resize, folder))


def prepare(root: Path, crop: str, resize: str, out: Path) -> dict:
    """Read, crop and resize the train and test splits once; write them with their provenance."""
    check_variant(crop, resize)
    listed, names = listed_and_present(root)
    folder = images_folder(root)
    tensors = {split: read_faces(folder, names[split], crop, resize) for split in ("train", "test")}
    partition = partition_file(root)
    provenance = {
        "source": str(folder), "crop": crop, "crop_box_rows_cols": list(CROPS[crop]),
        "resize": resize, "resize_impl": f"PIL {PIL.__version__} Image.resize", "size": SIZE,
        "split": str(partition),
        "counts": {split: len(present) for split, present in names.items()},
        "splits": split_counts(listed, names),  # a subset of CelebA shows here
    }
    atomic.write_torch(out, {**tensors, "provenance": provenance},
                       then="the cache is built again from the images")
    return provenance


def read_cache(path: Path, crop: str, resize: str) -> dict:
    try:
        cached = torch.load(path, map_location="cpu", weights_only=True)
        provenance = cached["provenance"]
    except Exception as exc:  # truncated zip, unpickling error, missing key
        raise UserError(f"{path} is corrupt ({type(exc).__name__}); delete it and it is rebuilt "
                        "from the images") from None
    if str(provenance.get("split", "")).startswith("sorted names"):
        # written by an older vaebench, which split a folder without its partition file by
        # sorted names: not the official test set
        raise UserError(f"{path} was split by sorted file names, not by CelebA's partition "
                        f"file; delete it, put list_eval_partition.txt beside img_align_celeba, "
                        f"and it is rebuilt")
    if (provenance.get("crop"), provenance.get("resize")) != (crop, resize):
        raise UserError(f"{path} holds crop {provenance.get('crop')} / resize "
                        f"{provenance.get('resize')}, not {crop} / {resize}; delete it")
    return cached


def load_split(root: Path, split: str, crop: str, resize: str,
               cache_dir: str | Path | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """Images of one split from the cache (built first if absent); labels are all 0 (CelebA's
    attributes are not used by these papers)."""
    path = cache_path(crop, resize, cache_dir)
    if not path.exists():
        images_folder(root)  # the missing-data error before any work
        prepare(root, crop, resize, path)
    images = cached_split(path, read_cache(path, crop, resize), split)
    return images, torch.zeros(len(images), dtype=torch.int64)


def cached_split(path: Path, cached: dict, split: str) -> torch.Tensor:
    """One split of a read cache. An empty split of a subset is refused here, when it is asked
    for, not at preparation: the other splits of the subset stay usable."""
    provenance = cached["provenance"]
    counts = provenance.get("splits", {}).get(split)  # absent from caches written before it
    if counts is not None and counts["present"] == 0:
        raise UserError(empty_split_message(split, provenance["source"], counts["listed"]))
    if split not in cached:
        raise UserError(f"{path} holds the train and test splits, not '{split}'; use one of those")
    return cached[split]


def standin(crop: str, resize: str, n: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Generated aligned-size images put through the same crop and resize, so `smoke` exercises
    the real pipeline (and the resize modes differ there too)."""
    faces = []
    for start in range(0, n, 256):  # bounded memory: the generator works in float at 218x178
        aligned, _ = images.standin((3, ALIGNED_WH[1], ALIGNED_WH[0]), min(256, n - start),
                               seed=seed * 100_003 + start)
        faces += [crop_and_resize(Image.fromarray(img.permute(1, 2, 0).numpy()), crop, resize)
                  for img in aligned]
    return torch.from_numpy(np.stack(faces)), torch.zeros(n, dtype=torch.int64)
