"""Deciders: the protocol, the durable_rules backend and the independent reference evaluator."""
