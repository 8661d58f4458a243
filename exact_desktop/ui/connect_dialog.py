"""File -> Connect to EXACT server: sign in, pick an image set.

The secret goes to the system keyring (a 0600 file keyring only where there is none); the URL,
the user and whether TLS is checked for that server are remembered in window.ini. A refusal,
an unreachable server or a certificate that does not verify is shown in the dialog, naming
the server and the reason.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from exact_desktop.rest.connection import Connection
from exact_desktop.rest.errors import ExactApiError
from exact_desktop.rest.exact_api import ExactApi
from exact_desktop.rest.login import LoginError, sign_in
from exact_desktop.store.credentials import Credentials, CredentialsError, credentials_for, normalise_url, save
from exact_desktop.ui.settings import settings


class ConnectDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Connect to EXACT server")
        self.resize(520, 480)
        self.connection: Connection | None = None
        self.chosen_set: int | None = None
        remembered = settings()
        self.url = QLineEdit(str(remembered.value("server/url", "https://")))
        self.user = QLineEdit(str(remembered.value("server/user", "")))
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.token = QLineEdit()
        self.token.setEchoMode(QLineEdit.EchoMode.Password)
        self.token.setPlaceholderText("personal access token (instead of the password)")
        self.verify = QCheckBox("Check the server's TLS certificate")
        self.verify.setChecked(remembered.value("server/verify", "true") != "false")
        form = QFormLayout()
        form.addRow("Server", self.url)
        form.addRow("User", self.user)
        form.addRow("Password", self.password)
        form.addRow("Token", self.token)
        form.addRow("", self.verify)
        self.connect_button = QPushButton("Connect")
        self.connect_button.clicked.connect(self.sign_in)
        self.message = QLabel("")
        self.message.setWordWrap(True)
        self.message.setObjectName("connect-message")
        self.sets = QListWidget()
        self.sets.itemDoubleClicked.connect(lambda _item: self._open())
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Open | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Open).setEnabled(False)
        self.buttons.accepted.connect(self._open)
        self.buttons.rejected.connect(self.reject)
        self.sets.currentRowChanged.connect(
            lambda row: self.buttons.button(QDialogButtonBox.StandardButton.Open).setEnabled(row >= 0)
        )
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.connect_button, alignment=Qt.AlignmentFlag.AlignRight)
        layout.addWidget(self.message)
        layout.addWidget(QLabel("Image sets"))
        layout.addWidget(self.sets)
        layout.addWidget(self.buttons)

    def sign_in(self) -> bool:
        """Signs in with what the form holds (a blank secret: the one the keyring has)."""
        self.sets.clear()
        try:
            url = normalise_url(self.url.text())
            user, password, token = self.user.text().strip(), self.password.text(), self.token.text().strip()
            if not (password or token):
                kept = credentials_for(url)  # the environment, then the keyring
                user, password, token = kept.user or user, kept.password or "", kept.token or ""
            self.connection = sign_in(url, user, password, token, verify=self.verify.isChecked())
            save(Credentials(url, user or None, password or None, token or None, source="login"))
            self._remember(url, user)
            listed = ExactApi(self.connection).image_sets()
        except (LoginError, CredentialsError, ExactApiError) as err:
            self.connection = None
            self.message.setText(str(err))
            return False
        for image_set, count in sorted(listed, key=lambda pair: pair[0].name.lower()):
            item = QListWidgetItem(f"{image_set.name}  ({count} image{'s' if count != 1 else ''})")
            item.setData(Qt.ItemDataRole.UserRole, image_set.id)
            self.sets.addItem(item)
        self.message.setText(f"Signed in to {url}: {len(listed)} image sets.")
        if self.sets.count():
            self.sets.setCurrentRow(0)
        return True

    def choose(self, image_set: int) -> None:
        for row in range(self.sets.count()):
            if self.sets.item(row).data(Qt.ItemDataRole.UserRole) == image_set:
                self.sets.setCurrentRow(row)
                return
        raise LookupError(f"image set {image_set} is not listed")

    def _open(self) -> None:
        item = self.sets.currentItem()
        if item is not None and self.connection is not None:
            self.chosen_set = int(item.data(Qt.ItemDataRole.UserRole))
            self.accept()

    def _remember(self, url: str, user: str) -> None:
        s = settings()
        s.setValue("server/url", url)
        s.setValue("server/user", user)
        s.setValue("server/verify", "true" if self.verify.isChecked() else "false")
        s.sync()
