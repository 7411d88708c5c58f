"""The app keeps to one BLAS thread, unless the user chose a number."""

from __future__ import annotations

import ctypes

import numpy as np  # noqa: F401 - loads NumPy's OpenBLAS
import pytest

from bpdebug.app import blas

GETTERS = ("scipy_openblas_get_num_threads64_", "scipy_openblas_get_num_threads",
           "openblas_get_num_threads64_", "openblas_get_num_threads")


def threads() -> list[tuple[ctypes.CDLL, str]]:
    found = []
    for path in blas.loaded_openblas():
        library = ctypes.CDLL(path)
        name = next((n for n in GETTERS if hasattr(library, n)), None)
        if name is not None:
            found.append((library, name))
    return found


def test_the_app_tells_numpys_openblas_to_use_one_thread(monkeypatch):
    libraries = threads()
    if not libraries:
        pytest.skip("this NumPy does not use a bundled OpenBLAS: nothing to tell")
    before = [getattr(library, name)() for library, name in libraries]
    for setting in blas.SETTINGS:
        monkeypatch.delenv(setting, raising=False)
    try:
        assert blas.one_thread()
        assert [getattr(library, name)() for library, name in libraries] == [1] * len(libraries)
    finally:
        for (library, name), count in zip(libraries, before):
            getattr(library, name.replace("get", "set"))(count)


def test_a_thread_count_the_user_set_is_kept(monkeypatch):
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "2")
    assert not blas.one_thread()
