"""Training defaults live in one place (issue 15 item 4): config, estimator and CLI agree."""

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
