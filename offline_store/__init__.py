"""All SQLite on the kiosk: one file, WAL, synchronous=FULL."""
