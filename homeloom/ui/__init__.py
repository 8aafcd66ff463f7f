"""homeloom.ui."""
