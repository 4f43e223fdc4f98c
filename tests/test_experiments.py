"""The experiment registry, `occam run` / `occam sweep` and sweeps on a process pool and on Ray
(SPEC 14; issue 15 items 1-2)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from occam import experiments as ex
from occam.experiments import ConfigError, Progress, Results, SweepError, register


# -- a tiny experiment defined here: the sweep workers import this module to find it -----------
@dataclass(frozen=True)
class CountConfig:
    """x: the value; log: a file each run appends its x to; fail_once: raise the first time."""

    x: int = 0
    scale: float = 1.0
    log: str = ""
    fail_once: bool = False

    @classmethod
    def quick(cls) -> CountConfig:
        return cls(x=1)


@register("test-count", config=CountConfig, quick=CountConfig.quick, description="test")
def run_count(config: CountConfig, out_dir: Path, progress: Progress) -> Results:
    marker = out_dir / "tried"
    if config.fail_once and not marker.exists():
        marker.write_text("1")
        raise RuntimeError(f"cell x={config.x} fails on its first try")
    if config.log:
        with open(config.log, "a") as f:
            f.write(f"{config.x}\n")
    (out_dir / "value.txt").write_text(str(config.x))
    rows = [{"i": i, "y": config.x * config.scale + i} for i in range(2)]
    return Results(rows=rows, summary={"x": config.x}, files={"value": out_dir / "value.txt"})


# -- registry ------------------------------------------------------------------------------------
def test_builtin_experiments_are_registered_with_quick_configs():
    names = ex.names()
    assert {"demo", "tetrakis", "rnorm"} <= set(names)
    for name in ("demo", "tetrakis", "rnorm"):
        exp = ex.get_experiment(name)
        assert isinstance(exp.config(), exp.config_type)
        assert exp.config(quick=True) != exp.config()
        assert exp.description and exp.fields()


def test_config_overrides_parse_and_validate():
    rnorm = ex.get_experiment("rnorm")
    cfg = rnorm.config(quick=True, **{"learning.trials": "2", "versus_d.d_values": "[2, 3]"})
    assert cfg.learning.trials == 2 and cfg.versus_d.d_values == (2, 3)
    tet = ex.get_experiment("tetrakis").config(parts="picture", Ks="[1,2]")
    assert tet.parts == ("picture",) and tet.Ks == (1, 2)
    with pytest.raises(ConfigError, match=r"learning\.nope"):
        rnorm.config(**{"learning.nope": 1})
    with pytest.raises(ConfigError, match=r"'learning\.trials': expected int"):
        rnorm.config(**{"learning.trials": "many"})
    with pytest.raises(ConfigError, match="no experiment named 'nope'"):
        ex.get_experiment("nope")
    with pytest.raises(ConfigError, match="parts"):  # the config's own validation, as ConfigError
        ex.get_experiment("tetrakis").config(parts="pictures")
    with pytest.raises(ConfigError, match="exists already"):
        register("rnorm", config=CountConfig, quick=CountConfig, description="")(run_count)


def test_grid_is_the_product_in_order():
    configs = ex.grid("test-count", {"x": [1, 2], "scale": [1.0, 3.0]}, log="f")
    assert [(c.x, c.scale) for c in configs] == [(1, 1.0), (1, 3.0), (2, 1.0), (2, 3.0)]
    assert all(c.log == "f" for c in configs)
    assert ex.cell_id("test-count", configs[0]) != ex.cell_id("test-count", configs[1])


# -- sweeps: resume, failures --------------------------------------------------------------------
def _runs(log: Path) -> list[int]:
    return sorted(int(v) for v in log.read_text().split()) if log.exists() else []


def test_failed_cell_is_saved_and_rerun_finishes_only_missing_cells(tmp_path):
    log = tmp_path / "runs.log"
    configs = [CountConfig(x=x, log=str(log), fail_once=(x == 2)) for x in (1, 2, 3)]
    out = tmp_path / "sweep"
    with pytest.raises(SweepError) as err:
        ex.sweep("test-count", configs, out, backend="process", workers=2, progress=False)
    assert "fails on its first try" in str(err.value)
    assert _runs(log) == [1, 3]  # the other cells finished
    assert [r["x"] for r in err.value.table] == [1, 1, 3, 3]
    saved = json.loads((out / "sweep.json").read_text())
    assert [c["status"] for c in saved["cells"]] == ["done", "failed", "done"]
    table = ex.sweep("test-count", configs, out, backend="process", workers=2, progress=False)
    assert _runs(log) == [1, 2, 3]  # only the missing cell ran again
    assert [(r["x"], r["i"], r["y"]) for r in table] == [
        (x, i, x + i) for x in (1, 2, 3) for i in (0, 1)
    ]
    assert (out / "sweep.csv").read_text().splitlines()[0].startswith("cell,x,fail_once,i,y")
    cell = out / "cells" / ex.cell_id("test-count", configs[1])
    assert (cell / "value.txt").read_text() == "2"
    # a third run with one more config runs only that one
    more = [*configs, CountConfig(x=4, log=str(log))]
    assert len(ex.sweep("test-count", more, out, backend="serial", progress=False)) == 8
    assert _runs(log) == [1, 2, 3, 4]


def test_interrupted_sweep_keeps_finished_cells(tmp_path):
    """A simulated kill after two cells (the driver stops with KeyboardInterrupt): the finished
    cells are on disk and a rerun runs only the others."""
    log = tmp_path / "runs.log"
    configs = [CountConfig(x=x, log=str(log)) for x in range(5)]

    class KillAfter(Progress):
        def step(self, task: str, done: int, total: int) -> None:
            if done >= 2:
                raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        ex.sweep("test-count", configs, tmp_path, backend="serial", progress=KillAfter())
    assert _runs(log) == [0, 1]
    table = ex.sweep("test-count", configs, tmp_path, backend="serial", progress=False)
    assert _runs(log) == [0, 1, 2, 3, 4] and len(table) == 10


def test_sweep_argument_errors(tmp_path):
    with pytest.raises(ConfigError, match="backend"):
        ex.sweep("test-count", [CountConfig()], tmp_path, backend="dask")
    with pytest.raises(ConfigError, match="address"):
        ex.sweep("test-count", [CountConfig()], tmp_path, address="1.2.3.4:6379")
    with pytest.raises(ConfigError, match="CountConfig"):
        ex.sweep("test-count", [object()], tmp_path, backend="serial")


# -- process pool and Ray give the same table ----------------------------------------------------
def _rnorm_grid() -> list:
    return ex.grid(
        "rnorm",
        {"learning.seed": [0, 1]},
        quick=True,
        **{
            "versus_d.d_values": (2, 3, 4),
            "versus_d.lp_max_d": 3,
            "learning.d_values": (3,),
            "learning.n_over_d2": (1.0, 2.0),
        },
    )


def _without_timing(table: list[dict]) -> list[dict]:
    timing = ex.get_experiment("rnorm").timing_columns
    return [{k: v for k, v in row.items() if k not in timing} for row in table]


def test_process_pool_and_ray_give_identical_tables(tmp_path):
    ray = pytest.importorskip("ray")
    configs = _rnorm_grid()
    pool = ex.sweep("rnorm", configs, tmp_path / "pool", workers=2, progress=False)
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        on_ray = ex.sweep("rnorm", configs, tmp_path / "ray", backend="ray", progress=False)
    finally:
        ray.shutdown()
    assert len(pool) == 2 * (3 + 2) and {r["learning.seed"] for r in pool} == {0, 1}
    assert _without_timing(pool) == _without_timing(on_ray)
    # files written on the Ray workers came back into the cell folders
    for cid in {r["cell"] for r in on_ray}:
        assert (tmp_path / "ray" / "cells" / cid / "rnorm_vs_d.png").read_bytes()[:4] == b"\x89PNG"


# -- command line --------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def app():
    from occam.cli import _register
    from occam.cli import app as typer_app

    _register()
    return typer_app


def test_cli_lists_runs_and_sweeps(app, tmp_path):
    runner = CliRunner()
    listing = runner.invoke(app, ["experiments"])
    assert listing.exit_code == 0 and all(
        n in listing.output for n in ("demo", "tetrakis", "rnorm")
    )
    help_text = " ".join(runner.invoke(app, ["--help"]).output.replace("│", " ").split())
    assert "Experiments (occam run NAME / occam sweep NAME): demo, tetrakis, rnorm" in help_text
    done = runner.invoke(
        app, ["run", "test-count", "--quick", "--set", "scale=2", "--out", str(tmp_path / "one")]
    )
    assert done.exit_code == 0, done.output
    assert (tmp_path / "one" / "table.csv").read_text().splitlines()[1:] == ["0,2.0", "1,3.0"]
    swept = runner.invoke(
        app,
        [
            "sweep",
            "test-count",
            "--grid",
            "x=1,2,3",
            "--set",
            "scale=0.5",
            "--backend",
            "serial",
            "--out",
            str(tmp_path / "grid"),
        ],
    )
    assert swept.exit_code == 0, swept.output
    saved = json.loads((tmp_path / "grid" / "sweep.json").read_text())
    assert [r["y"] for r in saved["rows"]] == [0.5, 1.5, 1.0, 2.0, 1.5, 2.5]
    bad = runner.invoke(app, ["sweep", "test-count", "--grid", "nope=1", "--out", str(tmp_path)])
    assert bad.exit_code == 2 and "nope" in bad.output and "Traceback" not in bad.output
    bad = runner.invoke(app, ["run", "nope", "--out", str(tmp_path)])
    assert bad.exit_code == 2 and "no experiment named" in bad.output
