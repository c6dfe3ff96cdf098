"""`python -m vestsight` starts the vest."""

import sys

from .app import main

sys.exit(main())
