"""`python -m citeqa.cli`: the citeqa command."""

import sys

from . import main

sys.exit(main())
