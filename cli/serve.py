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
    workers: Annotated[
        int,
        typer.Option(
            "--workers",
            min=1,
            max=64,
            help="Worker processes behind the one port (Neo4j only: the embedded database "
            "has one writer, one process). Each worker keeps its own caches.",
        ),
    ] = 1,
) -> None:
    """Serve the GraphQL API and the manager page with uvicorn. Every setting and the policy
    file are checked first, then the graph is opened: a bad setting is one line per bad value
    (exit 2), a database that cannot be opened or reached one line (exit 3)."""
    import uvicorn

    from api.app import ApiSettings, create_app
    from api.observability import configure_logging
    from graph.backends import open_store
    from graph.errors import ConfigError
    from graph.settings import LadybugSettings, WarmpathSettings
    from routing.policy import current_policy

    with translated():
        settings = WarmpathSettings.from_env()
        policy = current_policy(settings)
        if workers > 1 and isinstance(settings.graph, LadybugSettings):
            raise ConfigError(
                "--workers needs Neo4j (WARMPATH_GRAPH_URI=neo4j://...): the embedded "
                "database is opened by one process; serve it with one worker"
            )
    configure_logging(settings.log_format)
    if workers > 1:
        with translated():  # reach the server once here, so a bad address is one line
            open_store(settings.graph).close()
        # each worker builds its app from the same environment (api.app.app_from_env)
        uvicorn.run(
            "api.app:app_from_env",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_config=None,
        )
        return
    with translated():
        store = open_store(settings.graph)
    api = create_app(lambda: store, policy=policy, settings=ApiSettings.from_settings(settings))
    try:
        uvicorn.run(api, host=host, port=port, log_config=None)  # logging configured above
    finally:
        store.close()  # the app closes it at shutdown; this covers a server that never started
