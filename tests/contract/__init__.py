"""Contract tests: properties every operation of the OpenAPI document must have."""
