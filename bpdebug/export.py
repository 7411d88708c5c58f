"""--export: one iteration as arrays named like the post's dictionaries.

X, Y, W1..WL, b1..bL (as that iteration used them), A0..AL, Z1..ZL, cost,
dZ1..dZL, dW1..dWL, db1..dbL, dA0..dA{L-1}, loss_history.  The file is written
to a temporary name beside the target and renamed over it, so a crash never
leaves half a file.
"""

from __future__ import annotations

import io
import json
import os
import tempfile
from pathlib import Path

import numpy as np

from bpdebug.engine import Engine
from bpdebug.names import key, parameters, post


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


def write(path: str | os.PathLike, data: dict[str, np.ndarray]) -> None:
    """Write .npz or .json atomically."""
    if Path(path).suffix.lower() == ".json":
        payload = json.dumps({k: _jsonable(v) for k, v in data.items()}).encode()
    else:
        buffer = io.BytesIO()
        np.savez(buffer, **data)
        payload = buffer.getvalue()
    atomic_write(path, payload)


def atomic_write(path: str | os.PathLike, payload: bytes) -> None:
    """A temporary file beside the target, then a rename: whole or absent, never half."""
    target = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _jsonable(value: np.ndarray):
    # NaN and Inf are not JSON: write them as strings a reader can map back.
    if np.isfinite(value).all():
        return value.tolist()
    if value.ndim == 0:
        v = float(value)
        return v if np.isfinite(v) else str(v)
    return [_jsonable(row) for row in value]
