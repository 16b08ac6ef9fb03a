"""What the warehouse covers: the data's as-of date and, per company, metric and quarter,
whether a figure is present, derived or missing (and why)."""
