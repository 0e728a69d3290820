"""PyTorch's L-BFGS (torch.optim.LBFGS) in f64: two `step` calls per run.

Rosenbrock from three starting points, under settings chosen so that each of
its stopping rules ends some of the runs (the iteration and evaluation
budgets, the gradient tolerance, the step and loss-change tolerances), with
and without the strong-Wolfe line search, at three rates (the smallest makes
the first searches extrapolate, so the evaluation budget cuts them short),
and with a short history. Then a few runs on half the squared norm where a
tolerance is met exactly, to pin the strict comparisons PyTorch makes.

Writes crates/origami-optim/tests/fixtures/lbfgs.tsv (iterations, evaluations
and the point after each call), which crates/origami-optim/tests/suite/lbfgs.rs replays.
Rerun: .venv/bin/python scripts/lbfgs_cases.py (needs torch).
"""
from pathlib import Path

import torch


def rosenbrock(x):
    return (1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2


def half_square(x):
    return (x ** 2).sum() / 2


functions = {"rosenbrock": rosenbrock, "half_square": half_square}
header = ("function\tx0\tx1\tline_search\tlr\tmax_iter\tmax_eval\ttolerance_grad\ttolerance_change\thistory"
          "\titerations1\tevaluations1\ty0_1\ty1_1\titerations2\tevaluations2\ty0_2\ty1_2")
runs = []
settings = []
for line_search in [True, False]:
    for lr in [1.0, 0.3, 0.01]:
        for max_iter, max_eval in [(20, 25), (6, 8), (10, 4)]:
            for tolerance_grad, tolerance_change in [(1e-7, 1e-9), (5.0, 1e-9), (1e-7, 0.05), (1e-7, 2.0)]:
                for history in [100, 2]:
                    settings.append((line_search, lr, max_iter, max_eval, tolerance_grad, tolerance_change, history))
for start in [(-1.2, 1.0), (0.0, 0.0), (1.5, 2.0)]:
    runs += [("rosenbrock", start, *s) for s in settings]
# Half the squared norm, where the first direction is -x: from (0.5, 0) the
# directional derivative is -0.25, equal to -tolerance_change (PyTorch goes
# on while it is not above); from (1, 0) at rate 0.5 the loss falls by
# 0.375, equal to tolerance_change (PyTorch stops only below it).
for line_search in [True, False]:
    runs.append(("half_square", (0.5, 0.0), line_search, 1.0, 20, 25, 1e-7, 0.25, 100))
    runs.append(("half_square", (1.0, 0.0), line_search, 0.5, 20, 25, 1e-7, 0.375, 100))

rows = [header]
for name, (x0, x1), line_search, lr, max_iter, max_eval, tolerance_grad, tolerance_change, history in runs:
    f = functions[name]
    x = torch.tensor([x0, x1], dtype=torch.float64, requires_grad=True)
    opt = torch.optim.LBFGS([x], lr=lr, max_iter=max_iter, max_eval=max_eval,
                            tolerance_grad=tolerance_grad, tolerance_change=tolerance_change,
                            history_size=history,
                            line_search_fn="strong_wolfe" if line_search else None)

    def closure():
        opt.zero_grad()
        loss = f(x)
        loss.backward()
        return loss

    out = [name] + [repr(v) for v in (x0, x1)] + [
        str(int(line_search)), repr(lr), str(max_iter), str(max_eval),
        repr(tolerance_grad), repr(tolerance_change), str(history)]
    for _ in range(2):
        opt.step(closure)
        state = opt.state[opt._params[0]]
        out += [str(state.get("n_iter", 0)), str(state.get("func_evals", 1)),
                repr(x[0].item()), repr(x[1].item())]
    rows.append("\t".join(out))
path = Path(__file__).parent.parent / "crates/origami-optim/tests/fixtures/lbfgs.tsv"
path.write_text("\n".join(rows) + "\n")
print(f"{len(rows) - 1} runs written to {path}")
