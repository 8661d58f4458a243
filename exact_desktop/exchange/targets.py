"""The files an import reads and an export writes: regular files only, never a device, a folder or
a FIFO (reading one hangs or never ends; writing /dev/full once replaced the device with a file).

An export is written to a temporary file beside its target and renamed over it, so the target is
either the old file or the whole new one; whatever fails, the temporary file is removed.
"""

from __future__ import annotations

import os
import secrets
import stat
from pathlib import Path

from exact_desktop.exchange.plan import ExchangeError

MAX_IMPORT_BYTES = 1 << 30  # past this, parsing would need several times as much memory


def read_regular(path: Path, limit: int = MAX_IMPORT_BYTES, reader: str = "an import reads") -> bytes:
    """The bytes of a regular file of at most `limit` bytes; ExchangeError naming it (and the
    `reader` refusing it, as messages say) otherwise."""
    _refuse_unless_regular(path, _stat(path, "cannot read"), reader)
    try:
        with Path(path).open("rb") as handle:
            data = handle.read(limit + 1)
    except OSError as err:
        raise ExchangeError(f"{path}: cannot read ({err.strerror or err})") from None
    if len(data) > limit:
        raise ExchangeError(f"{path}: is larger than {limit:,} bytes, more than {reader}")
    return data


def write_replacing(path: Path, data: bytes) -> None:
    """`data` as the file at `path` (new, or replacing a regular file), whole or not at all."""
    path = Path(path)
    target = path.resolve() if path.is_symlink() else path  # a link keeps pointing at the new file
    try:
        existing = target.stat()
    except FileNotFoundError:
        existing = None
    except OSError as err:
        raise ExchangeError(f"{path}: cannot write ({err.strerror or err})") from None
    if existing is not None:
        _refuse_unless_regular(path, existing, "an export writes")
    folder = target.parent
    if not folder.is_dir():
        raise ExchangeError(f"{path}: the folder {folder} does not exist")
    temporary = folder / f".{target.name}.{secrets.token_hex(4)}.partial"
    try:
        # made as any new file is (the umask applies); a replaced file's mode is kept
        handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        with os.fdopen(handle, "wb") as out:
            if existing is not None:
                os.fchmod(out.fileno(), stat.S_IMODE(existing.st_mode))
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, target)
    except BaseException as err:
        temporary.unlink(missing_ok=True)
        if isinstance(err, OSError):
            kept = "the file is as it was" if existing is not None else "no file was made"
            raise ExchangeError(f"{path}: cannot write ({err.strerror or err}); {kept}") from None
        raise


def _stat(path: Path, doing: str) -> os.stat_result:
    try:
        return Path(path).stat()
    except FileNotFoundError:
        raise ExchangeError(f"{path}: no such file") from None
    except OSError as err:
        raise ExchangeError(f"{path}: {doing} ({err.strerror or err})") from None


def _refuse_unless_regular(path: Path, found: os.stat_result, what: str) -> None:
    if stat.S_ISDIR(found.st_mode):
        raise ExchangeError(f"{path}: is a folder; {what} regular files only")
    if not stat.S_ISREG(found.st_mode):
        kind = "a device, a FIFO or a socket"
        raise ExchangeError(f"{path}: is not a regular file ({kind}); {what} regular files only")
