"""PyTorch's L-BFGS on Rosenbrock from (-1.2, 1), in f64, with the strong-Wolfe
line search, tolerance_grad 1e-9 and tolerance_change 1e-14 (the rest at their
defaults): how many `step` calls, iterations and function evaluations until the
gradient norm is below 1e-6. (With the default tolerance_change of 1e-9 PyTorch
stalls: after 100 steps, 133 iterations and 142 evaluations, |g| is 3.6e-4,
because every step stops at once on the loss-change test.)
Printed here: steps=2 iterations=37 evaluations=46 grad_norm=3.331e-07.

Then without a line search (lr 1, then 0.5; max_iter 20, the rest at their
defaults), three `step` calls from the same start: the counts and the point
after each. Printed here, lr 1: 20 20 (-3.929095248880504e-01, 1.469680848935160e-01),
40 40 (2.404031472325156e-01, 5.297048748520570e-02),
60 60 (9.998033259127600e-01, 9.996078455480785e-01); lr 0.5:
20 20 (-6.274488003693928e-01, 3.654439410143084e-01),
40 40 (6.362944338168833e-01, 3.994190004641863e-01),
60 60 (9.999458371527927e-01, 9.998885689467901e-01).

Last, one `step` with the line search and tolerance_change 0.1, then 0.01.
Printed here:
0.1: 2 3 (-1.024531930346033e+00, 1.071619620266925e+00),
0.01: 2 4 (-1.028456574556235e+00, 1.068187455748677e+00).

The printed numbers are committed in crates/origami-optim/tests/suite/second_order.rs.
Rerun: .venv/bin/python scripts/lbfgs_rosenbrock.py (needs torch).
"""
import torch

x = torch.tensor([-1.2, 1.0], dtype=torch.float64, requires_grad=True)
opt = torch.optim.LBFGS([x], line_search_fn="strong_wolfe", tolerance_grad=1e-9, tolerance_change=1e-14)


def closure():
    opt.zero_grad()
    f = (1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2
    f.backward()
    return f


steps = 0
while True:
    opt.step(closure)
    steps += 1
    closure()
    if x.grad.norm() < 1e-6 or steps >= 100:
        break
state = opt.state[opt._params[0]]
print(f"steps={steps} iterations={state['n_iter']} evaluations={state['func_evals']} "
      f"x=({x[0].item():.12f}, {x[1].item():.12f}) grad_norm={x.grad.norm().item():.3e}")

for lr in [1.0, 0.5]:
    x = torch.tensor([-1.2, 1.0], dtype=torch.float64, requires_grad=True)
    opt = torch.optim.LBFGS([x], lr=lr, max_iter=20)
    for _ in range(3):
        opt.step(closure)
        state = opt.state[opt._params[0]]
        print(f"lr {lr}: {state['n_iter']} {state['func_evals']} ({x[0].item():.15e}, {x[1].item():.15e})")

for tolerance in [0.1, 0.01]:
    x = torch.tensor([-1.2, 1.0], dtype=torch.float64, requires_grad=True)
    opt = torch.optim.LBFGS([x], line_search_fn="strong_wolfe", tolerance_change=tolerance)
    opt.step(closure)
    state = opt.state[opt._params[0]]
    print(f"{tolerance}: {state['n_iter']} {state['func_evals']} ({x[0].item():.15e}, {x[1].item():.15e})")
