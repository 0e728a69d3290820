"""PyTorch versions of origami's five benchmark workloads, written from the
workload specification (same SplitMix64 data and initial parameters, same
update rules, same timing rules) so both sides time identical work.

  python3 benches/reference/workloads.py w2          # one workload, one JSON line
  python3 benches/reference/compare.py               # both sides, ratio table

Needs `pip install torch numpy`. Run pinned to one core with one thread for
the 1-thread figures (compare.py does this).
"""
import json
import sys
import time

import numpy as np
import torch

import common
from common import timed


class Stream(common.Stream):
    """The shared stream, drawing torch tensors."""

    def uniform(self, shape, lo, hi):
        return torch.from_numpy(super().uniform(shape, lo, hi))


def report(workload, median_us, check, **extra):
    common.report("torch", workload, median_us, check, **extra)


def w0():
    for n in (256, 512, 1024, 2048):
        s = Stream(1000 + n)
        a, b = s.uniform((n, n), -1, 1), s.uniform((n, n), -1, 1)
        c = torch.empty(n, n)
        for _ in range(3):
            torch.mm(a, b, out=c)
        best, calls, start = float("inf"), 0, time.perf_counter()
        while calls < 5 or time.perf_counter() - start < 1.0:
            t = time.perf_counter()
            torch.mm(a, b, out=c)
            best, calls = min(best, time.perf_counter() - t), calls + 1
        print(json.dumps({"workload": "sgemm", "framework": "torch", "n": n, "gflops_best": round(2 * n ** 3 / best / 1e9, 1)}))


def mlp_step(params, x, y, lr, act):
    ps = [p.requires_grad_(True) for p in params]
    h = x
    for i in range(0, len(ps) - 2, 2):
        h = act(h @ ps[i] + ps[i + 1])
    loss = torch.nn.functional.cross_entropy(h @ ps[-2] + ps[-1], y)
    grads = torch.autograd.grad(loss, ps)
    with torch.no_grad():
        for p, g in zip(ps, grads):
            p.sub_(lr * g)
    return loss


def w1():
    s = Stream(1)
    x = s.uniform((2048, 2), -1, 1)
    y = ((x[:, 0] > 0) == (x[:, 1] > 0)).long()
    params = s.linear(2, 16) + s.linear(16, 16) + s.linear(16, 2)
    checks = {}

    def step(i):
        b = i % 64
        loss = mlp_step(params, x[32 * b:32 * b + 32], y[32 * b:32 * b + 32], 0.1, torch.tanh)
        if i in (0, 1, 2, 10, 100, 2199):
            checks[f"loss_step{i}"] = round(loss.item(), 6)
    report("mlp_tiny", timed(200, 2000, step), checks)


def sequences(s):
    """W2's 1,024 sequences and labels, the first draws of stream `s`."""
    labels, tokens = [], []
    for _ in range(1024):
        label = int(np.floor(s.u01(1)[0] * 4))
        u = s.u01(128).reshape(64, 2)
        tokens.append(np.where(u[:, 0] < 0.5, 16 * label + np.floor(16 * u[:, 1]), np.floor(64 * u[:, 1])).astype(np.int64))
        labels.append(label)
    return torch.from_numpy(np.stack(tokens)), torch.tensor(labels)


def clip_and_step(params, grads, velocity, i):
    """W2's update: global-norm clipping at 5, then momentum SGD (0.05, 0.9)."""
    norm = torch.sqrt(sum((g * g).sum() for g in grads))
    scale = min(1.0, 5.0 / (norm.item() + 1e-6))
    with torch.no_grad():
        for p, g, v in zip(params, grads, velocity):
            v.mul_(0.0 if i == 0 else 0.9).add_(g * scale)
            p.sub_(0.05 * v)


def w2_data():
    """The 1,024 sequences, their labels and E, W_xh, W_hh, b_h, W_o, b_o."""
    s = Stream(2)
    tokens, labels = sequences(s)
    bnd = 1 / np.sqrt(128)
    params = [s.uniform((64, 32), -1, 1), s.uniform((32, 128), -bnd, bnd), s.uniform((128, 128), -bnd, bnd),
              s.uniform((128,), -bnd, bnd), s.uniform((128, 4), -bnd, bnd), s.uniform((4,), -bnd, bnd)]
    return tokens, labels, params


def gated_data(gates, biases):
    """W5 (gates 4, one bias) or W6 (gates 3, two biases): the sequences,
    then E, W_ih, W_hh, the biases, W_o, b_o in the specification's layout."""
    s = Stream(2)
    tokens, labels = sequences(s)
    bnd = 1 / np.sqrt(128)
    params = [s.uniform((64, 32), -1, 1), s.uniform((32, 128 * gates), -bnd, bnd), s.uniform((128, 128 * gates), -bnd, bnd)]
    params += [s.uniform((128 * gates,), -bnd, bnd) for _ in range(biases)]
    params += [s.uniform((128, 4), -bnd, bnd), s.uniform((4,), -bnd, bnd)]
    return tokens, labels, params


def lstm_cell(p, x_proj, h, c):
    z = x_proj + h @ p[2]
    i, f, g, o = z.split(128, dim=1)
    c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
    return torch.sigmoid(o) * torch.tanh(c), c


def gru_cell(p, x_proj, h):
    gh = h @ p[2] + p[4]
    ir, iz, i_n = x_proj.split(128, dim=1)
    hr, hz, hn = gh.split(128, dim=1)
    r, z = torch.sigmoid(ir + hr), torch.sigmoid(iz + hz)
    n = torch.tanh(i_n + r * hn)
    return (1 - z) * n + z * h


def gated_loop(name, gates, biases):
    """W5/W6 as the formulas in a Python loop over 64 steps (the input
    projection of every step in one product first, as nn.LSTM/nn.GRU do)."""
    tokens, labels, params = gated_data(gates, biases)
    for p in params:
        p.requires_grad_(True)
    velocity = [torch.zeros_like(p) for p in params]
    checks = {}

    def step(i):
        b = i % 32
        toks, y = tokens[32 * b:32 * b + 32].t(), labels[32 * b:32 * b + 32]
        proj = params[0][toks] @ params[1] + params[3]  # [64, 32, gates·128]
        h = torch.zeros(32, 128)
        c = torch.zeros(32, 128)
        for t in range(64):
            if gates == 4:
                h, c = lstm_cell(params, proj[t], h, c)
            else:
                h = gru_cell(params, proj[t], h)
        loss = torch.nn.functional.cross_entropy(h @ params[-2] + params[-1], y)
        clip_and_step(params, torch.autograd.grad(loss, params), velocity, i)
        if i in (0, 1, 2, 10, 219):
            checks[f"loss_step{i}"] = round(loss.item(), 6)
    report(name, timed(20, 200, step), checks, variant="python loop")


def gated_fused(name, gates, biases):
    """W5 with nn.LSTM (bias_hh zero and frozen), W6 with nn.GRU (both
    biases): nn.Embedding + the cell + nn.Linear, torch.optim.SGD."""
    tokens, labels, params = gated_data(gates, biases)
    embedding, head = torch.nn.Embedding(64, 32), torch.nn.Linear(128, 4)
    cell = torch.nn.LSTM(32, 128) if gates == 4 else torch.nn.GRU(32, 128)
    with torch.no_grad():
        embedding.weight.copy_(params[0])
        cell.weight_ih_l0.copy_(params[1].t())
        cell.weight_hh_l0.copy_(params[2].t())
        cell.bias_ih_l0.copy_(params[3])
        cell.bias_hh_l0.copy_(params[4] if biases == 2 else torch.zeros(4 * 128))
        head.weight.copy_(params[-2].t())
        head.bias.copy_(params[-1])
    trained = [embedding.weight, cell.weight_ih_l0, cell.weight_hh_l0, cell.bias_ih_l0]
    if biases == 2:
        trained.append(cell.bias_hh_l0)
    else:
        cell.bias_hh_l0.requires_grad_(False)
    trained += [head.weight, head.bias]
    opt = torch.optim.SGD(trained, lr=0.05, momentum=0.9)
    checks = {}

    def step(i):
        b = i % 32
        toks, y = tokens[32 * b:32 * b + 32].t(), labels[32 * b:32 * b + 32]
        opt.zero_grad(set_to_none=True)
        out, state = cell(embedding(toks))
        h = state[0] if gates == 4 else state
        loss = torch.nn.functional.cross_entropy(head(h[0]), y)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(trained, 5.0)
        opt.step()
        if i in (0, 1, 2, 10, 219):
            checks[f"loss_step{i}"] = round(loss.item(), 6)
    report(name, timed(20, 200, step), checks, variant="nn.LSTM" if gates == 4 else "nn.GRU")


def w2():
    tokens, labels, params = w2_data()
    for p in params:
        p.requires_grad_(True)
    velocity = [torch.zeros_like(p) for p in params]
    checks = {}

    def step(i):
        b = i % 32
        toks, y = tokens[32 * b:32 * b + 32].t(), labels[32 * b:32 * b + 32]
        emb, w_xh, w_hh, b_h, w_o, b_o = params
        h = torch.zeros(32, 128)
        for t in range(64):
            h = torch.tanh(emb[toks[t]] @ w_xh + h @ w_hh + b_h)
        loss = torch.nn.functional.cross_entropy(h @ w_o + b_o, y)
        clip_and_step(params, torch.autograd.grad(loss, params), velocity, i)
        if i in (0, 1, 2, 10, 219):
            checks[f"loss_step{i}"] = round(loss.item(), 6)
    report("rnn", timed(20, 200, step), checks, variant="python loop")


def w2_fused():
    """W2 with nn.Embedding + nn.RNN (C++ loop over time) + nn.Linear; nn.RNN's
    second bias is zero and frozen so the maths equals the specification."""
    tokens, labels, (emb, w_xh, w_hh, b_h, w_o, b_o) = w2_data()
    embedding, rnn, head = torch.nn.Embedding(64, 32), torch.nn.RNN(32, 128), torch.nn.Linear(128, 4)
    with torch.no_grad():
        embedding.weight.copy_(emb)
        rnn.weight_ih_l0.copy_(w_xh.t())
        rnn.weight_hh_l0.copy_(w_hh.t())
        rnn.bias_ih_l0.copy_(b_h)
        rnn.bias_hh_l0.zero_()
        head.weight.copy_(w_o.t())
        head.bias.copy_(b_o)
    rnn.bias_hh_l0.requires_grad_(False)
    params = [embedding.weight, rnn.weight_ih_l0, rnn.weight_hh_l0, rnn.bias_ih_l0, head.weight, head.bias]
    opt = torch.optim.SGD(params, lr=0.05, momentum=0.9)
    checks = {}

    def step(i):
        b = i % 32
        toks, y = tokens[32 * b:32 * b + 32].t(), labels[32 * b:32 * b + 32]
        opt.zero_grad(set_to_none=True)
        out, h = rnn(embedding(toks))
        loss = torch.nn.functional.cross_entropy(head(h[0]), y)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 5.0)
        opt.step()
        if i in (0, 1, 2, 10, 219):
            checks[f"loss_step{i}"] = round(loss.item(), 6)
    report("rnn", timed(20, 200, step), checks, variant="nn.RNN")


def w3():
    s = Stream(3)
    x = s.uniform((2048, 784), 0, 1)
    y = torch.from_numpy(np.floor(s.u01(2048) * 10).astype(np.int64))
    params = s.linear(784, 1024) + s.linear(1024, 1024) + s.linear(1024, 10)
    checks = {}

    def step(i):
        b = i % 8
        loss = mlp_step(params, x[256 * b:256 * b + 256], y[256 * b:256 * b + 256], 0.01, torch.relu)
        if i in (0, 1, 2, 10, 219):
            checks[f"loss_step{i}"] = round(loss.item(), 6)
    report("mlp_wide", timed(20, 200, step), checks)


def w4():
    s = Stream(1)
    x = s.uniform((2048, 2), -1, 1)[:256]
    y = ((x[:, 0] > 0) == (x[:, 1] > 0)).long()
    params = [p.requires_grad_(True) for p in s.linear(2, 16) + s.linear(16, 16) + s.linear(16, 2)]
    vs, st = [], Stream(4)
    for p in params:
        vs.append(st.uniform(tuple(p.shape), -1, 1))

    def f():
        h = torch.tanh(x @ params[0] + params[1])
        h = torch.tanh(h @ params[2] + params[3])
        return torch.nn.functional.cross_entropy(h @ params[4] + params[5], y)

    grad_us = timed(200, 2000, lambda i: torch.autograd.grad(f(), params))

    def hvp(i):
        g = torch.autograd.grad(f(), params, create_graph=True)
        return torch.autograd.grad(g, params, grad_outputs=vs)
    hvp_us = timed(200, 2000, hvp)
    report("hvp", grad_us, {}, variant="grad")
    report("hvp", hvp_us, {}, variant="hvp_reverse_over_reverse", ratio_vs_grad=hvp_us / grad_us)


if __name__ == "__main__":
    torch.set_num_threads(int(sys.argv[2]) if len(sys.argv) > 2 else 1)
    torch.set_num_interop_threads(1)
    workloads = {"w0": [w0], "w1": [w1], "w2": [w2, w2_fused], "w3": [w3], "w4": [w4],
                 "w5": [lambda: gated_loop("lstm", 4, 1), lambda: gated_fused("lstm", 4, 1)],
                 "w6": [lambda: gated_loop("gru", 3, 2), lambda: gated_fused("gru", 3, 2)]}
    for run in workloads[sys.argv[1]]:
        run()
