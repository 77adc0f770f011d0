"""Ports: what the services need from the world outside the domain, and the values they trade.

Adapters (DynamoDB, the in-memory fakes) implement these protocols structurally; services
depend on the narrowest one their use case needs. This package imports the domain only.
"""
