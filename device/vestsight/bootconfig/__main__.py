"""``python -m vestsight.bootconfig`` is ``vestsight-bootconfig`` (`vestsight.bootconfig.cli`)."""

import sys

from .cli import main

sys.exit(main())
