"""warmpath's surfaces: the HTTP app (FastAPI), and the ``warmpath`` command line."""
