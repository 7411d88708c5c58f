"""One BLAS thread while the app is up.

NumPy's OpenBLAS starts a thread per core and keeps them spinning for a while after each
product.  In the app the UI's thread needs a core of its own: while `t` trains in the
background, two BLAS threads and the UI share two cores, and a key waited for 100 to
450 ms on this project's 2-core machine; with one BLAS thread, 10 to 16 ms.  Stepping
is no slower for it: one 784-wide product of mnist-size takes about 1 ms on one thread,
and up to 60 ms on two when another process has the second core.

Only the OpenBLAS that NumPy's wheels bundle is told (found among the libraries the
process has loaded, as threadpoolctl does); elsewhere (Accelerate, MKL, another
platform) nothing changes.  A thread count the user set in the environment is kept.
"""

from __future__ import annotations

import ctypes
import os
import re

SETTINGS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
SETTERS = ("scipy_openblas_set_num_threads64_", "scipy_openblas_set_num_threads",
           "openblas_set_num_threads64_", "openblas_set_num_threads")


def loaded_openblas() -> list[str]:
    """The OpenBLAS libraries this process has loaded (Linux), by path."""
    try:
        with open("/proc/self/maps", encoding="utf-8") as maps:
            text = maps.read()
    except OSError:
        return []
    return sorted(set(re.findall(r"(/\S*openblas\S*\.so[\w.]*)", text)))


def one_thread() -> bool:
    """Tell every loaded OpenBLAS to use one thread; whether one was told."""
    if any(os.environ.get(name) for name in SETTINGS):
        return False  # the user chose
    told = False
    for path in loaded_openblas():
        try:
            library = ctypes.CDLL(path)
        except OSError:
            continue
        for name in SETTERS:
            setter = getattr(library, name, None)
            if setter is not None:
                setter(1)
                told = True
                break
    return told
