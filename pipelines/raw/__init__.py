"""Raw layer: sourced CSV files under ``raw/``, validated by pandera, landed in schema ``raw``."""
