"""Benchmark of Occam training (SPEC 5): cost per step of each penalty/optimiser, and what it buys.

Baseline (same run, same model size, same minibatch size): a minimal hand-written PyTorch loop,
Adam on the mean squared error with ``torch.randperm`` minibatches, no logging, no checks. Every
``occam.train.train`` variant is timed with logging only at the end (``log_every = steps``), so the
ratio to the baseline is the price of the penalty (and of the trainer's NaN checks and masks).

Part 2 trains the demo task (smooth2d) to convergence with and without the ideal penalty and
reports test RMS error, R̃ on the test set, and nonzeros.

Timing: torch.set_num_threads(1), one warm-up, then ``--repeats`` interleaved rounds; medians.

    python benchmarks/bench_train.py [--steps 200 --repeats 3 --long-steps 2000]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import torch

import occam.complexity as C
from occam.defaults import TRAIN_DEFAULTS
from occam.nets import ResNet
from occam.report import atomic_write_text
from occam.tasks import get_task
from occam.train import TrainConfig, train

RESULTS = Path(__file__).resolve().parent / "results" / "train.md"

VARIANTS = [
    ("none", "adam", 0.0),
    ("l1", "adam", 1e-4),
    ("path", "adam", 1e-4),
    ("ideal", "adam", 1e-3),
    ("empirical", "adam", 1e-4),
    ("l1", "prox", 1e-4),
    ("ideal", "prox", 1e-3),
]


def baseline_loop(x: torch.Tensor, y: torch.Tensor, args: argparse.Namespace) -> ResNet:
    """Plain Adam on the MSE, the strongest simple baseline for the per-step cost."""
    model = ResNet(2, args.width, args.hidden, args.depth, 1, dtype=torch.float64, seed=0)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    gen = torch.Generator().manual_seed(0)
    perm, pos = torch.randperm(x.shape[0], generator=gen), 0
    for _ in range(args.steps):
        if pos + args.batch > x.shape[0]:
            perm, pos = torch.randperm(x.shape[0], generator=gen), 0
        rows = perm[pos : pos + args.batch]
        pos += args.batch
        opt.zero_grad(set_to_none=True)
        ((model(x[rows]) - y[rows]) ** 2).sum(dim=1).mean().backward()
        opt.step()
    return model


def config(args: argparse.Namespace, penalty: str, optimizer: str, lam: float, steps: int):
    return TrainConfig(
        width=args.width,
        hidden=args.hidden,
        depth=args.depth,
        penalty=penalty,
        optimizer=optimizer,
        lam=lam,
        lr=args.lr if optimizer == "adam" else 0.05,
        steps=steps,
        batch_size=args.batch,
        log_every=max(steps, 1),
        seed=0,
    )


def timing(args: argparse.Namespace) -> list[tuple[str, float, float]]:
    task = get_task("smooth2d")
    x, y, _, _ = task.train_test(args.n, 1, seed=0)
    xt, yt = torch.tensor(x), torch.tensor(y)
    methods = {"baseline: plain torch Adam loop": lambda: baseline_loop(xt, yt, args)}
    for penalty, optimizer, lam in VARIANTS:
        cfg = config(args, penalty, optimizer, lam, args.steps)
        methods[f"occam.train {optimizer}, penalty={penalty}"] = lambda cfg=cfg: train(
            x, y, cfg, progress=False
        )
    for fn in methods.values():  # warm-up (first optimiser step imports torch._dynamo)
        fn()
    times: dict[str, list[float]] = {name: [] for name in methods}
    for _ in range(args.repeats):
        for name, fn in methods.items():
            start = time.perf_counter()
            fn()
            times[name].append((time.perf_counter() - start) / args.steps)
    base = times["baseline: plain torch Adam loop"]
    rows = []
    for name, ts in times.items():
        ratio = statistics.median(t / b for t, b in zip(ts, base, strict=True))
        rows.append((name, statistics.median(ts) * 1e3, ratio))
    return rows


def quality(args: argparse.Namespace) -> list[tuple[str, float, float, int, float]]:
    task = get_task("smooth2d")
    x, y, x_te, y_te = task.train_test(args.n, 2000, seed=0)
    rows = []
    for penalty, optimizer, lam in [
        ("none", "adam", 0.0),
        ("ideal", "adam", 1e-3),
        ("ideal", "prox", 1e-2),
    ]:
        cfg = config(args, penalty, optimizer, lam, args.long_steps)
        cfg = cfg.model_copy(update={"lr_schedule": "cosine"})
        start = time.perf_counter()
        result = train(x, y, cfg, x_test=x_te, y_test=y_te, progress=False)
        seconds = time.perf_counter() - start
        with torch.no_grad():
            rtilde = float(C.ideal(result.model, torch.tensor(x_te)))
        rows.append(
            (
                f"{optimizer}, penalty={penalty}, λ={lam:g}",
                result.final["test_error"],
                rtilde,
                result.model.n_nonzero(),
                seconds,
            )
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--width", type=int, default=TRAIN_DEFAULTS.width)
    parser.add_argument("--hidden", type=int, default=TRAIN_DEFAULTS.hidden)
    parser.add_argument("--depth", type=int, default=TRAIN_DEFAULTS.depth)
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--long-steps", type=int, default=2000)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    torch.set_num_threads(1)

    command = "python benchmarks/bench_train.py " + " ".join(sys.argv[1:])
    lines = [
        "# Occam training (SPEC 5)",
        "",
        f"Command: `{command.strip()}`  ",
        f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
        f"torch {torch.__version__}, 1 thread; the CPU was shared with other jobs, so absolute "
        "times are noisy, ratios (interleaved rounds) less so.",
        "",
        f"## Cost per step (smooth2d, n={args.n}, ResNet w={args.width} k={args.hidden} "
        f"L={args.depth}, float64, batch {args.batch}, {args.steps} steps, median of "
        f"{args.repeats})",
        "",
        "| method | ms / step | × baseline |",
        "|---|---:|---:|",
    ]
    for name, ms, ratio in timing(args):
        lines.append(f"| {name} | {ms:.2f} | {ratio:.2f} |")
    lines += [
        "",
        f"## What the penalty buys (smooth2d, {args.long_steps} steps, cosine schedule, "
        "test n=2000)",
        "",
        "| run | test RMS error | R̃ (test) | nonzeros | seconds |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, err, rtilde, nnz, seconds in quality(args):
        lines.append(f"| {name} | {err:.4f} | {rtilde:.3f} | {nnz} | {seconds:.1f} |")
    text = "\n".join(lines) + "\n"
    print(text)
    if not args.no_write:
        atomic_write_text(RESULTS, text)


if __name__ == "__main__":
    main()
