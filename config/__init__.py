"""Settings and vendor config files."""
