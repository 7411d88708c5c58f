"""bpdebug's benchmarks: ``python -m bench.run`` prints the table (see bench/README.md).

Not part of the test suite: nothing here is collected by pytest.
"""
