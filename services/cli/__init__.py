"""Operator commands: python -m services.cli --help. A process of its own, which the API never imports.

Client, key and erasure commands are audited like the admin endpoints, with "cli" as the actor."""
