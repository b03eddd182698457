"""RQ jobs: thin functions that load state, do one IO thing and record it."""
