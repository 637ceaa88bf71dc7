"""The standard PyTorch data recipe the benchmark compares vaebench's loop against.

- Image datasets on disk: the torchvision dataset class with a `ToTensor` transform (a PIL image
  and a float tensor per sample, in Python) and `DataLoader(shuffle=True)`, as the tutorials do.
- Stand-ins (no torchvision class): `PerSampleImages` does per item exactly what
  torchvision.datasets.CIFAR10.__getitem__ does (uint8 HWC array → PIL image → ToTensor).
- Sampled 2-D data (Berger & Sebag): the usual recipe draws a training set once and iterates a
  `TensorDataset` with `DataLoader(shuffle=True)`; vaebench draws fresh batches every step.
"""

import torch
from torch.utils.data import DataLoader, Dataset, Subset, TensorDataset

from vaebench.data import datasets as data
from vaebench.train.config import TrainConfig

TORCHVISION_CLASSES = {"mnist": "MNIST", "fashion_mnist": "FashionMNIST", "cifar10": "CIFAR10",
                       "cifar100": "CIFAR100"}


class PerSampleImages(Dataset):
    """uint8 images served one PIL image at a time through a transform, like torchvision's."""

    def __init__(self, images: torch.Tensor, labels: torch.Tensor, transform):
        self.images = images.permute(0, 2, 3, 1).numpy()  # HWC, as torchvision keeps CIFAR
        self.labels, self.transform = labels.tolist(), transform

    def __len__(self) -> int:
        return len(self.images)

    def __getitem__(self, index: int):
        from PIL import Image

        image = self.images[index]
        image = Image.fromarray(image[..., 0] if image.shape[-1] == 1 else image)
        return self.transform(image), self.labels[index]


def dataset(cfg: TrainConfig, n: int, data_root) -> Dataset:
    """The first `n` training examples of the config's dataset, the standard way."""
    import torchvision

    to_tensor = torchvision.transforms.ToTensor()
    if data.is_sampled(cfg.dataset):
        points = data.sample(cfg.dataset, n, torch.Generator().manual_seed(cfg.seed),
                             cfg.dataset_args)
        return TensorDataset(points)
    if cfg.dataset in TORCHVISION_CLASSES:
        cls = getattr(torchvision.datasets, TORCHVISION_CLASSES[cfg.dataset])
        full = cls(str(data.resolve_data_root(data_root)), train=True, transform=to_tensor)
        return Subset(full, range(n))
    images, labels = data.load(cfg.dataset, "train", data_root, standin_size=cfg.standin_size)
    return PerSampleImages(images[:n], labels[:n], to_tensor)


def loader(cfg: TrainConfig, n: int, data_root) -> DataLoader:
    """Same batch size as vaebench's loop; reshuffled every epoch; main-process loading (the
    default num_workers=0: on 2 shared cores, worker processes compete with the training)."""
    generator = torch.Generator().manual_seed(cfg.seed)
    return DataLoader(dataset(cfg, n, data_root), batch_size=cfg.batch_size, shuffle=True,
                      generator=generator)
