"""Top-level commands ``occam train``, ``occam complexity``, ``occam prune`` and ``occam demo``
(issue 2 item 7; SPEC 5, 4, 6, 14).

Bad input is reported as a one-line message naming the argument (exit code 2), never a traceback.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from occam.cli._errors import UsageError, os_error_message, user_errors
from occam.defaults import TRAIN_DEFAULTS as _TD
from occam.errors import OccamError

console = Console()
wide_console = Console(width=max(console.width, 132))  # tables are wider than 80 columns

PENALTY_CHOICES = ("ideal", "empirical", "l1", "l2", "path", "none")
OPTIMIZER_CHOICES = ("adam", "sgd", "prox")
LOSS_CHOICES = ("mse", "logistic")


@contextmanager
def _clean_errors() -> Iterator[None]:
    """Report user errors as one line (exit code 2): every ``OccamError`` and OS refusal on a
    user's path (:func:`occam.cli._errors.user_errors`), and the ``ValueError`` with which the
    library refuses an argument value passed on from the command line. Other exceptions are bugs
    and keep their traceback."""
    with user_errors():
        try:
            yield
        except OccamError:
            raise
        except ValueError as exc:
            raise UsageError(str(exc)) from None


def _choice(value: str, choices: tuple[str, ...], option: str) -> str:
    if value not in choices:
        raise UsageError(f"{option}: expected one of {', '.join(choices)}; got {value!r}")
    return value


def _positive_int(value: int, option: str, minimum: int = 1) -> int:
    if value < minimum:
        raise UsageError(f"{option}: expected an integer >= {minimum}; got {value}")
    return value


def _set_threads(threads: int) -> None:
    import torch

    torch.set_num_threads(_positive_int(threads, "--threads"))


def _parse_params(items: list[str]) -> dict[str, Any]:
    """``key=value`` task parameters (values parsed as JSON when possible)."""
    params: dict[str, Any] = {}
    for item in items:
        key, sep, raw = item.partition("=")
        if not sep or not key:
            raise UsageError(f"--param: expected key=value; got {item!r}")
        try:
            params[key] = json.loads(raw)
        except json.JSONDecodeError:
            params[key] = raw
    return params


def _parse_columns(spec: str | None, option: str) -> list[int | str] | None:
    """Comma-separated columns: an item that reads as an integer is a 0-based index (negative
    counts from the end), any other item a column name of the file's header (as in the Python
    API, ``load_data(x_cols=...)``)."""
    if spec is None:
        return None
    items: list[int | str] = []
    for raw in spec.split(","):
        item = raw.strip()
        if not item:
            continue
        try:
            items.append(int(item))
        except ValueError:
            items.append(item)
    if not items:
        raise UsageError(
            f"{option}: expected comma-separated column indices or names; got {spec!r}"
        )
    return items


def _load_task(
    task: str | None,
    data: Path | None,
    params: dict[str, Any],
    x_cols: list[int | str] | None = None,
    y_cols: list[int | str] | None = None,
    header: bool | None = None,
):
    from occam.tasks import get_task, load_data

    if (task is None) == (data is None):
        raise UsageError("TASK / --data: give exactly one of a task name or --data FILE")
    if data is not None:
        if not data.exists():
            raise UsageError(f"--data: file {str(data)!r} does not exist")
        return load_data(data, x_cols, y_cols, header=header)
    try:
        return get_task(task, **params)
    except (TypeError, ValueError) as exc:  # unknown task or a bad --param value
        raise UsageError(f"TASK / --param: {exc}") from None


def _task_from_meta(meta: dict[str, Any], path: Path):
    """Rebuild the task a saved model was trained on (from ``occam train``/``occam demo`` meta)."""
    if meta.get("data"):
        data = Path(meta["data"])
        _check_data_fingerprint(data, meta.get("data_sha256"), path)
        return _load_task(
            None, data, {}, meta.get("x_cols"), meta.get("y_cols"), meta.get("header")
        )
    if meta.get("task"):
        return _load_task(meta["task"], None, dict(meta.get("task_params") or {}))
    raise UsageError(
        f"CHECKPOINT: {path} does not record its task; pass --task NAME or --data FILE"
    )


def _check_data_fingerprint(data: Path, recorded: str | None, checkpoint: Path) -> None:
    """Refuse to evaluate a model on its training file after that file was edited."""
    from occam.tasks.data import file_fingerprint

    if recorded is None or not data.is_file():
        return  # an older run without a fingerprint; a missing file is reported by load_data
    if file_fingerprint(data) != recorded:
        raise UsageError(
            f"CHECKPOINT: {checkpoint} was trained on {data}, which has changed since (its "
            "SHA-256 differs); pass --data FILE to evaluate on a file's current contents"
        )


def _load_checkpoint(path: Path):
    """(model, meta) of a saved model; refuses unreadable files and non-finite weights."""
    from occam.complexity._common import check_finite_model
    from occam.train import load_model

    if not path.exists():
        raise UsageError(f"CHECKPOINT: file {str(path)!r} does not exist")
    try:
        model, meta = load_model(path)
        check_finite_model(model, name=str(path))
    except OccamError as exc:  # CheckpointError or NonFiniteModelError; both name the file
        raise UsageError(f"CHECKPOINT: {exc}") from None
    return model, meta


def _eval_data(
    model,
    meta: dict[str, Any],
    path: Path,
    task: str | None,
    data: Path | None,
    n_test: int | None,
    seed: int | None,
):
    """Test sample (x, y) and domain for a saved model: from its meta, or from --task/--data."""
    if task is not None or data is not None:
        t = _load_task(task, data, {})
    else:
        t = _task_from_meta(meta, path)
    if (t.d_in, t.d_out) != (model.config.d_in, model.config.d_out):
        raise UsageError(
            f"--task/--data: the task has d_in={t.d_in}, d_out={t.d_out} but the model has "
            f"d_in={model.config.d_in}, d_out={model.config.d_out}"
        )
    n_train = int(meta.get("n_train", 1))
    n_te = int(n_test if n_test is not None else meta.get("n_test", 1024))
    s = int(seed if seed is not None else meta.get("seed", 0))
    if t.is_data:
        n_rows = t.n_data
        n_train = min(n_train, max(n_rows - 1, 1))
        n_te = min(n_te, n_rows - n_train)
        if n_te < 1:
            raise UsageError(
                f"{t.name}: all {n_rows} rows were used for training; no test rows are left "
                "(pass --data FILE with held-out data)"
            )
    _, _, x_te, y_te = t.train_test(n_train, n_te, seed=s)
    return t, x_te, y_te


def _summary_table(title: str, rows: dict[str, dict[str, Any]]) -> Table:
    from occam.report import format_value
    from occam.report.summary import COLUMN_TITLES, SUMMARY_COLUMNS

    table = Table(title=title)
    table.add_column("run")
    for col in SUMMARY_COLUMNS:
        table.add_column(COLUMN_TITLES[col], justify="right")
    for name, row in rows.items():
        table.add_row(name, *(format_value(row[c]) for c in SUMMARY_COLUMNS))
    return table


# -- occam train -----------------------------------------------------------------------------------
# Over 80 lines only through its typer option declarations (one per TrainConfig field); the
# body builds the config and calls occam.train.
def train_cmd(
    task: str = typer.Argument(None, help="Built-in task name (see --list-tasks), or use --data."),
    data: Path = typer.Option(None, "--data", help="CSV or NPZ data file instead of a task."),
    x_cols: str = typer.Option(None, "--x-cols", help="Input columns of --data, e.g. 0,1."),
    y_cols: str = typer.Option(None, "--y-cols", help="Output columns of --data, e.g. 2."),
    param: list[str] = typer.Option([], "--param", help="Task parameter key=value (repeatable)."),
    width: int = typer.Option(_TD.width, "--width", help="Width w of the residual stream."),
    hidden: int = typer.Option(_TD.hidden, "--hidden", help="Hidden dimension k of each block."),
    depth: int = typer.Option(_TD.depth, "--depth", help="Number of residual blocks L."),
    penalty: str = typer.Option(
        _TD.penalty, "--penalty", help="ideal, empirical, l1, l2, path, none."
    ),
    lam: float = typer.Option(_TD.lam, "--lam", help="Penalty weight λ >= 0."),
    optimizer: str = typer.Option(_TD.optimizer, "--optimizer", help="adam, sgd or prox."),
    lr: float = typer.Option(_TD.lr, "--lr", help="Learning rate."),
    steps: int = typer.Option(_TD.steps, "--steps", help="Optimisation steps."),
    batch_size: int = typer.Option(
        _TD.batch_size, "--batch-size", help="Minibatch size (0: full batch)."
    ),
    loss: str = typer.Option(None, "--loss", help="mse or logistic (default: the task's)."),
    n_train: int = typer.Option(
        None, "--n-train", help="Training points (default: 1024; --data: 80% of the rows)."
    ),
    n_test: int = typer.Option(
        None, "--n-test", help="Test points (default: 1024; --data: the other rows)."
    ),
    header: bool = typer.Option(
        None,
        "--header/--no-header",
        help="--data CSV: line 1 names the columns / is data (default: detect).",
    ),
    checkpoint_every: int = typer.Option(
        _TD.checkpoint_every,
        "--checkpoint-every",
        help="Save OUT/checkpoint.pt every this many steps (0: only at the end); rerunning the "
        "same command resumes from it.",
    ),
    seed: int = typer.Option(0, "--seed", help="Seed of data, initialisation and batches."),
    out: Path = typer.Option(Path("occam-train"), "--out", help="Output folder."),
    threads: int = typer.Option(1, "--threads", help="torch CPU threads (1 suits small nets)."),
    list_tasks: bool = typer.Option(False, "--list-tasks", help="List the built-in tasks."),
) -> None:
    """Train a ResNet with the Occam objective (SPEC 5); writes model.pt and history.json."""
    with _clean_errors():
        from occam.tasks import list_tasks as _list

        if list_tasks:
            for name in _list():
                console.print(name)
            return
        _set_threads(threads)
        _choice(penalty, PENALTY_CHOICES, "--penalty")
        _choice(optimizer, OPTIMIZER_CHOICES, "--optimizer")
        if loss is not None:
            _choice(loss, LOSS_CHOICES, "--loss")
        if not (math.isfinite(lam) and lam >= 0):
            raise UsageError(f"--lam: expected a finite number >= 0; got {lam}")
        if not (math.isfinite(lr) and lr > 0):
            raise UsageError(f"--lr: expected a finite number > 0; got {lr}")
        _positive_int(steps, "--steps", 0)
        _positive_int(batch_size, "--batch-size", 0)
        _positive_int(checkpoint_every, "--checkpoint-every", 0)
        if n_train is not None:
            _positive_int(n_train, "--n-train")
        if n_test is not None:
            _positive_int(n_test, "--n-test", 0)
        _positive_int(seed, "--seed", 0)
        xc, yc = _parse_columns(x_cols, "--x-cols"), _parse_columns(y_cols, "--y-cols")
        params = _parse_params(param)
        t = _load_task(task, data, params, xc, yc, header)
        n_train, n_test = _split_sizes(t, n_train, n_test)
        _prepare_out(out)  # an unwritable --out is refused before training, not after
        config = _train_config(
            width=width,
            hidden=hidden,
            depth=depth,
            penalty=penalty,
            lam=lam,
            optimizer=optimizer,
            lr=lr,
            steps=steps,
            batch_size=batch_size or None,
            loss=loss or t.default_loss,
            seed=seed,
            log_every=max(1, steps // 50),
            checkpoint_every=checkpoint_every,
        )
        source = {
            "task": None if data is not None else task,
            "task_params": params,
            "data": None if data is None else str(Path(data).resolve()),
            "data_sha256": t.params.get("sha256") if data is not None else None,
            "header": header,
            "x_cols": xc,
            "y_cols": yc,
        }
        _run_train(t, config, source, n_train, n_test, out)


def _train_config(**fields: Any):
    """TrainConfig from CLI values; a validation error names the field as its CLI option."""
    from occam.train import TrainConfig

    try:
        return TrainConfig(**fields)
    except ValueError as exc:  # pydantic
        errors = getattr(exc, "errors", lambda: [])()
        if errors:
            e = errors[0]
            field = "-".join(str(v) for v in e.get("loc", ())).replace("_", "-")
            raise UsageError(f"--{field}: {e.get('msg')}" if field else e.get("msg")) from None
        raise


def _run_train(t, config, source: dict[str, Any], n_train: int, n_test: int, out: Path) -> None:
    """Train on task ``t`` and write model.pt (with ``source`` and the split in its meta) and
    history.json into ``out``."""
    from occam.report import format_value, write_json
    from occam.train import TrainingInterrupted, save_model, train

    x_tr, y_tr, x_te, y_te = t.train_test(n_train, n_test, seed=config.seed)
    test = {"x_test": x_te, "y_test": y_te} if n_test > 0 else {}
    console.print(f"training on {t.name}: {t.description}")
    checkpoint = out / "checkpoint.pt"
    _announce_resume(checkpoint)
    start = time.perf_counter()
    try:
        result = train(x_tr, y_tr, config, progress=True, checkpoint=checkpoint, **test)
    except TrainingInterrupted as stop:
        where = f"saved to {checkpoint}" if stop.checkpoint is not None else "not saved"
        typer.echo(
            f"interrupted after step {stop.step} ({where}); run the same command again to resume",
            err=True,
        )
        raise typer.Exit(code=130) from None
    wall = time.perf_counter() - start
    if result.resumed_from is not None:
        console.print(f"resumed from step {result.resumed_from} of {checkpoint}")
    meta = {
        **source,
        "n_train": n_train,
        "n_test": n_test,
        "seed": config.seed,
        "config": config.to_dict(),
    }
    model_path = save_model(out / "model.pt", result.model, meta)
    write_json(out / "history.json", result.history)
    final = result.final
    console.print(
        f"done in {wall:.1f} s: loss {final['loss']:.4g}, train error {final['train_error']:.4g}, "
        f"test error {format_value(final['test_error'])}, "
        f"penalty {final['penalty']:.4g}, nonzeros {final['nonzeros']}"
    )
    console.print(f"model: {model_path}\nhistory: {out / 'history.json'}")


def _prepare_out(out: Path) -> None:
    """Create ``out`` (and check it takes files) and remove temporary files that killed writes
    of its outputs left behind."""
    from occam._atomic import ensure_writable_dir, remove_stale_temporaries

    try:
        ensure_writable_dir(out)
    except OSError as exc:
        raise UsageError(f"--out: {os_error_message(exc)}") from None
    for name in ("checkpoint.pt", "model.pt", "history.json"):
        remove_stale_temporaries(out / name)


def _split_sizes(t, n_train: int | None, n_test: int | None) -> tuple[int, int]:
    """Training and test sizes: 1024 each for a built-in task; for a data file 80% / 20% of
    its rows by default, and a refusal naming the option when the file is too short."""
    if not t.is_data:
        return (1024 if n_train is None else n_train), (1024 if n_test is None else n_test)
    rows = t.n_data
    if n_train is not None and n_train > rows:
        raise UsageError(f"--n-train: the data has {rows} rows; got --n-train {n_train}")
    if n_train is None:
        held_out = (rows // 5 if rows >= 5 else 0) if n_test is None else n_test
        if held_out >= rows:
            raise UsageError(
                f"--n-test: the data has {rows} rows, leaving none for training; got "
                f"--n-test {n_test}"
            )
        return rows - held_out, held_out
    if n_test is None:
        return n_train, rows - n_train
    if n_train + n_test > rows:
        raise UsageError(
            f"--n-train/--n-test: the data has {rows} rows; got --n-train {n_train} plus "
            f"--n-test {n_test}"
        )
    return n_train, n_test


def _announce_resume(checkpoint: Path) -> None:
    """Say before training that it continues an earlier run's checkpoint."""
    from occam.train import load_checkpoint

    if checkpoint.exists():
        step = int(load_checkpoint(checkpoint)["step"])
        console.print(f"resuming from step {step} ({checkpoint})")


# -- occam complexity ------------------------------------------------------------------------------
def complexity_cmd(
    checkpoint: Path = typer.Argument(..., help="A model saved by `occam train`/`occam demo`."),
    task: str = typer.Option(
        None, "--task", help="Evaluate on this task instead of the saved one."
    ),
    data: Path = typer.Option(None, "--data", help="Evaluate on this data file instead."),
    n_test: int = typer.Option(None, "--n-test", help="Test points (default: as trained)."),
    seed: int = typer.Option(None, "--seed", help="Seed of the test sample (default: as trained)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
    threads: int = typer.Option(1, "--threads", help="torch CPU threads (1 suits small nets)."),
) -> None:
    """Test error, R̃, R for each engine, ℓ1, ℓ2, path-norm and nonzeros of a saved model."""
    with _clean_errors():
        _set_threads(threads)
        if n_test is not None:
            _positive_int(n_test, "--n-test")
        model, meta = _load_checkpoint(checkpoint)
        t, x_te, y_te = _eval_data(model, meta, checkpoint, task, data, n_test, seed)
        from occam.report.summary import complexity_summary

        row = complexity_summary(model, x_te, y_te, t.domain)
        if as_json:  # strict JSON: a non-finite value is null, never a bare NaN
            finite = {
                k: None if isinstance(v, float) and not math.isfinite(v) else v
                for k, v in row.items()
            }
            console.print_json(json.dumps(finite, allow_nan=False))
        else:
            wide_console.print(
                _summary_table(f"{checkpoint.name} on {t.name}", {checkpoint.stem: row})
            )


# -- occam prune -----------------------------------------------------------------------------------
def prune_cmd(
    checkpoint: Path = typer.Argument(..., help="A model saved by `occam train`/`occam demo`."),
    out: Path = typer.Option(Path("occam-prune"), "--out", help="Output folder."),
    method: str = typer.Option(
        "importance", "--method", help="importance, magnitude or sensitivity."
    ),
    sampler: str = typer.Option("bernoulli", "--sampler", help="bernoulli or poisson."),
    weights: str = typer.Option("ideal", "--weights", help="ideal (L²) or certified (sup)."),
    engine: str = typer.Option(
        "empirical",
        "--engine",
        help="Engine of the certified weights: empirical, interval, global.",
    ),
    n_values: str = typer.Option(
        None, "--n-values", help="Comma-separated N (ints) or fractions (e.g. 0.1,0.2)."
    ),
    trials: int = typer.Option(20, "--trials", help="Random draws per N (importance)."),
    n_sample: int = typer.Option(512, "--n-sample", help="Test points the error is measured on."),
    seed: int = typer.Option(0, "--seed", help="Seed of the draws."),
    task: str = typer.Option(
        None, "--task", help="Evaluate on this task instead of the saved one."
    ),
    data: Path = typer.Option(None, "--data", help="Evaluate on this data file instead."),
    threads: int = typer.Option(1, "--threads", help="torch CPU threads (1 suits small nets)."),
) -> None:
    """Pruning curve of a saved model (SPEC 6): prune.csv, prune.json and prune.png."""
    with _clean_errors():
        from occam.prune import METHODS

        _set_threads(threads)
        _choice(method, tuple(m for m in METHODS if m != "iterative"), "--method")
        _choice(sampler, ("bernoulli", "poisson"), "--sampler")
        _choice(weights, ("ideal", "certified"), "--weights")
        _choice(engine, ("empirical", "interval", "global"), "--engine")
        _positive_int(trials, "--trials")
        _positive_int(n_sample, "--n-sample")
        _positive_int(seed, "--seed", 0)
        values = _parse_n_values(n_values)
        model, meta = _load_checkpoint(checkpoint)
        t, x_te, y_te = _eval_data(model, meta, checkpoint, task, data, None, None)
        _run_prune(
            model,
            t,
            x_te[:n_sample],
            y_te[:n_sample],
            out,
            method,
            sampler,
            weights,
            engine,
            values,
            trials,
            seed,
        )


def _parse_n_values(spec: str | None) -> list[int | float] | None:
    if spec is None:
        return None
    values: list[int | float] = []
    for item in spec.split(","):
        item = item.strip()
        try:
            values.append(int(item))
        except ValueError:
            try:
                values.append(float(item))
            except ValueError:
                raise UsageError(
                    f"--n-values: expected comma-separated ints or fractions; got {item!r}"
                ) from None
    if not values:
        raise UsageError("--n-values: expected at least one value")
    return values


def _run_prune(
    model, t, x, y, out: Path, method, sampler, weights, engine, values, trials, seed
) -> None:
    from occam.prune import prune_curve
    from occam.report import format_value, plot_pruning, write_csv, write_json

    try:
        curve = prune_curve(
            model,
            x,
            y,
            method=method,
            n_values=values,
            trials=trials,
            seed=seed,
            weights=weights,
            sampler=sampler,
            domain=t.domain,
            engine=engine,
        )
    except ValueError as exc:
        if "n_values" in str(exc):
            raise UsageError(str(exc).replace("n_values", "--n-values")) from None
        raise
    out.mkdir(parents=True, exist_ok=True)
    write_csv(out / "prune.csv", curve.rows(), curve.FIELDS)
    write_json(out / "prune.json", curve.to_dict())
    plot_pruning({method: curve}, out / "prune.png", title=f"{method} pruning on {t.name}")
    table = Table(
        title=f"{method} pruning ({curve.n_parameters} parameters, R̃ = {curve.rtilde:.4g})"
    )
    headers, rows = curve.summary_table()
    for col in headers:
        table.add_column(col, justify="right")
    for row in rows:
        table.add_row(*(format_value(v) for v in row))
    wide_console.print(table)
    console.print(f"wrote {out / 'prune.csv'}, {out / 'prune.json'}, {out / 'prune.png'}")


# -- occam demo ------------------------------------------------------------------------------------
def demo_cmd(
    out: Path = typer.Option(Path("occam-demo"), "--out", help="Output folder."),
    quick: bool = typer.Option(False, "--quick", help="Tiny sizes (seconds; for tests)."),
    steps: int = typer.Option(None, "--steps", help="Override the training steps."),
    seed: int = typer.Option(0, "--seed", help="Seed of data, initialisation and pruning."),
    threads: int = typer.Option(1, "--threads", help="torch CPU threads (1 suits small nets)."),
) -> None:
    """Train an Occam and a weight-decay ResNet on smooth2d, compare, prune, write report.md."""
    with _clean_errors():
        from occam.experiments import get_experiment
        from occam.experiments.demo import summary_rows
        from occam.experiments.progress import ConsoleProgress

        _set_threads(threads)
        _positive_int(seed, "--seed", 0)
        overrides: dict[str, Any] = {"seed": seed}
        if steps is not None:
            overrides["steps"] = _positive_int(steps, "--steps")
        demo = get_experiment("demo")
        config = demo.config(quick=quick, **overrides)
        with ConsoleProgress(console) as progress:
            res = demo.run(config, out, progress)
        results = res.summary
        headers, rows = summary_rows(results["summary"])
        table = Table(title=f"occam demo on {config.task} ({results['wall_seconds']:.1f} s)")
        from occam.report import format_value

        for h in headers:
            table.add_column(h, justify="left" if h == "run" else "right")
        for row in rows:
            table.add_row(*(format_value(v) for v in row))
        wide_console.print(table)
        console.print(f"report: {res.files['markdown']}")


def register(app: typer.Typer) -> None:
    """Attach train, complexity, prune and demo to the top-level app."""
    app.command("train")(train_cmd)
    app.command("complexity")(complexity_cmd)
    app.command("prune")(prune_cmd)
    app.command("demo")(demo_cmd)
