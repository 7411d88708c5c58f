import sys

from bpdebug.cli import main

sys.exit(main())
