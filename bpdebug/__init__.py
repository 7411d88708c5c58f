"""bpdebug: a terminal stepping debugger for neural-network backpropagation.

The engine (everything outside ``bpdebug.app``) is pure NumPy and never imports
Textual or Rich; the app is a thin view over it.
"""

__version__ = "0.1.0"
