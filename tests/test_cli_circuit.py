"""`occam circuit ...` (issue 3 item 8), through typer's CliRunner."""

from __future__ import annotations

import numpy as np
from typer.testing import CliRunner

from occam.circuits import Builder, read, write
from occam.cli import circuit_cmds

runner = CliRunner()


def parity(n: int):
    b = Builder()
    x = b.inputs(n)
    b.output(b.XOR_many(x), "p")
    return b.build()


def test_stats(tmp_path):
    c = parity(3)
    path = write(c, tmp_path / "p.aag")
    res = runner.invoke(circuit_cmds.app, ["stats", str(path)])
    assert res.exit_code == 0, res.output
    for word in ("inputs", "outputs", "size", "AND", "OR", "NOT", "depth", "layered"):
        assert word in res.output
    assert f"{c.layered_size(0.5):.4g}" in res.output
    bad = tmp_path / "bad.aag"
    bad.write_text("aag 1 1 0 1 0\n2\n9\n")
    res = runner.invoke(circuit_cmds.app, ["stats", str(bad)])
    assert res.exit_code != 0 and "bad.aag:3" in res.output


def test_optimize_writes_equivalent_smaller_circuit(tmp_path):
    b = Builder()
    x = b.inputs(4)
    terms = [
        b.AND_many([x[i] if (r >> i) & 1 else b.NOT(x[i]) for i in range(4)])
        for r in range(16)
        if bin(r).count("1") % 2
    ]
    b.output(b.OR_many(terms), "p")
    c = b.build()
    src = write(c, tmp_path / "sop.blif")
    res = runner.invoke(circuit_cmds.app, ["optimize", str(src), str(tmp_path / "o.aig")])
    assert res.exit_code == 0, res.output
    assert "before" in res.output and "after" in res.output and "verified" in res.output
    out = read(tmp_path / "o.aig")
    assert out.size < c.size
    assert np.array_equal(out.truth_table(), c.truth_table())
    assert str(c.size) in res.output and str(out.size) in res.output


def test_exact_prints_and_writes(tmp_path):
    res = runner.invoke(circuit_cmds.app, ["exact", "0xE8", "--out", str(tmp_path / "maj.blif")])
    assert res.exit_code == 0, res.output
    assert "optimal" in res.output and "size 4" in res.output
    c = read(tmp_path / "maj.blif")
    assert c.size == 4
    assert c.truth_table()[:, 0].tolist() == [bin(r).count("1") >= 2 for r in range(8)]
    res = runner.invoke(circuit_cmds.app, ["exact", "0110", "--rows", "0,1,2"])
    assert res.exit_code == 0 and "size 1" in res.output
    res = runner.invoke(circuit_cmds.app, ["exact", "012"])
    assert res.exit_code != 0
    res = runner.invoke(circuit_cmds.app, ["exact", "0x96", "--max-gates", "3"])
    assert res.exit_code == 1 and "infeasible" in res.output


def test_to_resnet(tmp_path):
    import torch

    torch.set_num_threads(1)
    c = parity(2)
    path = write(c, tmp_path / "x.aag")
    res = runner.invoke(
        circuit_cmds.app,
        ["to-resnet", str(path), "--engines", "empirical", "--out", str(tmp_path / "m.pt")],
    )
    assert res.exit_code == 0, res.output
    assert "non-zero parameters" in res.output and "empirical" in res.output
    assert (tmp_path / "m.pt").exists()
    res = runner.invoke(circuit_cmds.app, ["to-resnet", str(path), "--gates", "nope"])
    assert res.exit_code != 0
