"""Small shop-like apps, one per framework, each wired the way its users wire ff-otel, for the end-to-end suite."""
