"""`python -m tutor.cli`: what the supervisor spawns."""

import sys

from tutor.cli.main import main

sys.exit(main())
