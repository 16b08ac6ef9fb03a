"""marts domain."""
