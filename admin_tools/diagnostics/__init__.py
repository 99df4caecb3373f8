"""Technician diagnostics: each check gives a verdict and the fix to try."""
