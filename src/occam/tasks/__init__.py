"""Tasks: target functions and data sets on a box Ω (SPEC 1; issue 2 item 4).

``get_task(name, **params)`` builds a registered task (``list_tasks()`` names them; built-ins are
``sine1d``, ``smooth2d`` (the demo task), ``teacher`` and ``parity``), ``load_data(path)`` turns a
CSV or NPZ file into one, and ``register_task(name)`` adds new ones. Plain numpy, no torch.
"""

from occam.tasks import builtin as _builtin  # noqa: F401  (registers the built-in tasks)
from occam.tasks.box import Box, as_box
from occam.tasks.builtin import resnet_forward, teacher_matrices
from occam.tasks.data import DataError, bounding_box, load_data
from occam.tasks.registry import get_task, list_tasks, register_task, task_parameters
from occam.tasks.task import Task

__all__ = [
    "Box",
    "DataError",
    "Task",
    "as_box",
    "bounding_box",
    "get_task",
    "list_tasks",
    "load_data",
    "register_task",
    "resnet_forward",
    "task_parameters",
    "teacher_matrices",
]
