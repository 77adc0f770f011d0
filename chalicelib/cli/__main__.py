"""`python -m chalicelib.cli …`: the same as the installed `motcua …`."""

import sys

from chalicelib.cli import main

sys.exit(main())
