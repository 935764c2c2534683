"""A Django project with ff-otel's middleware: users from a directory backend, sessions in files."""
