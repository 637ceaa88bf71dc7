"""The CelebA variants by name (face crop x resize mode) and where the user's copy is expected:
what planning needs to know of CelebA, without the image code (vaebench.data.celeba)."""

from pathlib import Path

CROPS = {"crop128": (45, 173, 25, 153), "crop140": (39, 179, 19, 159)}  # top, bottom, left, right
RESIZE_MODES = ("nearest", "bilinear", "bicubic")
DEFAULT_CROP, DEFAULT_RESIZE = "crop128", "bilinear"
SIZE = 64
HOW_TO = ("put CelebA's aligned images there (<root>/celeba/img_align_celeba/*.jpg, "
          "list_eval_partition.txt beside the folder; torchvision.datasets.CelebA(root, "
          "download=True) or Kaggle's jessicali9530/celeba-dataset give this) and set data_root "
          "or VAEBENCH_DATA to <root>")


def variant_name(crop: str, resize: str) -> str:
    """'celeba' for the default crop and resize; otherwise the non-default parts appended."""
    parts = ["celeba"] + [part for part, default in ((crop, DEFAULT_CROP),
                                                     (resize, DEFAULT_RESIZE)) if part != default]
    return "_".join(parts)


VARIANTS = {variant_name(crop, resize): (crop, resize) for crop in CROPS
            for resize in RESIZE_MODES}


def missing_message(root: Path) -> str:
    return f"dataset celeba not found at {Path(root) / 'celeba' / 'img_align_celeba'}; {HOW_TO}"
