"""Pruning quality and cost (SPEC 6; issue 2 items 6-7).

On the demo task (smooth2d) two ResNets (width 16, hidden 16, depth 3) are trained with Adam for
``--steps`` steps: one without penalty and one with the Occam penalty R̃ (λ = 1e-3). Each is pruned
to N = 10%, 20%, 30%, 50% of its parameters by

* the named baseline: global magnitude pruning, computed with ``torch.nn.utils.prune``
  (``global_unstructured`` with ``L1Unstructured``) on copies of the matrices; the benchmark checks
  that occam's ``magnitude_prune`` keeps the same entries;
* occam ``sensitivity`` (deterministic top-N of |θ_p|·‖∂_p f‖);
* occam ``importance`` (Bernoulli, rescaled; mean over ``--trials`` draws).

Quality: L² error against the unpruned net on 512 test points and the ratio to the baseline's
error at the same N (below 1 = better than magnitude pruning); for importance also the measured /
first-order-prediction ratio. Cost: CPU seconds (``time.process_time``, torch.set_num_threads(1))
of one importance draw including the error evaluation, against one ``global_unstructured`` call.

    python benchmarks/bench_prune.py [--steps 1500 --trials 20]
"""

from __future__ import annotations

import argparse
import platform
import shlex
import statistics
import sys
import time
from pathlib import Path

import torch
from torch import nn
from torch.nn.utils import prune as torch_prune

from occam.prune import magnitude_prune, output_error, prune_curve, sensitivity_prune
from occam.report import atomic_write_text
from occam.tasks import get_task
from occam.train import TrainConfig, train

RESULTS = Path(__file__).resolve().parent / "results" / "prune.md"
FRACTIONS = (0.1, 0.2, 0.3, 0.5)


class _Holder(nn.Module):
    """Copies of the ResNet matrices as plain parameters, for torch.nn.utils.prune."""

    def __init__(self, model) -> None:
        super().__init__()
        self.names = model.matrix_names()
        for name, matrix in model.named_matrices():
            self.register_parameter(name, nn.Parameter(matrix.detach().clone()))


def torch_magnitude_masks(model, n_keep: int) -> dict[str, torch.Tensor]:
    holder = _Holder(model)
    pairs = [(holder, name) for name in holder.names]
    torch_prune.global_unstructured(
        pairs, pruning_method=torch_prune.L1Unstructured, amount=model.n_parameters - n_keep
    )
    return {name: getattr(holder, f"{name}_mask").bool() for name in holder.names}


# The two nets of this benchmark (also trained by bench_prune_slopes.py): label, penalty, λ.
NETS = (("plain Adam", "none", 0.0), ("Occam R̃, λ=1e-3", "ideal", 1e-3))


def net_config(penalty: str, lam: float, steps: int) -> TrainConfig:
    """Training config of a benchmark net: smooth2d-sized ResNet 16/16/3, cosine Adam, seed 0."""
    return TrainConfig(
        width=16,
        hidden=16,
        depth=3,
        penalty=penalty,
        lam=lam,
        lr=1e-2,
        lr_schedule="cosine",
        steps=steps,
        batch_size=128,
        seed=0,
        log_every=steps,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=1500)
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    torch.set_num_threads(1)
    task = get_task("smooth2d")
    x_tr, y_tr, x_te, y_te = task.train_test(1024, 512, seed=0)
    x = torch.as_tensor(x_te)
    rows, cost = [], []
    for label, penalty, lam in NETS:
        config = net_config(penalty, lam, args.steps)
        model = train(x_tr, y_tr, config, x_test=x_te, y_test=y_te, progress=False).model
        reference = model(x).detach()
        P = model.n_parameters
        ns = [round(f * P) for f in FRACTIONS]
        curve = prune_curve(model, x, y_te, n_values=ns, trials=args.trials, seed=0)
        for n, point in zip(ns, curve.points, strict=True):
            masks = torch_magnitude_masks(model, n)
            ours = magnitude_prune(model, n)
            same = all(torch.equal(masks[k], ours.mask(k)) for k in masks)
            base = output_error(ours, reference, x)
            sens = output_error(sensitivity_prune(model, x, n), reference, x)
            rows.append(
                (
                    label,
                    n,
                    n / P,
                    base,
                    sens,
                    point.mean_error,
                    point.std_error,
                    point.predicted_first_order,
                    same,
                )
            )
        # cost of one importance draw (with its error evaluation) vs one torch global prune
        t_imp, t_torch = [], []
        for _ in range(5):
            t0 = time.process_time()
            prune_curve(model, x, n_values=[ns[1]], trials=args.trials, seed=1)
            t_imp.append((time.process_time() - t0) / args.trials)
            t0 = time.process_time()
            torch_magnitude_masks(model, ns[1])
            t_torch.append(time.process_time() - t0)
        cost.append((label, statistics.median(t_imp), statistics.median(t_torch)))

    lines = [
        "# Pruning benchmark (SPEC 6)",
        "",
        f"Command: `{shlex.join([sys.executable.split('/')[-1], *sys.argv])}`",
        "",
        f"Machine: {platform.machine()}, Python {platform.python_version()}, torch "
        f"{torch.__version__}, 1 torch thread; the 2-core machine was shared with other jobs "
        "(CPU time, not wall time, is reported).",
        "",
        "Task smooth2d, ResNet width 16, hidden 16, depth 3 (1601 parameters), "
        f"{args.steps} Adam steps; errors are L² distances to the unpruned net on 512 test "
        f"points; importance = mean ± std over {args.trials} Bernoulli draws.",
        "",
        "| net | N | N/P | magnitude (baseline) | sensitivity | sens./mag. | importance mean "
        "| ± std | imp./mag. | first order | imp./first order | masks = torch |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for label, n, frac, base, sens, imp, std, pred, same in rows:
        lines.append(
            f"| {label} | {n} | {frac:.0%} | {base:.4g} | {sens:.4g} | {sens / base:.3g} | "
            f"{imp:.4g} | {std:.3g} | {imp / base:.3g} | {pred:.4g} | "
            f"{imp / pred if pred > 0 else float('nan'):.3g} | {same} |"
        )
    lines += [
        "",
        "| net | importance draw + error (CPU ms) | torch global_unstructured (CPU ms) | ratio |",
        "|---|---|---|---|",
    ]
    for label, t_imp, t_torch in cost:
        lines.append(
            f"| {label} | {t_imp * 1e3:.3g} | {t_torch * 1e3:.3g} | {t_imp / t_torch:.3g} |"
        )
    text = "\n".join(lines) + "\n"
    atomic_write_text(args.out, text)
    print(text)


if __name__ == "__main__":
    main()
