"""Charts for the analysis windows: score trends, a moments timeline, sparklines.

QtCharts (PySide6-Addons) draws the score trend. The timeline is painted by
hand (see `TimelineView`), and sparklines straight into table cells by a
delegate, since a chart widget per row would be far too heavy for a table.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from PySide6.QtCharts import (
    QChart,
    QChartView,
    QDateTimeAxis,
    QLineSeries,
    QScatterSeries,
    QValueAxis,
)
from PySide6.QtCore import (
    QDateTime,
    QMargins,
    QModelIndex,
    QPointF,
    QRect,
    QRectF,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import (
    QColor,
    QFontMetrics,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPaintEvent,
    QPen,
)
from PySide6.QtWidgets import (
    QSizePolicy,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QToolTip,
    QWidget,
)

from shopper.domain.compare import trend
from shopper.domain.palette import heat_rgb
from shopper.ui.dates import date_format, month_text
from shopper.ui.rows_model import VALUES_ROLE

SCORE_COLOR = QColor("#1565c0")
TREND_COLOR = QColor("#6a1b9a")
BAND_COLOR = QColor("#9e9e9e")
KIND_COLORS = {"good": QColor("#2e7d32"), "bad": QColor("#c62828"), "friction": QColor("#ef8f00")}
KIND_LABELS = {"good": "Good moment", "bad": "Bad moment", "friction": "Friction point"}


def heat_color(percent: float | None) -> QColor | None:
    """The heat scale of `domain.palette` as a QColor."""
    rgb = heat_rgb(percent)
    return None if rgb is None else QColor(*rgb)


def _msecs(moment: datetime) -> float:
    return float(moment.timestamp() * 1000)


# -- sparklines --------------------------------------------------------------------------


def paint_sparkline(
    painter: QPainter,
    rect: QRect,
    values: Sequence[float | None],
    color: QColor = SCORE_COLOR,
    *,
    low: float | None = None,
    high: float | None = None,
) -> None:
    """A small line through the values (None leaves a gap), the last one marked."""
    points = [(n, v) for n, v in enumerate(values) if v is not None]
    if not points:
        return
    area = rect.adjusted(3, 4, -5, -4)
    lo = min(v for _, v in points) if low is None else low
    hi = max(v for _, v in points) if high is None else high
    span = hi - lo or 1.0
    steps = max(len(values) - 1, 1)

    def at(n: int, value: float) -> QPointF:
        x = area.left() + area.width() * n / steps
        y = area.bottom() - area.height() * (value - lo) / span
        return QPointF(x, y)

    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(QPen(color, 1.4))
    path = QPainterPath()
    previous = -2
    for n, value in points:
        point = at(n, value)
        if n == previous + 1:
            path.lineTo(point)
        else:
            path.moveTo(point)
        previous = n
    painter.drawPath(path)
    painter.setBrush(color)
    painter.drawEllipse(at(*points[-1]), 2.2, 2.2)
    painter.restore()


class SparklineDelegate(QStyledItemDelegate):
    """Draws `VALUES_ROLE` as a sparkline; `fixed_range` pins the scale (e.g. 0-100 %)."""

    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        fixed_range: tuple[float, float] | None = None,
        color: QColor = SCORE_COLOR,
    ) -> None:
        super().__init__(parent)
        self.fixed_range = fixed_range
        self.color = color

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Any) -> None:
        style = option.widget.style() if option.widget else None
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        opt.text = ""
        if style is not None:
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, option.widget)
        # model.data(), not index.data(): PySide6 6.12 drops a reference to None on
        # every index.data() call that returns None, and crashes at exit.
        values = index.model().data(index, VALUES_ROLE) or []
        low, high = self.fixed_range or (None, None)
        paint_sparkline(painter, option.rect, values, self.color, low=low, high=high)

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex | Any) -> Any:
        hint = super().sizeHint(option, index)
        hint.setWidth(max(hint.width(), 120))
        return hint


# -- score trend ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ScorePoint:
    at: datetime
    percent: float
    label: str


def _chart(title: str = "") -> QChart:
    chart = QChart()
    chart.setTitle(title)
    chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
    chart.setMargins(QMargins(4, 4, 4, 4))
    chart.setBackgroundRoundness(0)
    chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)
    return chart


class ScoreTrendChart(QChartView):
    """Scores over time with the least-squares trend line and the band limits."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setMinimumHeight(220)
        self.points: list[ScorePoint] = []
        self.setChart(_chart())

    def set_points(
        self, points: Sequence[ScorePoint], *, bands: Sequence[float] = (60.0, 80.0)
    ) -> None:
        self.points = sorted(points, key=lambda p: p.at)
        chart = _chart()
        x_axis = QDateTimeAxis()
        x_axis.setFormat(date_format())  # the app's one date format (QLocale's)
        y_axis = QValueAxis()
        y_axis.setRange(0, 100)
        y_axis.setLabelFormat("%.0f")
        y_axis.setTickCount(5)
        y_axis.setTitleText("Score %")
        chart.addAxis(x_axis, Qt.AlignmentFlag.AlignBottom)
        chart.addAxis(y_axis, Qt.AlignmentFlag.AlignLeft)
        if self.points:
            first, last = self.points[0].at, self.points[-1].at
            # One audit: give the axis a day either side.
            pad = 86_400_000.0 if first == last else (_msecs(last) - _msecs(first)) * 0.03
            x_axis.setRange(
                QDateTime.fromMSecsSinceEpoch(int(_msecs(first) - pad)),
                QDateTime.fromMSecsSinceEpoch(int(_msecs(last) + pad)),
            )
            for limit in bands:
                band = QLineSeries()
                band.setName(f"{limit:.0f}%")
                band.setPen(QPen(BAND_COLOR, 1, Qt.PenStyle.DashLine))
                band.append(_msecs(first) - pad, limit)
                band.append(_msecs(last) + pad, limit)
                self._add(chart, band, x_axis, y_axis)
                chart.legend().markers(band)[0].setVisible(False)
            line = QLineSeries()
            line.setName("Score")
            line.setPen(QPen(SCORE_COLOR, 2))
            dots = QScatterSeries()
            dots.setMarkerSize(7)
            dots.setColor(SCORE_COLOR)
            dots.setBorderColor(SCORE_COLOR)
            for point in self.points:
                line.append(_msecs(point.at), point.percent)
                dots.append(_msecs(point.at), point.percent)
            self._add(chart, line, x_axis, y_axis)
            self._add(chart, dots, x_axis, y_axis)
            chart.legend().markers(dots)[0].setVisible(False)
            fitted = self._fitted_line()
            if fitted is not None:
                trend = QLineSeries()
                trend.setName("Trend")
                trend.setPen(QPen(TREND_COLOR, 1.5, Qt.PenStyle.DotLine))
                for x, y in fitted:
                    trend.append(x, y)
                self._add(chart, trend, x_axis, y_axis)
        self.setChart(chart)

    @staticmethod
    def _add(chart: QChart, series: Any, x_axis: Any, y_axis: Any) -> None:
        chart.addSeries(series)
        series.attachAxis(x_axis)
        series.attachAxis(y_axis)

    def _fitted_line(self) -> list[tuple[float, float]] | None:
        """The trend's least-squares line over the points' span, clamped to 0-100."""
        line = trend([(p.at, p.percent) for p in self.points]).line()
        if line is None:
            return None
        return [(_msecs(at), min(100.0, max(0.0, value))) for at, value in line]


# -- timeline ------------------------------------------------------------------------------


@dataclass(frozen=True)
class TimelinePoint:
    at: datetime
    lane: str
    kind: str
    tip: str = ""


class TimelineView(QWidget):
    """Moments as dots in time, one lane per touchpoint, coloured by kind.

    Painted by hand rather than with QtCharts: lane names must stay readable
    (a chart axis elides them), and a dot must answer hover and double-click.
    """

    activated = Signal(int)
    """The index (in the list given to `set_points`) of a double-clicked dot."""

    RADIUS = 4.0
    LANE_HEIGHT = 26
    AXIS_HEIGHT = 22
    LEGEND_HEIGHT = 18

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.points: list[TimelinePoint] = []
        self.lanes: list[str] = []
        self._first = self._last = 0.0
        self.setMouseTracking(True)
        self.setMinimumHeight(120)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def set_points(self, points: Sequence[TimelinePoint], lanes: Sequence[str]) -> None:
        self.points = list(points)
        self.lanes = list(lanes)
        if self.points:
            stamps = [_msecs(p.at) for p in self.points]
            self._first, self._last = min(stamps), max(stamps)
            pad = max((self._last - self._first) * 0.02, 43_200_000.0)
            self._first -= pad
            self._last += pad
        # Every lane keeps room for its name: squeezed lanes would print over each other.
        self.setMinimumHeight(max(len(self.lanes), 3) * 18 + self.AXIS_HEIGHT + self.LEGEND_HEIGHT)
        self.updateGeometry()
        self.update()

    def sizeHint(self) -> QSize:
        lanes = max(len(self.lanes), 1)
        return QSize(600, lanes * self.LANE_HEIGHT + self.AXIS_HEIGHT + self.LEGEND_HEIGHT + 8)

    # -- geometry ----------------------------------------------------------------

    def _plot(self) -> QRectF:
        metrics = self.fontMetrics()
        label_width = max((metrics.horizontalAdvance(lane) for lane in self.lanes), default=0)
        return QRectF(
            label_width + 14,
            self.LEGEND_HEIGHT + 4,
            max(self.width() - label_width - 26, 10),
            max(self.height() - self.LEGEND_HEIGHT - self.AXIS_HEIGHT - 8, 10),
        )

    def _position(self, plot: QRectF, point: TimelinePoint) -> QPointF | None:
        if point.lane not in self.lanes:
            return None
        span = (self._last - self._first) or 1.0
        x = plot.left() + plot.width() * (_msecs(point.at) - self._first) / span
        lane_height = plot.height() / max(len(self.lanes), 1)
        # Kinds sit a little apart inside a lane so they do not hide each other.
        offset = {"good": -0.22, "bad": 0.22}.get(point.kind, 0.0)
        y = plot.top() + lane_height * (self.lanes.index(point.lane) + 0.5 + offset)
        return QPointF(x, y)

    def point_at(self, pos: QPointF) -> int | None:
        """The index of the dot under `pos`, if any (the nearest within a few pixels)."""
        plot = self._plot()
        best, best_distance = None, (self.RADIUS + 3) ** 2
        for number, point in enumerate(self.points):
            where = self._position(plot, point)
            if where is None:
                continue
            distance = (where.x() - pos.x()) ** 2 + (where.y() - pos.y()) ** 2
            if distance <= best_distance:
                best, best_distance = number, distance
        return best

    # -- painting ----------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        palette = self.palette()
        painter.fillRect(self.rect(), palette.base())
        plot = self._plot()
        metrics = self.fontMetrics()
        lane_height = plot.height() / max(len(self.lanes), 1)
        for number, lane in enumerate(self.lanes):
            band = QRectF(plot.left(), plot.top() + number * lane_height, plot.width(), lane_height)
            if number % 2:
                painter.fillRect(band, palette.alternateBase())
            painter.setPen(palette.text().color())
            label = QRectF(0, band.top(), plot.left() - 8, band.height())
            painter.drawText(
                label, int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter), lane
            )
        self._paint_axis(painter, plot, metrics)
        self._paint_legend(painter, metrics)
        if not self.points:
            painter.setPen(QColor("#8a8a8a"))
            painter.drawText(plot, int(Qt.AlignmentFlag.AlignCenter), "No moments in this period")
            return
        for point in self.points:
            where = self._position(plot, point)
            if where is None:
                continue
            color = KIND_COLORS.get(point.kind, BAND_COLOR)
            painter.setPen(QPen(color.darker(130), 1))
            painter.setBrush(color)
            painter.drawEllipse(where, self.RADIUS, self.RADIUS)

    def _paint_axis(self, painter: QPainter, plot: QRectF, metrics: QFontMetrics) -> None:
        painter.setPen(QPen(BAND_COLOR, 1))
        painter.drawLine(plot.bottomLeft(), plot.bottomRight())
        if not self.points:
            return
        first = datetime.fromtimestamp(self._first / 1000, UTC)
        last = datetime.fromtimestamp(self._last / 1000, UTC)
        months = []
        year, month = first.year, first.month
        while (year, month) <= (last.year, last.month):
            months.append(datetime(year, month, 1, tzinfo=UTC))
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        label_width = metrics.horizontalAdvance("Mmm 00") + 16
        step = max(1, math.ceil(len(months) * label_width / max(plot.width(), 1)))
        span = (self._last - self._first) or 1.0
        painter.setPen(palette_text(self))
        for month_start in months[::step]:
            x = plot.left() + plot.width() * (_msecs(month_start) - self._first) / span
            if not plot.left() <= x <= plot.right():
                continue
            painter.drawLine(QPointF(x, plot.bottom()), QPointF(x, plot.bottom() + 4))
            painter.drawText(
                QPointF(x + 2, plot.bottom() + metrics.ascent() + 5), month_text(month_start)
            )

    def _paint_legend(self, painter: QPainter, metrics: QFontMetrics) -> None:
        x = float(self.width() - 8)
        y = self.LEGEND_HEIGHT / 2 + 2
        for kind in reversed(KIND_COLORS):
            text = KIND_LABELS[kind]
            x -= metrics.horizontalAdvance(text)
            painter.setPen(palette_text(self))
            painter.drawText(QPointF(x, y + metrics.ascent() / 2 - 1), text)
            x -= 10
            color = KIND_COLORS[kind]
            painter.setPen(QPen(color.darker(130), 1))
            painter.setBrush(color)
            painter.drawEllipse(QPointF(x, y), self.RADIUS, self.RADIUS)
            x -= 18

    # -- mouse -------------------------------------------------------------------

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        number = self.point_at(event.position())
        if number is None:
            QToolTip.hideText()
        else:
            point = self.points[number]
            QToolTip.showText(event.globalPosition().toPoint(), point.tip or point.lane, self)
        super().mouseMoveEvent(event)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        number = self.point_at(event.position())
        if number is not None:
            self.activated.emit(number)
        super().mouseDoubleClickEvent(event)


def palette_text(widget: QWidget) -> QColor:
    return widget.palette().text().color()
