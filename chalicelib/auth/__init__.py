"""Who is calling: portal webhooks (signed requests) and officials (bearer tokens)."""
