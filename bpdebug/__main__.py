import sys

from bpdebug.cli import main

if __name__ == "__main__":  # python -m bpdebug; importing this module runs nothing
    sys.exit(main())
