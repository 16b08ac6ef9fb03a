"""sec domain."""
