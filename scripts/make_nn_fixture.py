"""Writes crates/origami-nn/tests/fixtures/pytorch_modules.safetensors.

PyTorch's outputs and gradients for Dense (nn.Linear), Elman RNN, GRU, LSTM
and a 2-layer bidirectional GRU, with fixed weights and inputs, so that
origami's tests can check that the same weights give the same numbers.
For each module `m` the file holds:
  m.<param>        the weights, under PyTorch's (and origami's) names
  m.input          the input ([batch, in] for dense; [time, batch, in] otherwise)
  m.cotangent      a fixed random tensor r shaped like the output
  m.output         the output (all time steps for the recurrent nets)
  m.grad.<param>   d(sum(output * r)) / d param
  m.grad.input     d(sum(output * r)) / d input

Rerun (needs torch and safetensors; CI does not):
  python3 -m venv .venv && .venv/bin/pip install torch safetensors numpy
  .venv/bin/python scripts/make_nn_fixture.py
"""
import pathlib

import torch
from safetensors.torch import save_file

torch.manual_seed(20261127)
OUT = pathlib.Path(__file__).resolve().parent.parent / "crates/origami-nn/tests/fixtures/pytorch_modules.safetensors"
T, B = 5, 3
tensors = {}


def record(prefix, module, x):
    x = x.clone().requires_grad_(True)
    y = module(x)
    if isinstance(y, tuple):
        y = y[0]  # recurrent nets: the output at every step
    r = torch.randn_like(y)
    (y * r).sum().backward()
    for name, p in module.named_parameters():
        tensors[f"{prefix}.{name}"] = p.detach().clone()
        tensors[f"{prefix}.grad.{name}"] = p.grad.detach().clone()
    tensors[f"{prefix}.input"] = x.detach().clone()
    tensors[f"{prefix}.cotangent"] = r
    tensors[f"{prefix}.output"] = y.detach().clone()
    tensors[f"{prefix}.grad.input"] = x.grad.detach().clone()


record("dense", torch.nn.Linear(5, 3), torch.randn(4, 5))
record("rnn", torch.nn.RNN(4, 6, nonlinearity="tanh"), torch.randn(T, B, 4))
record("gru", torch.nn.GRU(4, 6), torch.randn(T, B, 4))
record("lstm", torch.nn.LSTM(4, 6), torch.randn(T, B, 4))
record("bigru", torch.nn.GRU(4, 3, num_layers=2, bidirectional=True), torch.randn(T, B, 4))

OUT.parent.mkdir(parents=True, exist_ok=True)
save_file({k: v.contiguous() for k, v in tensors.items()}, str(OUT))
print(f"wrote {len(tensors)} tensors to {OUT}")
