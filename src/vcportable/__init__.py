"""vcportable: portable vocational credentials."""

__version__ = "0.1.0"
