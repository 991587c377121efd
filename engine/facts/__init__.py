"""The product model, its inputs and the registry of facts rules can ask about."""
