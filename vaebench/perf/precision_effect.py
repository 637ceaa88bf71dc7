"""What bf16 autocast does to a result, beside what it does to speed (`vaebench bench`).

The same short training run three times: fp32 and bf16 from one seed (same initialisation, batches
and reparameterisation noise, so only the rounding differs), and fp32 from a second seed, the
yardstick: a precision whose effect on the loss and on the FID of generated images is well inside
the seed-to-seed difference does not change what a quick run can conclude. The FIDs are at a small
N against the same number of test images, so only their differences mean anything. The losses
(nats per image, the last epoch's mean) are compared by difference too: with a learned decoder
variance the loss can be near zero or negative, where a relative change means nothing.
"""

import time

import torch

from vaebench import device as device_policy
from vaebench.eval import fid
from vaebench.eval.fid_reference import fid_of_features
from vaebench.train.config import TrainConfig

RUNS = (("fp32", 0), ("bf16", 0), ("fp32", 1))  # (precision, seed)


def measure(case: dict, device: str, data_root) -> dict:
    """The row's numbers: each run's final loss, samples/s and FID, and the two differences."""
    from vaebench.data import datasets as data

    settings = case["effect"]
    inception = fid.load_inception(device)
    test_images, _ = data.load(case["train"]["dataset"], "test", data_root)
    reference = fid.inception_features(test_images[:settings["fid_images"]], inception,
                                       device=device)
    mu_ref, sigma_ref = fid.activation_statistics(reference)
    results = {}
    for precision, seed in RUNS:
        loss, rate, images = train_and_sample(case, device, data_root, precision, seed)
        features = fid.inception_features(images, inception, device=device)
        results[(precision, seed)] = {"loss": loss, "samples_per_s": rate,
                                      "fid": fid_of_features(features, mu_ref, sigma_ref)}
    return summary(results)


def train_and_sample(case: dict, device: str, data_root, precision: str, seed: int
                     ) -> tuple[float, float, torch.Tensor]:
    """Train `effect.epochs` x `effect.steps_per_epoch` steps; (mean loss of the last epoch,
    samples/s, generated images)."""
    from vaebench.train.loop import Run, make_batches, train_epoch

    settings = case["effect"]
    images_per_epoch = settings["steps_per_epoch"] * case["train"]["batch_size"]
    cfg = TrainConfig.from_dict({**case["train"], "precision": precision, "seed": seed,
                                 "train_subset": images_per_epoch,
                                 "standin_size": max(images_per_epoch, settings["fid_images"]),
                                 "device": device,
                                 "data_root": str(data_root) if data_root else None})
    dev = device_policy.resolve(cfg.device)
    run, batches = Run(cfg, dev), make_batches(cfg, dev)
    torch.manual_seed(seed)  # the noise stream, the same for both precisions of a seed
    started = time.perf_counter()
    for run.epoch in range(settings["epochs"]):
        row = train_epoch(run, batches)
    rate = settings["epochs"] * images_per_epoch / (time.perf_counter() - started)
    return row["loss"], rate, generate(run, settings["fid_images"], seed)


@torch.no_grad()
def generate(run, n: int, seed: int) -> torch.Tensor:
    """Decoder means of z ~ N(0, I) through the run's forward (its precision), in [0, 1]."""
    z = torch.randn(n, run.model.latent_dim, generator=torch.Generator().manual_seed(seed))
    run.model.eval()
    out = torch.cat([run.forward.decode(part.to(run.device)) for part in z.split(256)])
    return run.likelihood.mean(out).clamp(0, 1).cpu()


def summary(results: dict) -> dict:
    fp32, bf16, other_seed = results[("fp32", 0)], results[("bf16", 0)], results[("fp32", 1)]
    return {"loss_fp32": fp32["loss"], "loss_bf16": bf16["loss"],
            "loss_fp32_seed1": other_seed["loss"],
            # differences, not ratios: a learned-variance loss can sit near zero or below it
            "loss_change_bf16": bf16["loss"] - fp32["loss"],
            "loss_change_seed": other_seed["loss"] - fp32["loss"],
            "fid_fp32": fp32["fid"], "fid_bf16": bf16["fid"], "fid_fp32_seed1": other_seed["fid"],
            "fid_change_bf16": bf16["fid"] - fp32["fid"],
            "fid_change_seed": other_seed["fid"] - fp32["fid"],
            "speedup_bf16": bf16["samples_per_s"] / fp32["samples_per_s"]}
