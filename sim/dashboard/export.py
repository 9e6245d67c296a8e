"""What a class takes home from the dashboard: its market's days as a CSV table, and its
charts as one PNG sheet, each a single download."""

from __future__ import annotations

import io
from collections.abc import Callable

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image

from sim.simulation.live import LiveMarket

COLUMNS = 2


def run_csv(model: LiveMarket) -> bytes:
    """A row a day so far: the day's counts (sessions, carts, orders, buyers, sellers, flips,
    ...) and the indicators at its end, as the tiles show them."""
    return model.history().to_csv(index=False).encode()


def charts_png(model: LiveMarket, draws: list[Callable[[LiveMarket], Figure]]) -> bytes:
    """Every chart of the page on one sheet, two to a row, as PNG."""
    images = [_render(draw(model)) for draw in draws]
    width = max(i.width for i in images)
    height = max(i.height for i in images)
    rows = -(-len(images) // COLUMNS)
    sheet = Image.new("RGB", (COLUMNS * width, rows * height), "white")
    for k, image in enumerate(images):
        sheet.paste(image, ((k % COLUMNS) * width, (k // COLUMNS) * height))
    buffer = io.BytesIO()
    sheet.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def _render(fig: Figure) -> Image.Image:
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    return Image.frombuffer("RGBA", canvas.get_width_height(), canvas.buffer_rgba()).convert("RGB")
