"""The contract suite uses the `backend` and `store` fixtures of tests/conftest.py."""
