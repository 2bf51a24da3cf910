"""The report's chart: a PNG readable on a phone (1200×800 px), labels in the person's language.

Drawn with matplotlib's Agg canvas on a bare Figure (no pyplot: no global state shared between
the threads that draw). Every text uses DejaVu Sans from matplotlib's own data, which has the
Vietnamese glyphs, so nothing depends on the fonts of the machine.
"""

from __future__ import annotations

import io
import textwrap
from pathlib import Path

import matplotlib
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties

from bot.i18n import Translator
from bot.reports import Figures, Report
from handlers.blocks.reports import period_title

WIDTH_PX, HEIGHT_PX, DPI = 1200, 800, 200
FONT_DIR = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
FONT_PATH = FONT_DIR / "DejaVuSans.ttf"
BOLD_FONT_PATH = FONT_DIR / "DejaVuSans-Bold.ttf"
CURRENT_COLOUR, PREVIOUS_COLOUR = "#1f6fb2", "#b9c9d8"

# (label key, figure) of each panel's bars.
FUNNEL_BARS = (
    ("report.chart.renewed", lambda f: f.funnel.renewed),
    ("report.chart.saved", lambda f: f.funnel.saved),
    ("report.chart.in_grace", lambda f: f.funnel.in_grace),
    ("report.chart.deleted", lambda f: f.funnel.deleted),
)
REQUEST_BARS = (
    ("report.chart.approved", lambda f: f.igov.approved),
    ("report.chart.rejected", lambda f: f.igov.rejected),
    ("report.chart.returned", lambda f: f.igov.returned),
    ("report.chart.pending", lambda f: f.igov.pending),
)
PANELS = (("report.chart.funnel", FUNNEL_BARS), ("report.chart.requests", REQUEST_BARS))


def chart_labels(t: Translator, report: Report) -> list[str]:
    """Every text the chart shows (the tests check the font has each of their characters)."""
    labels = [period_title(t, report.current.period)]
    labels += [t("report.chart.current"), t("report.chart.previous")]
    for title, bars in PANELS:
        labels.append(t(title))
        labels += [t(key) for key, _ in bars]
    return labels


def _font(size: float, *, bold: bool = False) -> FontProperties:
    return FontProperties(fname=BOLD_FONT_PATH if bold else FONT_PATH, size=size)


def _panel(ax, t: Translator, title: str, bars, current: Figures, previous: Figures) -> None:  # type: ignore[no-untyped-def]
    positions = range(len(bars))
    width = 0.38
    for offset, figures, colour, key in (
        (-width / 2, current, CURRENT_COLOUR, "report.chart.current"),
        (width / 2, previous, PREVIOUS_COLOUR, "report.chart.previous"),
    ):
        values = [read(figures) for _, read in bars]
        drawn = ax.bar([p + offset for p in positions], values, width, color=colour, label=t(key))
        for bar, value in zip(drawn, values, strict=True):
            ax.annotate(
                str(value),
                (bar.get_x() + bar.get_width() / 2, bar.get_height()),
                ha="center",
                va="bottom",
                fontproperties=_font(8.5),
            )
    ax.set_title(t(title), fontproperties=_font(10, bold=True))
    ax.set_xticks(list(positions))
    # Two short lines rather than one long: four labels share a half of a phone's width.
    labels = [textwrap.fill(t(key), width=10) for key, _ in bars]
    ax.set_xticklabels(labels, fontproperties=_font(8.5))
    ax.margins(y=0.18)
    ax.yaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    for label in ax.get_yticklabels():
        label.set_fontproperties(_font(8))
    ax.spines[["top", "right"]].set_visible(False)


def report_chart(t: Translator, report: Report) -> bytes:
    """The PNG of the report: the funnel and the licence requests, this period beside the last."""
    figure = Figure(figsize=(WIDTH_PX / DPI, HEIGHT_PX / DPI), dpi=DPI)
    FigureCanvasAgg(figure)
    figure.suptitle(period_title(t, report.current.period), fontproperties=_font(12, bold=True))
    axes = figure.subplots(1, 2)
    for ax, (title, bars) in zip(axes, PANELS, strict=True):
        _panel(ax, t, title, bars, report.current, report.previous)
    handles, labels = axes[0].get_legend_handles_labels()
    figure.legend(handles, labels, loc="lower center", ncol=2, prop=_font(9), frameon=False)
    figure.tight_layout(rect=(0, 0.08, 1, 0.95))
    out = io.BytesIO()
    figure.savefig(out, format="png", dpi=DPI)
    return out.getvalue()
