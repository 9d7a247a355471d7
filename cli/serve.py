"""``warmpath serve``: check every setting and the policy, open the graph, run the API."""

from __future__ import annotations

from typing import Annotated

import typer

from cli.errors import translated

app = typer.Typer()


@app.command()
def serve(
    host: Annotated[str, typer.Option("--host", help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="TCP port.")] = 8000,
) -> None:
    """Serve the GraphQL API and the manager page with uvicorn. Every setting and the policy
    file are checked first, then the graph is opened: a bad setting is one line per bad value
    (exit 2), a database that cannot be opened or reached one line (exit 3)."""
    import uvicorn

    from api.app import ApiSettings, create_app
    from api.observability import configure_logging
    from graph.backends import open_store
    from graph.settings import WarmpathSettings
    from routing.policy import current_policy

    with translated():
        settings = WarmpathSettings.from_env()
        policy = current_policy(settings)
    configure_logging(settings.log_format)
    with translated():
        store = open_store(settings.graph)
    api = create_app(lambda: store, policy=policy, settings=ApiSettings.from_settings(settings))
    try:
        uvicorn.run(api, host=host, port=port, log_config=None)  # logging configured above
    finally:
        store.close()  # the app closes it at shutdown; this covers a server that never started
