"""Speed: the throughput benchmark against the standard recipe, start-up cost, rule times."""
