"""homeloom: a local-first smart-home orchestration engine."""

__version__ = "0.1.0"
