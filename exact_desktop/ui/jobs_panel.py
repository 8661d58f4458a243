"""The jobs panel: a row per job with a progress bar and ETA; cancel, retry, error detail."""

from __future__ import annotations

from datetime import UTC, datetime

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from exact_desktop.model.entities import stored_id
from exact_desktop.model.jobs import JobList, JobView

COLUMNS = ("Plugin", "Image", "Progress", "ETA", "Status")
ROWS_SHOWN = 4  # the table is never smaller than this many rows (with a scroll bar for more)


class JobsPanel(QWidget):
    cancelRequested = Signal(int)
    retryRequested = Signal(int)

    def __init__(self, jobs: JobList, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.jobs = jobs
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.itemSelectionChanged.connect(self._show_detail)
        rows = ROWS_SHOWN * self.table.verticalHeader().defaultSectionSize()
        header = self.table.horizontalHeader().sizeHint().height()
        self.table.setMinimumHeight(header + rows + 2 * self.table.frameWidth())
        self.cancel_button = QPushButton("Cancel")
        self.retry_button = QPushButton("Retry")
        self.cancel_button.clicked.connect(lambda: self._request(self.cancelRequested))
        self.retry_button.clicked.connect(lambda: self._request(self.retryRequested))
        self.detail = QLabel("")
        self.detail.setWordWrap(True)
        self.detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        buttons = QHBoxLayout()
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.retry_button)
        buttons.addStretch()
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addLayout(buttons)
        layout.addWidget(self.detail)
        self._rows: list[int] = []
        jobs.changed.connect(self._refresh)

    def bar(self, job_id: int) -> QProgressBar:
        return self.table.cellWidget(self._rows.index(job_id), 2)  # type: ignore[return-value]

    def _refresh(self, _sender: object = None, ids: set[int] | None = None) -> None:
        ordered = sorted(self.jobs.jobs.values(), key=lambda j: -j.id)
        if [j.id for j in ordered] != self._rows:
            self.table.setRowCount(len(ordered))
            self._rows = [j.id for j in ordered]
            for row in range(len(ordered)):
                bar = QProgressBar()
                bar.setRange(0, 1000)
                self.table.setCellWidget(row, 2, bar)
        for row, job in enumerate(ordered):
            self._fill(row, job)
        self._show_detail()

    def _fill(self, row: int, job: JobView) -> None:
        for column, text in ((0, job.plugin), (1, job.image), (3, _eta(job)), (4, job.status)):
            self.table.setItem(row, column, QTableWidgetItem(text))
        bar: QProgressBar = self.table.cellWidget(row, 2)  # type: ignore[assignment]
        bar.setValue(round(job.percent * 10))
        bar.setFormat(f"{job.percent:.0f} %")
        if job.error:
            self.table.item(row, 4).setToolTip(job.error)

    def selected(self) -> JobView | None:
        rows = {i.row() for i in self.table.selectedIndexes()}
        return self.jobs.jobs.get(self._rows[min(rows)]) if rows else None

    def _show_detail(self) -> None:
        job = self.selected()
        self.cancel_button.setEnabled(bool(job and job.active))
        self.retry_button.setEnabled(bool(job and not job.active and job.status != "done"))
        self.detail.setText(f"{job.error}\n{job.detail}".strip() if job else "")

    def _request(self, signal: Signal) -> None:
        job = self.selected()
        if job is not None:
            signal.emit(stored_id(job))

    def closeEvent(self, event: object) -> None:  # noqa: N802
        self.jobs.changed.disconnect(self._refresh)
        super().closeEvent(event)  # type: ignore[arg-type]


def _eta(job: JobView) -> str:
    if not job.active or job.eta is None:
        return ""
    seconds = max(0, round((job.eta - datetime.now(UTC)).total_seconds()))
    return f"{seconds // 60} min {seconds % 60:02d} s"
