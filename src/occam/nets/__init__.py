"""Networks: the paper's ResNet (SPEC 3)."""

from occam.nets.resnet import Matrices, ResNet, ResNetConfig, Trace

__all__ = ["Matrices", "ResNet", "ResNetConfig", "Trace"]
