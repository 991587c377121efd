"""The example product descriptions (``*.json``), shipped as package data: ``engine.resources.seeds_dir()``."""
