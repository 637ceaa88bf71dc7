"""Asperti & Trentin 2020, CelebA half: the L2 option of the two-stage ResNet (models 2 and 3 of
Table 3, Table 4), and the builders of table3, table4, figure3 and appendix_resize on tiny runs.
The artifacts' YAML is benchmarks/asperti2020.yaml."""

import pytest
import torch

from vaebench.config import TrainConfig
from vaebench.errors import UserError
from vaebench.models import build_model
from vaebench.train import l2_penalty, l2_terms


def tiny_resnet(**arch):
    return build_model("two_stage_resnet", (3, 16, 16), latent_dim=4, num_scale=2, base_dim=4,
                       fc_dim=8, **arch)


def gradients(model, loss) -> dict:
    model.zero_grad()
    loss.backward()
    return {name: p.grad.clone() for name, p in model.named_parameters() if p.grad is not None}


# ---------------------------------------------------------------- L2 on weight groups


def test_l2_groups_name_the_strided_and_scale_convs():
    model = tiny_resnet()
    groups = model.l2_groups()
    assert [w.shape for w in groups["encoder_downsample"]] == [(8, 4, 3, 3)]  # 4 -> 8 channels
    ups = [m for m in model.decoder if isinstance(m, torch.nn.ConvTranspose2d)]
    assert [id(w) for w in groups["decoder_upsample"]] == [id(m.weight) for m in ups]
    # a scale block of 1 residual block: 2 convs + the conv shortcut, kernels only (no biases)
    assert len(groups["encoder_scale"]) == 2 * 3 and all(w.dim() == 4
                                                         for w in groups["encoder_scale"])
    deeper = tiny_resnet(blocks_per_scale=2).l2_groups()
    assert len(deeper["encoder_scale"]) == 2 * len(groups["encoder_scale"])
    every = {id(w) for ws in groups.values() for w in ws}
    assert len(every) == sum(len(ws) for ws in groups.values())  # the groups do not overlap


def test_l2_adds_2_coef_w_to_the_regularised_kernels_only():
    torch.manual_seed(0)
    model = tiny_resnet()
    model.eval()  # BN in inference mode: the two forward passes are the same function
    x = torch.rand(5, 3, 16, 16)
    mu, _ = model.encode(x)
    plain = gradients(model, (model.decode(mu) - x).pow(2).sum())
    terms = l2_terms(model, {"decoder_upsample": 1e-3, "decoder_scale": 1e-3})
    mu, _ = model.encode(x)
    regularised = gradients(model, (model.decode(mu) - x).pow(2).sum() + l2_penalty(terms))
    decoder = {id(w) for _, ws in terms for w in ws}
    changed = 0
    for name, p in model.named_parameters():
        if id(p) in decoder:
            assert torch.allclose(regularised[name] - plain[name], 2e-3 * p.detach(), atol=1e-6)
            changed += 1
        elif name in plain:  # encoder, biases, BN, dense layers: untouched by the decoder's L2
            assert torch.allclose(regularised[name], plain[name], atol=1e-6)
    assert changed == len(decoder) > 0


def test_l2_penalty_is_keras_l2():
    model = tiny_resnet()
    terms = l2_terms(model, {"encoder_downsample": 0.5})
    (kernel,) = model.l2_groups()["encoder_downsample"]
    assert float(l2_penalty(terms)) == pytest.approx(0.5 * float(kernel.pow(2).sum()))


def test_unknown_l2_group_and_bad_coefficients_are_user_errors():
    with pytest.raises(UserError, match="no weight group"):
        l2_terms(tiny_resnet(), {"decoder": 1e-3})
    with pytest.raises(UserError, match="l2_reg"):
        TrainConfig.from_dict({"dataset": "standin_celeba", "model": "two_stage_resnet",
                               "l2_reg": {"decoder_scale": -1.0}})


def test_l2_left_off_keeps_an_old_runs_identity():
    base = {"dataset": "standin_celeba", "model": "two_stage_resnet"}
    assert "l2_reg" not in TrainConfig.from_dict(base).identity()
    on = TrainConfig.from_dict({**base, "l2_reg": {"decoder_scale": 1e-3}}).identity()
    assert on["l2_reg"] == {"decoder_scale": 1e-3}
