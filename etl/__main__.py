"""`python -m etl build | demo | boundaries` — see README.md."""

import sys

from etl.cli import main

if __name__ == "__main__":  # worker processes of the demo generator import this module
    sys.exit(main(sys.argv[1:]))
