"""The API's routers: evaluations and their history, the rule catalog, health, the dashboard."""
