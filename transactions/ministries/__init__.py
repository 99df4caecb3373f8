"""HTTP clients for the ministries and the payment gateway: the only users of requests."""
