"""Drive the real UI as a citizen would, and measure the visit."""
