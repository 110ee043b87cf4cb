"""Fixed SQL on PostgreSQL for reads that cost more to compose than to run.

Each module's rows are those of an ORM reference kept beside its caller,
which other databases run and tests compare with.
"""
