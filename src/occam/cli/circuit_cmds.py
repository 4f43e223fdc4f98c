"""`occam circuit ...` commands (issue 3): stats, ABC optimisation, exact synthesis, to-resnet.

Gate counts are in the basis {AND, OR, NOT} of SPEC 2.1 (NOT counts as a gate).
"""

from __future__ import annotations

from pathlib import Path

import typer

from occam.cli._errors import OccamGroup, UsageError, os_error_message

app = typer.Typer(
    cls=OccamGroup,
    help="Boolean circuits: stats, optimisation with ABC, exact synthesis, circuit → ResNet.",
    no_args_is_help=True,
)


def _console():
    from rich.console import Console

    return Console()


def _load(path: Path):
    """Read a circuit file; a missing, unreadable or malformed file is one error line."""
    from occam.circuits import read

    try:
        return read(path)  # CircuitFormatError / UnknownFormatError are OccamErrors
    except FileNotFoundError:
        raise UsageError(f"{path}: no such file") from None
    except OSError as e:  # a folder, no read permission, ...
        raise UsageError(os_error_message(e)) from None


def _output_path(path: Path, option: str) -> Path:
    """Refuse an output path with an unknown suffix or an unwritable location before any work."""
    from occam.circuits.io import UnknownFormatError, check_output_path

    try:
        return check_output_path(path)
    except UnknownFormatError as e:
        raise UsageError(f"{option}: {str(e).replace('write: ', '')}") from None
    except OSError as e:
        raise UsageError(f"{option}: {os_error_message(e)}") from None


def format_circuit(circuit) -> str:
    """One line per gate (``n5 = AND(x0, x1)``) and per output (``y0 = n5``)."""
    from occam.circuits import Op

    names = ["0", "1", *circuit.input_names]
    lines = []
    for g, (op, (a, b)) in enumerate(
        zip(circuit.ops.tolist(), circuit.fanins.tolist(), strict=True)
    ):
        node = circuit.n_inputs + 2 + g
        names.append(f"n{node}")
        if op == Op.NOT:
            lines.append(f"n{node} = NOT({names[a]})")
        else:
            lines.append(f"n{node} = {Op(op).name}({names[a]}, {names[b]})")
    for nm, o in zip(circuit.output_names, circuit.outputs.tolist(), strict=True):
        lines.append(f"{nm} = {names[o]}")
    return "\n".join(lines)


@app.command()
def stats(
    file: Path = typer.Argument(..., help="Circuit file (.aag, .aig, .blif)."),
    p: float = typer.Option(0.5, "--p", help="Exponent p of the layered size |C|_p (SPEC 2.1)."),
) -> None:
    """Inputs, outputs, size, AND/OR/NOT counts, depth and layered size |C|_p."""
    from rich.table import Table

    if not 0.0 < p <= 1.0:
        raise typer.BadParameter(f"expected 0 < p <= 1, got {p}", param_hint="--p")
    c = _load(file)
    counts = c.gate_counts()
    table = Table(title=f"{file.name}")
    table.add_column("measure")
    table.add_column("value", justify="right")
    rows = [
        ("inputs", c.n_inputs),
        ("outputs", c.n_outputs),
        ("size |C|", c.size),
        ("AND", counts["AND"]),
        ("OR", counts["OR"]),
        ("NOT", counts["NOT"]),
        ("depth", c.depth),
        (f"layered size |C|_{p:g} (ASAP)", f"{c.layered_size(p):.4g}"),
    ]
    for k, v in rows:
        table.add_row(k, str(v))
    _console().print(table)


@app.command()
def optimize(
    infile: Path = typer.Argument(..., help="Input circuit (.aag, .aig, .blif)."),
    outfile: Path = typer.Argument(..., help="Output circuit (.aag, .aig, .blif, .v)."),
    script: str = typer.Option("resyn2", "--script", help="ABC script (aliases of abc.rc)."),
    verify: bool = typer.Option(True, "--verify/--no-verify", help="Prove equivalence (cec)."),
) -> None:
    """Optimise with ABC; print the gate counts before and after in {AND, OR, NOT}."""
    from rich.table import Table

    from occam.circuits import abc, write

    c = _load(infile)
    _output_path(outfile, "OUTFILE")
    try:
        res = abc.optimize_report(c, script, verify=verify)
    except abc.AbcScriptError as e:
        raise UsageError(f"--script: {e}") from None
    write(res.circuit, outfile)  # the path was checked above
    table = Table(title=f"ABC '{script}'" + (" (verified by cec)" if res.verified else ""))
    for col in ("", "size", "AND", "OR", "NOT", "AIG ANDs"):
        table.add_column(col, justify="right")
    b, a = res.before, res.after
    table.add_row(
        "before", str(b["size"]), str(b["AND"]), str(b["OR"]), str(b["NOT"]), str(res.aig_before)
    )
    table.add_row(
        "after ABC", str(a["size"]), str(a["AND"]), str(a["OR"]), str(a["NOT"]), str(res.aig_after)
    )
    console = _console()
    console.print(table)
    kept = "ABC's result" if res.circuit is res.abc_circuit else "the input (ABC's was larger)"
    console.print(f"wrote {outfile}: {res.circuit.size} gates ({kept})")


@app.command()
def exact(
    truth_table: str = typer.Argument(
        ...,
        help="Truth table, hex '0xE8' or binary '11101000', last row first; "
        "several outputs separated by commas.",
    ),
    out: Path | None = typer.Option(None, "--out", help="Write the circuit to this file."),
    time_limit: float = typer.Option(
        60.0, "--time-limit", help="Seconds for the whole search (inf: no limit)."
    ),
    max_gates: int = typer.Option(40, "--max-gates", help="Largest size tried."),
    rows: str | None = typer.Option(
        None, "--rows", help="Comma-separated care rows (default: all rows)."
    ),
) -> None:
    """Minimum-size circuit over {AND, OR, NOT} by SAT (SPEC 2.6)."""
    from occam.circuits import write
    from occam.circuits.exact import minimum_circuit, parse_truth_table

    if not time_limit > 0:  # NaN and negative values; inf means no limit
        raise typer.BadParameter(
            f"expected seconds > 0 (inf: no limit), got {time_limit}", param_hint="--time-limit"
        )
    try:
        table = parse_truth_table(truth_table)
    except ValueError as e:
        raise typer.BadParameter(str(e), param_hint="TRUTH_TABLE") from None
    if out is not None:
        _output_path(out, "--out")
    care = None
    if rows is not None:
        try:
            care = [int(r) for r in rows.split(",") if r.strip()]
        except ValueError:
            raise typer.BadParameter(
                f"expected integers, got {rows!r}", param_hint="--rows"
            ) from None
    try:
        res = minimum_circuit(table, care, time_limit=time_limit, max_gates=max_gates)
    except ValueError as e:
        raise typer.BadParameter(str(e)) from None
    console = _console()
    console.print(f"status: {res.outcome} — {res.message}")
    console.print(f"SAT time: {res.total_time:.3f} s over {len(res.answers)} calls")
    if res.circuit is None:
        raise typer.Exit(code=1)
    counts = res.circuit.gate_counts()
    console.print(
        f"size {res.size} (AND {counts['AND']}, OR {counts['OR']}, NOT {counts['NOT']}), "
        f"depth {res.circuit.depth}"
    )
    console.print(format_circuit(res.circuit), markup=False, highlight=False)
    if out is not None:
        write(res.circuit, out)
        console.print(f"wrote {out}")


@app.command("to-resnet")
def to_resnet_cmd(
    file: Path = typer.Argument(..., help="Circuit file (.aag, .aig, .blif)."),
    out: Path | None = typer.Option(None, "--out", help="Save the ResNet (occam model file)."),
    gates: str = typer.Option("minmax", "--gates", help="Gate construction: minmax or boolean."),
    engines: str = typer.Option(
        "empirical,interval,global", "--engines", help="R(θ) engines to report (comma-separated)."
    ),
) -> None:
    """Build the ResNet computing the circuit (SPEC 8) and report its size and R(θ)."""
    from rich.table import Table

    from occam.complexity.circuit_nets import to_resnet_report

    if gates not in ("minmax", "boolean"):
        raise typer.BadParameter(f"expected minmax or boolean, got {gates!r}", param_hint="--gates")
    eng = tuple(e.strip() for e in engines.split(",") if e.strip())
    bad = [e for e in eng if e not in ("empirical", "interval", "global")]
    if bad:
        raise typer.BadParameter(f"unknown engines {bad}", param_hint="--engines")
    c = _load(file)
    if c.n_inputs < 1 or c.n_outputs < 1:
        raise UsageError(
            f"{file}: the circuit has {c.n_inputs} input(s) and {c.n_outputs} output(s); the "
            "ResNet of SPEC 8 needs at least one of each (d_in, d_out >= 1)"
        )
    if out is not None:
        from occam._atomic import check_writable

        try:
            check_writable(out)
        except OSError as e:
            raise UsageError(f"--out: {os_error_message(e)}") from None
    rep = to_resnet_report(c, gates=gates, engines=eng)  # type: ignore[arg-type]
    table = Table(title=f"ResNet of {file.name} (SPEC 8, gates={gates})")
    table.add_column("quantity")
    table.add_column("value", justify="right")
    for k, v in (
        ("circuit size |C|", rep.size),
        ("inputs / outputs", f"{rep.n_inputs} / {rep.n_outputs}"),
        ("width / hidden / depth", f"{rep.width} / {rep.hidden} / {rep.depth}"),
        ("non-zero parameters", rep.nonzeros),
        *((f"R(θ), {e} engine", f"{r:.6g}") for e, r in rep.r.items()),
        ("stated bound", f"{rep.bound:.6g}"),
    ):
        table.add_row(k, str(v))
    console = _console()
    console.print(table)
    if out is not None:
        from occam.nets.from_circuit import to_resnet
        from occam.train import save_model

        model = to_resnet(c, gates=gates)  # type: ignore[arg-type]
        save_model(out, model, {"source": str(file), "gates": gates, "circuit_size": c.size})
        console.print(f"wrote {out}")
