"""Published checksums of datasets whose canonical files are known, so a file that is a valid
IDX file but not the canonical one (another version, a hand edit, a different dataset under the
same name) is refused instead of silently trained on.

MNIST: the MD5s of the four uncompressed IDX files of LeCun's distribution, as published by
several loaders (equal to the files torchvision unpacks). Fashion-MNIST: the MD5s of the four
uncompressed IDX files of Zalando's release (the .gz files' MD5s are in its README; these are of
their contents, as loaders that check the unpacked files publish them)."""

import hashlib
from pathlib import Path

from vaebench.errors import UserError

MD5 = {
    "mnist": {
        "train-images-idx3-ubyte": "6bbc9ace898e44ae57da46a324031adb",
        "train-labels-idx1-ubyte": "a25bea736e30d166cdddb491f175f624",
        "t10k-images-idx3-ubyte": "2646ac647ad5339dbf082846283269ea",
        "t10k-labels-idx1-ubyte": "27ae3e4e09519cfbb04c329615203637",
    },
    "fashion_mnist": {
        "train-images-idx3-ubyte": "f4a8712d7a061bf5bd6d2ca38dc4d50a",
        "train-labels-idx1-ubyte": "9018921c3c673c538a1fc5bad174d6f9",
        "t10k-images-idx3-ubyte": "8181f5470baa50b63fa0f6fddb340f0a",
        "t10k-labels-idx1-ubyte": "15d484375f8d13e6eb1aabb0c3f46965",
    },
}


def verify(dataset: str, folder: Path, files: tuple[str, ...]) -> None:
    """Each of `files` under `folder` against its published MD5, where one is known."""
    known = MD5.get(dataset, {})
    for name in files:
        if name not in known:
            continue
        digest = hashlib.md5((folder / name).read_bytes(), usedforsecurity=False).hexdigest()
        if digest != known[name]:
            raise UserError(f"{folder / name} is not the canonical {dataset} file (MD5 {digest}, "
                            f"published {known[name]}); replace it with the original download")
