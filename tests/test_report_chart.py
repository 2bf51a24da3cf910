"""The report's chart: a PNG of the expected size, its text in a font that has every glyph of
both languages (no tofu boxes)."""

from __future__ import annotations

import io
import warnings
from datetime import date

import numpy as np
import pytest
from fontTools.ttLib import TTFont
from PIL import Image, ImageDraw, ImageFont

from bot.i18n import Translator
from bot.reports import Figures, Funnel, Igov, Period, PeriodKind, Report
from handlers.report_chart import BOLD_FONT_PATH, FONT_PATH, chart_labels, report_chart

WEEK = Period(PeriodKind.WEEK, date(2026, 11, 23), date(2026, 11, 29))
FUNNEL = Funnel(12, 3, 6, 4, 2, 3, 4 / 9, 4, 4_800_000, 2.5, 1.0)
IGOV = Igov(5, 9_000_000, 8, 4, 1, 1, 2, 0, 5, 20.0, 47.5)
REPORT = Report(
    date(2026, 12, 1),
    Figures(WEEK, FUNNEL, IGOV),
    Figures(WEEK.previous(), FUNNEL, IGOV),
    None,
)
MONTH = Period(PeriodKind.MONTH, date(2026, 10, 1), date(2026, 10, 31))
MONTH_REPORT = Report(
    date(2026, 12, 1), Figures(MONTH, FUNNEL, IGOV), Figures(MONTH.previous(), FUNNEL, IGOV), None
)


@pytest.mark.parametrize("language", ["vi", "en"])
def test_the_chart_is_a_png_of_1200_by_800_without_missing_glyphs(language: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # matplotlib warns "Glyph … missing from font(s)"
        png = report_chart(Translator(language), REPORT)
    image = Image.open(io.BytesIO(png))
    image.load()
    assert (image.format, image.size) == ("PNG", (1200, 800))
    # Not blank: the bars and the text are drawn.
    assert len(np.unique(np.asarray(image.convert("L")))) > 20


@pytest.mark.parametrize("path", [FONT_PATH, BOLD_FONT_PATH])
def test_the_font_has_every_character_of_every_label(path: object) -> None:
    cmap = TTFont(path).getBestCmap()
    labels = [
        label
        for language in ("vi", "en")
        for report in (REPORT, MONTH_REPORT)
        for label in chart_labels(Translator(language), report)
    ]
    assert "Đã xóa" in labels and "Mua gói lưu trữ" in labels
    missing = {ch for label in labels for ch in label if ord(ch) not in cmap and not ch.isspace()}
    assert missing == set()


def _drawn(text: str, font: ImageFont.FreeTypeFont) -> np.ndarray:
    image = Image.new("L", (1400, 90), 0)
    ImageDraw.Draw(image).text((10, 10), text, font=font, fill=255)
    return np.asarray(image)


@pytest.mark.parametrize("language", ["vi", "en"])
def test_every_label_is_drawn_with_real_glyphs_not_the_missing_glyph_box(language: str) -> None:
    font = ImageFont.truetype(str(FONT_PATH), 48)
    # A private-use character no font maps: what FreeType draws for it is the box (.notdef).
    tofu = _drawn("\ue000", font)
    assert tofu.any() and np.array_equal(_drawn("\ue001", font), tofu)
    labels = chart_labels(Translator(language), REPORT)
    characters = {ch for label in labels for ch in label if not ch.isspace()}
    assert language == "en" or {"Đ", "ã", "ữ", "ệ", "ờ", "ố"} <= characters
    boxes = sorted(ch for ch in characters if np.array_equal(_drawn(ch, font), tofu))
    assert boxes == []
    # And a whole Vietnamese label differs from the same number of boxes.
    label = "Đã xóa dữ liệu"
    assert not np.array_equal(_drawn(label, font), _drawn("\ue000" * len(label), font))
