"""Reading what a student hands in, without running it: notebooks' code cells and the
IPython lines that are not Python."""

import json

import pytest

from bpdebug.teach.homework.submission import SubmissionError, read


def write_notebook(path, cells, **extra):
    path.write_text(json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {},
                               "cells": cells, **extra}))
    return path


def code(source):
    return {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
            "source": source}


def test_ipython_lines_are_skipped_and_listed_and_the_rest_still_compiles(tmp_path):
    path = write_notebook(tmp_path / "n.ipynb", [
        {"cell_type": "markdown", "metadata": {}, "source": "# title"},
        code(["import numpy as np\n", "%matplotlib inline\n", "files = !ls\n", "np.dot?\n"]),
        code("%%time\nwhile True: pass\n"),
        code("for i in range(3):\n    !echo $i\n\ndef forward(X, parameters):\n    return X, {}\n"),
    ])
    source = read(path)
    assert [c.filename for c in source.chunks] == [f"{path}:cell2", f"{path}:cell4"]
    assert source.skipped == ("cell 2 line 2: %matplotlib inline", "cell 2 line 3: files = !ls",
                              "cell 2 line 4: np.dot?", "cell 3: %%time (the whole cell)",
                              "cell 4 line 2: !echo $i")
    assert source.syntax_error() is None
    assert set(source.defined().functions) == {"forward"}
    assert "while True" not in "".join(c.source for c in source.chunks)


def test_python_that_looks_a_little_like_ipython_is_kept(tmp_path):
    path = tmp_path / "s.py"
    path.write_text("x = 5 % 3\ny = x != 2\nz = '%d' % x\n")
    assert read(path).skipped == () and read(path).chunks[0].source == path.read_text()
    nb = write_notebook(tmp_path / "k.ipynb", [code("x = 5 % 3\ny = x != 2\nz = '%d' % x\n")])
    assert read(nb).skipped == ()


@pytest.mark.parametrize("content,phrase", [
    ("{not json", "not a notebook"),
    (json.dumps({"nbformat": 3, "worksheets": []}), "version 3"),
    (json.dumps([1, 2]), "no list of cells"),
])
def test_a_broken_notebook_is_one_clear_line(tmp_path, content, phrase):
    path = tmp_path / "bad.ipynb"
    path.write_text(content)
    with pytest.raises(SubmissionError, match=phrase):
        read(path)


def test_binary_and_missing_files_are_refused_before_anything_runs(tmp_path):
    binary = tmp_path / "a.out"
    binary.write_bytes(b"\x7fELF\x00\xff\xfe")
    with pytest.raises(SubmissionError, match="not text"):
        read(binary)
    with pytest.raises(SubmissionError, match="no such file"):
        read(tmp_path / "nope.py")
    with pytest.raises(SubmissionError, match="not a regular file"):
        read(tmp_path)
