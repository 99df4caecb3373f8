"""Run `python -m ministry_sandbox`."""

import sys

from ministry_sandbox.cli import main

sys.exit(main())
