// HTTP layer.
