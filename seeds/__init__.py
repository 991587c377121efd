"""The example product descriptions (``*.json``), shipped as package data: ``engine.core.resources.seeds_dir()``."""
