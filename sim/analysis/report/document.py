"""A report as a document: blocks (headings, paragraphs, notes, tables, figures) rendered twice,
as `report.md` with its figures beside it and as `report.html`, the same content in one
self-contained file (figures embedded) to mail or open anywhere, so the two cannot disagree;
the numeric tables behind it go to `tables/NAME.csv` for spreadsheets."""

from __future__ import annotations

import base64
import html
import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from sim.recording.atomic import write_text


@dataclass(frozen=True)
class Block:
    """One piece of a report: `kind` is heading, text, note (text the command also prints, as
    it warns of something missing), table or figure. A table's `name` is the file its numbers
    are also written to (`tables/NAME.csv`), for spreadsheets."""

    kind: str
    content: object
    level: int = 2
    name: str = ""


@dataclass(frozen=True)
class Report:
    """The blocks in reading order, and the numeric tables behind them (written as CSV)."""

    blocks: list[Block]
    tables: dict[str, pd.DataFrame]


def figure_block(caption: str, path: Path) -> Block:
    return Block("figure", (caption, path))


def to_markdown(blocks: list[Block], base: Path) -> str:
    parts = []
    for block in blocks:
        if block.kind == "heading":
            parts.append(f"{'#' * block.level} {block.content}")
        elif block.kind == "text":
            parts.append(str(block.content))
        elif block.kind == "note":
            parts.append(f"**Note:** {block.content}")
        elif block.kind == "table":
            parts.append(_markdown_table(block.content))
        else:
            caption, path = block.content
            parts.append(f"![{caption}]({os.path.relpath(path, base)})\n\n*{caption}*")
    return "\n\n".join(parts) + "\n"


def _markdown_table(frame: pd.DataFrame) -> str:
    def cell(value: object) -> str:
        return str(value).replace("|", "\\|")

    lines = ["| " + " | ".join(map(cell, frame.columns)) + " |"]
    lines.append("|" + "---|" * len(frame.columns))
    lines += ["| " + " | ".join(map(cell, row)) + " |" for row in frame.itertuples(index=False)]
    return "\n".join(lines)


def to_html(blocks: list[Block]) -> str:
    body = []
    for block in blocks:
        if block.kind == "heading":
            body.append(f"<h{block.level}>{html.escape(str(block.content))}</h{block.level}>")
        elif block.kind == "text":
            body.append(f"<p>{html.escape(str(block.content))}</p>")
        elif block.kind == "note":
            body.append(f"<p><strong>Note:</strong> {html.escape(str(block.content))}</p>")
        elif block.kind == "table":
            table = block.content.to_html(index=False, border=0, escape=True)
            body.append(f'<div class="table">{table}</div>')
        else:
            caption, path = block.content
            data = base64.b64encode(Path(path).read_bytes()).decode()
            body.append(
                f'<figure><img src="data:image/png;base64,{data}" alt="{html.escape(caption)}">'
                f"<figcaption>{html.escape(caption)}</figcaption></figure>"
            )
    title = html.escape(str(blocks[0].content))
    return HTML_PAGE.format(title=title, body="\n".join(body))


# Responsive: the page narrows with the window, a wide table scrolls inside its own box (its
# first column, the policy, stays in view) instead of pushing the page off screen.
HTML_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 72rem; margin: 1.5rem auto;
       padding: 0 1rem; color: #222; line-height: 1.45; }}
.table {{ overflow-x: auto; max-width: 100%; margin: 0.5rem 0 1.5rem; }}
table {{ border-collapse: collapse; font-size: 0.85rem; }}
th, td {{ padding: 0.25rem 0.5rem; border-bottom: 1px solid #ddd; text-align: left;
         white-space: nowrap; }}
th {{ background: #f4f4f4; }}
td:first-child, th:first-child {{ position: sticky; left: 0; background: #fff;
         white-space: normal; min-width: 9rem; }}
th:first-child {{ background: #f4f4f4; }}
td:nth-child(n+2) {{ font-variant-numeric: tabular-nums; }}
img {{ max-width: 100%; height: auto; }}
figure {{ margin: 1rem 0; }}
figcaption {{ font-style: italic; color: #555; }}
@media (max-width: 40rem) {{ body {{ margin: 0.5rem auto; }} table {{ font-size: 0.75rem; }} }}
</style></head>
<body>
{body}
</body></html>
"""


def write(report: Report, report_dir: Path) -> tuple[Path, Path]:
    """Write `report.md`, `report.html` and the numeric tables as `tables/NAME.csv` into
    `report_dir`, each atomically."""
    (report_dir / "tables").mkdir(parents=True, exist_ok=True)
    for name, frame in report.tables.items():
        write_text(report_dir / "tables" / f"{name}.csv", frame.to_csv(index=False))
    blocks = [*report.blocks, *_csv_blocks(report)]
    written = []
    for name, text in (
        ("report.md", to_markdown(blocks, report_dir)),
        ("report.html", to_html(blocks)),
    ):
        write_text(report_dir / name, text)
        written.append(report_dir / name)
    return written[0], written[1]


def _csv_blocks(report: Report) -> list[Block]:
    names = ", ".join(f"tables/{name}.csv" for name in report.tables)
    return [
        Block("heading", "Tables for spreadsheets"),
        Block("text", f"The numbers behind this report, unrounded, one file a table: {names}."),
    ]
