"""Simulated devices that behave like the real ones; the demo and the tests use them."""
