"""The HTTP layer: routers, dependencies, problem+json."""
