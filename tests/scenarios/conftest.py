"""Fixtures shared by the scenario test modules."""

from tests.scenarios.test_rest_sensors import device

# ``device``: a RESTful device on loopback, for test_rest_sensors and test_rest_formats.
__all__ = ["device"]
