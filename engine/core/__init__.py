"""Reference data and plumbing every layer may use: resources, YAML with bounds, dated values, FX, places, the taxonomy."""
