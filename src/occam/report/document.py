"""A self-contained report: Markdown (``report.md``, figures as relative PNG links) and HTML
(``report.html``, figures embedded as base64 data URIs), both written atomically (SPEC 14).

The report is a list of blocks (heading, paragraph, table, figure, code); each block renders to
both formats, so no Markdown parser is needed.
"""

from __future__ import annotations

import base64
import html
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from occam.report.io import atomic_write_text


def format_value(value: Any, digits: int = 4) -> str:
    """Numbers with ``digits`` significant digits; None as an em dash; everything else str()."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        return f"{value:.{digits}g}"
    return str(value)


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A GitHub-flavoured Markdown table (cells by :func:`format_value`, pipes escaped)."""

    def cell(v: Any) -> str:
        return format_value(v).replace("|", "\\|")

    lines = [
        "| " + " | ".join(cell(h) for h in headers) + " |",
        "|" + "|".join("---" for _ in headers) + "|",
    ]
    for row in rows:
        if len(row) != len(headers):
            raise ValueError(f"markdown_table: row has {len(row)} cells, expected {len(headers)}")
        lines.append("| " + " | ".join(cell(v) for v in row) + " |")
    return "\n".join(lines)


@dataclass
class Report:
    """Builder for ``report.md`` / ``report.html`` in one output folder.

    Figures are given as paths (PNG files, normally inside the output folder); Markdown links them
    relative to the folder, HTML embeds them.
    """

    title: str
    blocks: list[tuple[str, Any]] = field(default_factory=list)

    def heading(self, text: str, level: int = 2) -> Report:
        if level not in (1, 2, 3, 4):
            raise ValueError(f"level: expected 1..4, got {level!r}")
        self.blocks.append(("heading", (level, text)))
        return self

    def paragraph(self, text: str) -> Report:
        self.blocks.append(("paragraph", text))
        return self

    def table(self, headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> Report:
        markdown_table(headers, rows)  # validates
        self.blocks.append(("table", (list(headers), [list(r) for r in rows])))
        return self

    def figure(self, path: str | Path, caption: str) -> Report:
        """Add a PNG figure. ``path`` is an ordinary path (relative ones to the working
        directory); the report links it relative to its own folder."""
        self.blocks.append(("figure", (Path(path), caption)))
        return self

    def code(self, text: str) -> Report:
        self.blocks.append(("code", text))
        return self

    # -- rendering --------------------------------------------------------------------------------
    def to_markdown(self, out_dir: str | Path) -> str:
        out_dir = Path(out_dir)
        parts = [f"# {self.title}"]
        for kind, data in self.blocks:
            if kind == "heading":
                level, text = data
                parts.append("#" * level + " " + text)
            elif kind == "paragraph":
                parts.append(data)
            elif kind == "table":
                parts.append(markdown_table(*data))
            elif kind == "figure":
                path, caption = data
                parts.append(f"![{caption}]({_relative(path, out_dir)})\n\n*{caption}*")
            elif kind == "code":
                parts.append("```\n" + data.rstrip("\n") + "\n```")
        return "\n\n".join(parts) + "\n"

    def to_html(self, out_dir: str | Path) -> str:
        out_dir = Path(out_dir)
        esc = html.escape
        body = [f"<h1>{esc(self.title)}</h1>"]
        for kind, data in self.blocks:
            if kind == "heading":
                level, text = data
                body.append(f"<h{level}>{esc(text)}</h{level}>")
            elif kind == "paragraph":
                body.append(f"<p>{esc(data)}</p>")
            elif kind == "table":
                headers, rows = data
                head = "".join(f"<th>{esc(format_value(h))}</th>" for h in headers)
                trs = "".join(
                    "<tr>" + "".join(f"<td>{esc(format_value(v))}</td>" for v in row) + "</tr>"
                    for row in rows
                )
                body.append(f"<table><thead><tr>{head}</tr></thead><tbody>{trs}</tbody></table>")
            elif kind == "figure":
                path, caption = data
                encoded = base64.b64encode(path.read_bytes()).decode("ascii")
                body.append(
                    f'<figure><img alt="{esc(caption)}" src="data:image/png;base64,{encoded}"/>'
                    f"<figcaption>{esc(caption)}</figcaption></figure>"
                )
            elif kind == "code":
                body.append(f"<pre>{esc(data)}</pre>")
        style = (
            "body{font-family:sans-serif;max-width:60em;margin:2em auto;padding:0 1em}"
            "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2em .6em;"
            "text-align:right}img{max-width:100%}pre{background:#f4f4f4;padding:.6em}"
        )
        return (
            '<!DOCTYPE html>\n<html><head><meta charset="utf-8">'
            f"<title>{esc(self.title)}</title><style>{style}</style></head><body>\n"
            + "\n".join(body)
            + "\n</body></html>\n"
        )

    def write(self, out_dir: str | Path, html_too: bool = True) -> dict[str, Path]:
        """Write ``report.md`` (and ``report.html``) into ``out_dir``; returns their paths."""
        out_dir = Path(out_dir)
        out_dir.mkdir(parents=True, exist_ok=True)
        for kind, data in self.blocks:
            if kind == "figure":
                path = data[0]
                if not path.is_file():
                    raise FileNotFoundError(f"report figure {path} does not exist")
        paths = {"markdown": atomic_write_text(out_dir / "report.md", self.to_markdown(out_dir))}
        if html_too:
            paths["html"] = atomic_write_text(out_dir / "report.html", self.to_html(out_dir))
        return paths


def _relative(path: Path, out_dir: Path) -> str:
    try:
        return path.resolve().relative_to(out_dir.resolve()).as_posix()
    except ValueError:
        return path.as_posix()
