"""--export: one iteration as arrays named like the post's dictionaries.

X, Y, W1..WL, b1..bL (as that iteration used them), A0..AL, Z1..ZL, cost,
dZ1..dZL, dW1..dWL, db1..dbL, dA0..dA{L-1}, loss_history.  The file is written
to a temporary name beside the target and renamed over it, so a crash never
leaves half a file (see atomic_write for symlinks, special files and modes).
"""

from __future__ import annotations

import errno
import io
import json
import os
import secrets
import signal
import stat
import threading
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from bpdebug.engine.cursor import Engine
from bpdebug.engine.names import key, parameters, post


def arrays(engine: Engine, i: int) -> dict[str, np.ndarray] | None:
    """Iteration i's arrays under the post's names; None when a step of it fails."""
    env = engine.iteration_env(i)
    if env is None:
        return None
    L = engine.L
    layers = range(1, L + 1)
    order = [*parameters(L), *(post("A", l) for l in range(L + 1)),
             *(post("Z", l) for l in layers), "J",
             *(post(d, l) for l in layers for d in ("dZ", "dW", "db")),
             *(post("dA", l) for l in range(L))]
    out: dict[str, np.ndarray] = {"X": env["A[0]"], "Y": env["Y"]}
    out.update({"cost" if name == "J" else key(name): env[name] for name in order})
    out["loss_history"] = np.array(engine.loss_history[: i + 1])
    return {k: np.asarray(v, dtype=np.float64) for k, v in out.items()}


def encoded(path: str | os.PathLike, data: dict[str, np.ndarray]) -> bytes:
    """The arrays as the file's name asks: .json, or else .npz."""
    if Path(path).suffix.lower() == ".json":
        return json.dumps({k: _jsonable(v) for k, v in data.items()}).encode()
    buffer = io.BytesIO()
    np.savez(buffer, **data)
    return buffer.getvalue()


def write(path: str | os.PathLike, data: dict[str, np.ndarray]) -> None:
    """Write .npz or .json atomically."""
    atomic_write(path, encoded(path, data))


class NotRegularFile(OSError):
    """The target exists and is not a regular file (a FIFO, /dev/null, a directory)."""


def atomic_write(path: str | os.PathLike, payload: bytes) -> None:
    """A temporary file beside the target, then a rename: whole or absent, never half.

    A symlink is written through (the file it points to is replaced, the link stays);
    a target that exists but is not a regular file is refused with NotRegularFile,
    never replaced, so /dev/null or a FIFO stays what it was.  A new file gets the
    mode the umask gives; a replaced one keeps its mode.  The temporary file is
    removed whether the write ends by an exception, Ctrl-C, SIGTERM or SIGHUP.
    """
    target = Path(os.path.realpath(path))
    info = _regular_or_absent(target)
    with _removed_if_interrupted() as temporaries:
        fd, tmp = _create_beside(target)
        temporaries.append(tmp)
        try:
            with os.fdopen(fd, "wb") as handle:
                if info is not None:
                    os.fchmod(handle.fileno(), stat.S_IMODE(info.st_mode))
                handle.write(payload)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


def _regular_or_absent(target: Path) -> os.stat_result | None:
    """The target's stat when it is a regular file, None when there is none yet;
    NotRegularFile when it is anything else."""
    try:
        info = os.stat(target)
    except FileNotFoundError:
        return None
    if not stat.S_ISREG(info.st_mode):
        raise NotRegularFile(errno.EEXIST, "exists and is not a regular file: not replaced")
    return info


def refusal(path: str | os.PathLike) -> str | None:
    """Why atomic_write would refuse this target, told before any work is done (a long
    --train, a class's grading): it exists and is not a regular file, or its folder does
    not exist.  None: it can be tried."""
    target = Path(os.path.realpath(path))
    try:
        _regular_or_absent(target)
    except OSError as error:
        return error.strerror or str(error)
    if not target.parent.is_dir():
        return os.strerror(errno.ENOENT)
    return None


def _create_beside(target: Path) -> tuple[int, str]:
    # Not tempfile.mkstemp: it creates 0600 whatever the umask; 0666 lets the umask
    # decide, as for any file a program creates.
    for _ in range(100):
        tmp = str(target.parent / f".{target.name}.{secrets.token_hex(4)}.tmp")
        try:
            return os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0),
                           0o666), tmp
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "no free temporary name beside the target")


class _Signalled(BaseException):
    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


def _raise_signalled(signum, frame):
    raise _Signalled(signum)


@contextmanager
def _removed_if_interrupted():
    """SIGTERM and SIGHUP raise while the block runs, so its cleanup runs; then the
    signal is delivered again to whatever handled it before (by default: the process
    ends by that signal, as it would have).  Python handlers live in the main thread
    only; elsewhere the block runs as it is (Ctrl-C and exceptions still clean up)."""
    temporaries: list[str] = []
    if threading.current_thread() is not threading.main_thread():
        yield temporaries
        return
    signals = [s for s in (getattr(signal, "SIGTERM", None), getattr(signal, "SIGHUP", None)) if s]
    previous = {s: signal.signal(s, _raise_signalled) for s in signals}
    try:
        yield temporaries
    except _Signalled as caught:
        for tmp in temporaries:
            Path(tmp).unlink(missing_ok=True)
        for s, handler in previous.items():
            signal.signal(s, handler)
        previous = {}
        signal.raise_signal(caught.signum)
        raise InterruptedError(errno.EINTR, f"interrupted by signal {caught.signum}") from None
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


def _jsonable(value: np.ndarray):
    # NaN and Inf are not JSON: write them as strings a reader can map back.
    if np.isfinite(value).all():
        return value.tolist()
    if value.ndim == 0:
        v = float(value)
        return v if np.isfinite(v) else str(v)
    return [_jsonable(row) for row in value]
