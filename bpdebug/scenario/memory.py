"""The memory guard: what a network and its data will need, counted before anything
is allocated, and the limit a scenario must stay under."""

from __future__ import annotations

from bpdebug.engine.stops import CACHED_ITERATIONS
from bpdebug.engine.timeline import PER_ARRAY, history_bytes

DEFAULT_MAX_MEMORY = 1 << 30


def estimated_bytes(sizes: list[int], m: int) -> int:
    """The process's peak, counted before anything is allocated (the memory guard).

    With P the parameters' entries (every W[l] and b[l]) and C = (n[1] + ... + n[L])·m
    the entries of one of Z, A, dZ, dA for every layer:

    * the data X and Y;
    * each iteration the engine keeps for stepping (3): W, b, dW, db, the updated
      W and b (3P), Z, A, dZ, dA (4C) and dA[0];
    * the time-travel history, which shrinks its budget for big networks;
    * while training or checking, on top: one more iteration's worth of NumPy
      temporaries, or the gradient check's two copies of a W and its forward pass.
    """
    L = len(sizes) - 1
    P = sum(sizes[l] * sizes[l - 1] + sizes[l] for l in range(1, L + 1))
    C = sum(sizes[1:]) * m
    data = (sizes[0] + sizes[-1]) * m
    iteration = 3 * P + 4 * C + sizes[0] * m
    largest = max(sizes[l] * sizes[l - 1] for l in range(1, L + 1))
    working = max(iteration, 2 * largest + 2 * C)
    return (8 * (data + (CACHED_ITERATIONS + 1) * iteration + working)
            + history_bytes(8 * P + PER_ARRAY * 2 * L))


def size_text(n: int) -> str:
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if n < 1024 or unit == "TiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n} B"


def too_big(sizes: list[int], m: int, max_memory: int, data_key: str) -> tuple[str, str] | None:
    """The key to blame and the complaint, when sizes' matrices would need more than
    max_memory: the data, or the largest W."""
    need = estimated_bytes(sizes, m)
    if need <= max_memory:
        return None
    big = max(range(1, len(sizes)), key=lambda l: sizes[l] * sizes[l - 1])
    key = data_key if m * sum(sizes) > sizes[big] * sizes[big - 1] else f"layers[{big}].units"
    return key, (f"sizes {'-'.join(map(str, sizes))} with m = {m} would need about "
                 f"{size_text(need)} of matrices, more than the {size_text(max_memory)} limit "
                 "(--max-memory raises it)")
