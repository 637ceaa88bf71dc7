"""Weight initialisation as the authors' frameworks did it (a named training option, `init`).

`torch`: PyTorch's layer defaults (Kaiming-uniform with a = sqrt(5), biases uniform in
±1/sqrt(fan_in)). `keras_glorot`: Keras' and TensorFlow's defaults, which Asperti (Keras), Asperti
& Trentin (TF1/Keras) and Dai et al.'s lab code (TensorFlow) trained with: Glorot-uniform kernels,
limit sqrt(6 / (fan_in + fan_out)), and zero biases. Batch-norm layers start at scale 1, shift 0
in both. For a deep plain MLP the choice decides how much of the output depends on the input at
the start, so a depth sweep must say which it used.
"""

import torch
from torch import nn

INITS = ("torch", "keras_glorot")
WEIGHTED = (nn.Linear, nn.Conv1d, nn.Conv2d, nn.ConvTranspose2d)


@torch.no_grad()
def initialise(model: nn.Module, init: str) -> None:
    """Re-initialise every dense and convolutional layer of `model` by the named scheme."""
    if init == "torch":
        return  # the layers were built so
    for layer in model.modules():
        if isinstance(layer, WEIGHTED):
            # torch's fans for a transposed conv's (in, out, k, k) weight equal Keras' for its
            # (k, k, out, in) kernel, and Glorot's limit is symmetric in them anyway
            nn.init.xavier_uniform_(layer.weight)
            if layer.bias is not None:
                nn.init.zeros_(layer.bias)
