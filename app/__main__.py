"""`python -m app` runs the same command line as `reverie`."""

from app.launch import main

raise SystemExit(main())
