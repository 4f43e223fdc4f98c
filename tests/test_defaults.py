"""One place for each convention (issue 15 item 4): training defaults shared by config, estimator
and CLI; one NotFittedError; one result type."""

from __future__ import annotations

import dataclasses
import inspect

from occam.cli.main_cmds import train_cmd
from occam.defaults import TRAIN_DEFAULTS
from occam.train import ResNetRegressor, TrainConfig


def test_config_estimator_and_cli_share_the_defaults() -> None:
    defaults = dataclasses.asdict(TRAIN_DEFAULTS)
    assert TrainConfig().to_dict() == defaults
    params = ResNetRegressor().get_params()
    assert {k: params[k] for k in params if k != "progress"} == {
        k: v for k, v in defaults.items() if k in params
    }
    cli = {
        name: p.default.default
        for name, p in inspect.signature(train_cmd).parameters.items()
        if name in defaults and p.default.default is not None
    }
    assert set(cli) >= {"width", "hidden", "depth", "lam", "lr", "steps", "batch_size"}
    assert cli == {k: defaults[k] for k in cli}


def test_one_not_fitted_error_and_one_result_type() -> None:
    import occam.circuits.abc as abc
    import occam.errors
    import occam.rnorm
    import occam.train
    from occam.circuits.exact import ExactResult
    from occam.result import OptimizeResult
    from occam.rnorm.ipm import IPMResult, StructuredSolution

    assert occam.rnorm.NotFittedError is occam.errors.NotFittedError
    assert occam.train.NotFittedError is occam.errors.NotFittedError
    for cls in (ExactResult, abc.AbcResult, occam.rnorm.RNormResult, IPMResult, StructuredSolution):
        assert issubclass(cls, OptimizeResult)
    assert getattr(abc, "OptimizeResult", OptimizeResult) is OptimizeResult  # no own class
