"""Natural resources: Outdoors Card renewal and address."""
