"""homeloom.adapters."""
