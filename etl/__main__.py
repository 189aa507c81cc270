"""`python -m etl build | demo | boundaries` — see README.md."""

import sys

from etl.cli import main

sys.exit(main(sys.argv[1:]))
