"""Health: the health card's address."""
