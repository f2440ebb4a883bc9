"""The PNG charts: valid pictures of the expected size, Cyrillic text, the colours, labels that
fit, about ten dates with today's, and the same picture whichever thread draws it."""

from __future__ import annotations

import io
from concurrent.futures import ThreadPoolExecutor

import pytest
from PIL import Image, ImageColor

from bot.domain import charts
from bot.domain.charts import (
    ACCENT,
    MUTED,
    BarChart,
    StatsChart,
    render_bar_chart,
    render_in_thread,
    render_stats_chart,
    render_stats_in_thread,
)
from bot.domain.quiz.content import INSTRUMENTS, InstrumentId, load_quiz_catalog
from bot.domain.quiz.scoring import KLIMOV_TYPES, RIASEC_TYPES
from handlers.quiz import view as quiz_view

RIASEC_RU = [
    "Практик (R)",
    "Исследователь (I)",
    "Творец (A)",
    "Помощник (S)",
    "Лидер (E)",
    "Хранитель порядка (C)",
]
FUNNEL_RU = ["Начали", "Дали согласие", "Прошли тест", "Смотрели программы", "Подали заявку"]
DAYS = [f"{day:02d}.09" for day in range(1, 31)]
WHITE = (255, 255, 255)


def opened(png: bytes) -> Image.Image:
    """The picture, after Pillow has checked it is a whole, valid PNG."""
    Image.open(io.BytesIO(png)).verify()
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    return image.convert("RGB")


def rgb(colour: str) -> tuple[int, int, int]:
    red, green, blue = ImageColor.getrgb(colour)[:3]
    return red, green, blue


def result(values: list[float], highlighted: frozenset[int] = frozenset()) -> BarChart:
    return BarChart("Тест интересов для взрослых", RIASEC_RU, values, 20, highlighted)


def stats(per_day: list[int], funnel: list[int]) -> StatsChart:
    return StatsChart("Новые люди по дням за 30 дн.", DAYS, per_day, "Воронка", FUNNEL_RU, funnel)


def test_result_chart_is_a_png_800_wide_growing_with_the_labels() -> None:
    image = opened(render_bar_chart(result([12, 18, 7, 19, 15, 20], frozenset({1, 3, 5}))))
    assert image.size == (800, 60 * 6 + 140)
    klimov = BarChart("Тест", ["Человек — природа", "Человек — техника"], [3, 8], 8)
    assert opened(render_bar_chart(klimov)).size == (800, 60 * 2 + 140)


def test_stats_chart_is_a_png_900_by_800() -> None:
    image = opened(render_stats_chart(stats([3, 0, 5] * 10, [1240, 1105, 630, 412, 57])))
    assert image.size == (900, 800)


@pytest.mark.parametrize(
    "chart",
    [
        result([0] * 6),  # nobody scored anything
        result([10] * 6),  # a flat profile, nothing highlighted
        BarChart("", [], [], 0),  # nothing at all
        BarChart("Ёжик «ёлка» — №1", ["Щ" * 80, "ъ ы ь э ю я Ё"], [1.5, 100_000], 1),
    ],
    ids=["zeros", "flat", "empty", "odd-text"],
)
def test_unusual_result_charts_still_draw(chart: BarChart) -> None:
    assert opened(render_bar_chart(chart)).size[0] == 800


def test_an_empty_month_still_draws_its_axes() -> None:
    image = opened(render_stats_chart(stats([0] * 30, [0] * 5)))
    assert image.size == (900, 800)
    upper = image.crop((0, 60, 900, 400))
    assert upper.getcolors(1 << 16) != [(upper.width * upper.height, WHITE)]  # axes, ticks


def test_bars_are_in_the_accent_and_muted_colours() -> None:
    # Every bar full, so a column through the middle of the chart crosses all six.
    image = opened(render_bar_chart(result([20] * 6, frozenset({0, 2, 5}))))
    column = [image.getpixel((500, y)) for y in range(image.height)]
    bars = (rgb(ACCENT), rgb(MUTED))
    runs = [c for n, c in enumerate(column) if c in bars and c != column[n - 1]]
    assert runs == [rgb(c) for c in (ACCENT, MUTED, ACCENT, MUTED, MUTED, ACCENT)]


def test_a_long_label_neither_runs_into_the_bars_nor_off_the_picture() -> None:
    long = "Человек — художественный образ и очень длинное продолжение названия этого типа"
    chart = BarChart("Тест", [long, "Ещё одно слишком длинное название: " + long], [8, 8], 8)
    image = opened(render_bar_chart(chart))
    middle = (image.height - 120) // 4 + 50  # in the first bar
    row = [image.getpixel((x, middle)) for x in range(image.width)]
    bar_starts = row.index(rgb(MUTED))
    assert bar_starts <= 16 + 0.4 * 800 + 8 + 1  # the labels' column is capped
    ink = [x for x in range(bar_starts - 4) if row[x] != WHITE]
    assert ink, "the label is drawn"
    assert min(ink) >= 12  # not cut at the left edge
    assert max(ink) < bar_starts - 4  # and clear of the bar


def test_long_labels_wrap_then_end_in_an_ellipsis() -> None:
    font = charts._fonts().label
    text = "Человек — художественный образ и очень длинное продолжение названия этого типа"
    lines = charts._fit(text, font, 200, 2)
    assert len(lines) == 2
    assert all(font.getlength(line) <= 200 for line in lines)
    assert lines[1].endswith("…")
    assert charts._fit("Практик (R)", font, 200, 2) == ["Практик (R)"]
    assert charts._fit("Сверхдлинноесловобезпробелов" * 3, font, 100, 2)[0].endswith("…")


@pytest.mark.parametrize("locale", ["ru", "en"])
@pytest.mark.parametrize("instrument", INSTRUMENTS)
def test_every_real_type_name_fits_whole(locale: str, instrument: InstrumentId) -> None:
    texts = load_quiz_catalog().text(locale, instrument)
    types = RIASEC_TYPES if instrument == "riasec" else KLIMOV_TYPES
    chart = quiz_view.result_chart(texts, instrument, dict.fromkeys(types, 3), ())
    font = charts._fonts().label
    for label in chart.labels:
        assert "…" not in "".join(charts._fit(label, font, 0.4 * 800, 2)), label
    opened(render_bar_chart(chart))


def test_about_ten_dates_today_among_them() -> None:
    image = opened(render_stats_chart(stats([1] * 30, [5, 4, 3, 2, 1])))
    accent = rgb(ACCENT)
    # The row just above the days chart's axis crosses every bar; the tick marks hang below.
    axis = max(y for y in range(400) if image.getpixel((450, y)) == accent) + 1
    above = [image.getpixel((x, axis - 1)) == accent for x in range(900)]
    bars = [x for x in range(900) if above[x]]
    below = [image.getpixel((x, axis + 2)) != WHITE for x in range(900)]
    # Right of the first bar's edge: left of it is the "0" of the vertical axis.
    ticks = [x for x in range(bars[0], 900) if below[x] and not below[x - 1]]
    assert 8 <= len(ticks) <= 12
    assert bars[-1] - 20 < ticks[-1] <= bars[-1]  # under today's bar


def test_any_thread_draws_the_same_picture() -> None:
    jobs = [result([n, 20 - n, 5, 5, n, 1], frozenset({n % 6})) for n in range(8)]
    expected = [render_bar_chart(chart) for chart in jobs]
    with ThreadPoolExecutor(max_workers=4) as pool:
        assert list(pool.map(render_bar_chart, jobs)) == expected


async def test_charts_are_drawn_off_the_event_loop() -> None:
    png = await render_in_thread(result([12, 18, 7, 19, 15, 20], frozenset({1})))
    assert opened(png).size == (800, 500)
    png = await render_stats_in_thread(stats([2] * 30, [9, 8, 7, 6, 5]))
    assert opened(png).size == (900, 800)
