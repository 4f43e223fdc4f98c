"""No command prints a Python traceback for a user error; a bug still shows one (issue 17)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
import typer
from typer.testing import CliRunner

from occam.cli import _register, app
from occam.cli._errors import OccamGroup, run_main
from occam.errors import FileFormatError, OccamError

_register()
runner = CliRunner()


def _run(*args) -> tuple[int, str, BaseException | None]:
    result = runner.invoke(app, [str(a) for a in args])
    return result.exit_code, result.output, result.exception


@pytest.fixture
def files(tmp_path):
    folder = tmp_path / "folder"
    folder.mkdir()
    bad_aag = tmp_path / "bad.aag"
    bad_aag.write_text("aag 1 1 0 1 0\n2\n9\n")
    bad_csv = tmp_path / "bad.csv"
    bad_csv.write_text("a,b\n1,2\n3,x\n")
    empty_pt = tmp_path / "empty.pt"
    empty_pt.write_bytes(b"")
    return {"folder": folder, "aag": bad_aag, "csv": bad_csv, "pt": empty_pt, "tmp": tmp_path}


USER_ERRORS = [
    (("circuit", "stats", "{aag}"), "bad.aag:3"),
    (("circuit", "stats", "{folder}"), "folder"),
    (("circuit", "exact", "0x8", "--time-limit", "-1"), "--time-limit"),
    (("circuit", "exact", "0x8", "--out", "{tmp}/c.xyz"), ".xyz"),
    (("circuit", "optimize", "{aag}", "{tmp}/o.aig"), "bad.aag:3"),
    (("train", "--data", "{csv}", "--steps", "1", "--out", "{tmp}/r"), "bad.csv, line 3, column 2"),
    (("train", "nosuchtask", "--out", "{tmp}/r"), "unknown task"),
    (("train", "sine1d", "--lam", "-1", "--out", "{tmp}/r"), "--lam"),
    (("complexity", "{pt}"), "empty.pt"),
    (("complexity", "{folder}"), "folder"),
    (("prune", "{pt}", "--out", "{tmp}/p"), "empty.pt"),
]


@pytest.mark.parametrize(("args", "needle"), USER_ERRORS, ids=[" ".join(a) for a, _ in USER_ERRORS])
def test_user_errors_are_one_message_without_traceback(files, args, needle):
    code, output, exc = _run(*(a.format(**files) for a in args))
    assert code == 2, output
    assert "Traceback" not in output
    assert exc is None or isinstance(exc, SystemExit)
    assert needle in " ".join(output.replace("│", " ").split())


def test_a_bug_keeps_its_traceback(files, monkeypatch):
    import occam.circuits

    def broken(path, fmt=None):
        raise ZeroDivisionError("a bug in occam")

    monkeypatch.setattr(occam.circuits, "read", broken)
    code, _, exc = _run("circuit", "stats", files["aag"])
    assert code == 1 and isinstance(exc, ZeroDivisionError)


def _toy_app(error: BaseException) -> typer.Typer:
    toy = typer.Typer(cls=OccamGroup)

    @toy.command()
    def fail() -> None:
        raise error

    @toy.command()
    def other() -> None:  # two commands: a group, as occam's apps are
        pass

    return toy


def test_run_main_prints_occam_errors_and_reraises_bugs(capsys, monkeypatch):
    monkeypatch.setattr(sys, "argv", ["occam", "fail"])
    with pytest.raises(SystemExit) as info:
        run_main(_toy_app(FileFormatError("x.aag", 4, "bad literal")))
    assert info.value.code == 2
    assert capsys.readouterr().err.strip() == "occam: error: x.aag:4: bad literal"
    with pytest.raises(SystemExit) as info:
        run_main(_toy_app(OccamError("plain")))
    assert info.value.code == 2
    with pytest.raises(RuntimeError, match="genuine bug"):
        run_main(_toy_app(RuntimeError("genuine bug")))


def test_entry_point_in_a_subprocess(files):
    """The installed entry point (``occam.cli:main``): a user error is one stderr line, exit 2."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    cmd = [sys.executable, "-c", "from occam.cli import main; main()"]
    done = subprocess.run(
        [*cmd, "complexity", str(files["pt"])], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert done.stderr.startswith("occam: error: CHECKPOINT:") and "empty.pt" in done.stderr


def test_unreadable_inputs_are_one_line(files, monkeypatch):
    """A file the user may not read (simulated: tests run as root, who may read anything)."""
    import builtins
    import errno
    import pathlib

    real_open, real_read_bytes = builtins.open, pathlib.Path.read_bytes

    def denied(path, *args, **kwargs):
        if str(path).endswith(("bad.aag", "bad.csv")):
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_open(path, *args, **kwargs)

    def denied_bytes(self):
        return denied(self) if str(self).endswith("bad.csv") else real_read_bytes(self)

    monkeypatch.setattr(builtins, "open", denied)
    monkeypatch.setattr(pathlib.Path, "read_bytes", denied_bytes)
    code, output, _ = _run("circuit", "stats", files["aag"])
    assert code == 2 and "Traceback" not in output
    assert "bad.aag: Permission denied" in output
    code, output, _ = _run("train", "--data", files["csv"], "--out", files["tmp"] / "r")
    assert code == 2 and "Traceback" not in output
    assert "bad.csv: cannot read the file (Permission denied)" in output
