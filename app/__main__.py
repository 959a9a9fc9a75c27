"""`python -m app` runs the same command line as `reverie`."""

from app.cli import main

raise SystemExit(main())
