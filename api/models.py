"""Open data: API tokens, webhooks, exports and imports."""
