"""The product catalog: products with their fit geometry, activated and retired by staff."""
