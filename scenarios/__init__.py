"""The bundled scenarios and student files, shipped as bpdebug.scenarios.

pyproject.toml maps this folder into the package, so importlib.resources finds the
files in a wheel, an sdist build and an editable install alike.  Nothing here runs.
"""
