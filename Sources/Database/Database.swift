// Database wrapper.
