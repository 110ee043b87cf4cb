"""Loaded with -p before Django is set up: safe defaults for a test run."""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-secret-key-not-for-production-use")
os.environ.setdefault("DJANGO_DEBUG", "0")
# Tests talk to the test server over plain HTTP.
os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "0")
