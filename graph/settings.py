"""Every warmpath setting, read once from the environment and checked before anything starts.

``WarmpathSettings`` is the one settings class (pydantic-settings): the backend, the routing
policy file, the server's options, the webhook, the sweeper and the log format. It lives here,
in the lowest layer that reads a setting (the graph backend), so that ``routing`` (the policy
path) and ``api`` (the server) import it downward and ``graph`` never imports upward.

``WARMPATH_GRAPH_URI`` selects the backend:

* ``ladybug:///absolute/path/file.lbdb`` or ``ladybug://relative/path.lbdb`` - the embedded
  LadybugDB file (default ``ladybug://./data/warmpath.lbdb``);
* ``neo4j://host:7687``, ``neo4j+s://...``, ``bolt://host:7687``, ``bolt+s://...`` - a Neo4j
  server, with ``WARMPATH_NEO4J_USER`` and ``WARMPATH_NEO4J_PASSWORD`` (no defaults) and
  optionally ``WARMPATH_NEO4J_DATABASE`` (default ``neo4j``).

A bad value raises ConfigError with one line per bad value, naming the key, the value and what
would be valid (a password is never shown). ``python -m graph.settings`` prints the README's
settings table, generated from the class (a test keeps the two equal).
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import (
    Field,
    PrivateAttr,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError
from pydantic_settings import BaseSettings, EnvSettingsSource, SettingsConfigDict
from pydantic_settings.sources.utils import parse_env_vars

from graph.errors import ConfigError

DEFAULT_GRAPH_URI = "ladybug://./data/warmpath.lbdb"
NEO4J_SCHEMES = ("neo4j", "neo4j+s", "neo4j+ssc", "bolt", "bolt+s", "bolt+ssc")
ENV_PREFIX = "WARMPATH_"


SIDECARS = (".wal", ".wal.checkpoint", ".shadow")
"""Files LadybugDB keeps next to a database file: committed pages not yet folded into it."""


@dataclass(frozen=True)
class LadybugSettings:
    path: Path
    buffer_pool_bytes: int = 2 * 1024**3


@dataclass(frozen=True)
class Neo4jSettings:
    uri: str
    user: str
    password: str
    database: str = "neo4j"

    def __repr__(self) -> str:  # never print the password
        return f"Neo4jSettings(uri={self.uri!r}, user={self.user!r}, database={self.database!r})"


GraphSettings = LadybugSettings | Neo4jSettings


def key_of(field: str) -> str:
    """The environment variable of a field: ``sla_sweep_seconds`` -> WARMPATH_SLA_SWEEP_SECONDS."""
    return ENV_PREFIX + field.upper()


def _bad(message: str) -> PydanticCustomError:
    return PydanticCustomError("warmpath_setting", "{message}", {"message": message})


def _text(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


class WarmpathSettings(BaseSettings):
    """warmpath's settings. Each field is the variable WARMPATH_<FIELD NAME>; its description
    is the README's "meaning" column."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, env_ignore_empty=True, extra="ignore", frozen=True
    )

    graph_uri: str = Field(
        DEFAULT_GRAPH_URI,
        description="the backend: `ladybug:///abs/path/file.lbdb`, `ladybug://relative/file.lbdb`, "
        "or `neo4j://host:7687`, `neo4j+s://...`, `bolt://host:7687`",
    )
    neo4j_user: str = Field("", description="Neo4j user (required with a Neo4j URI)")
    neo4j_password: SecretStr = Field(
        SecretStr(""), description="Neo4j password (required with a Neo4j URI; never printed)"
    )
    neo4j_database: str = Field("neo4j", description="Neo4j database name")
    from_neo4j_password: SecretStr = Field(
        SecretStr(""),
        description="`warmpath transfer`: the password of a Neo4j `--from` alone "
        "(else `WARMPATH_NEO4J_PASSWORD`)",
    )
    to_neo4j_password: SecretStr = Field(
        SecretStr(""),
        description="`warmpath transfer`: the password of a Neo4j `--to` alone "
        "(else `WARMPATH_NEO4J_PASSWORD`)",
    )
    ladybug_buffer_pool_mb: int = Field(2048, description="LadybugDB buffer pool cap (MB)")
    import_max_mb: int = Field(
        256,
        description="the largest file `POST /imports/{kind}` (`warmpath import --server`) "
        "takes, in MB; a larger upload gets 413",
    )
    policy: Path | None = Field(
        None,
        description="the routing policy file (TOML, see below); unset: the built-in defaults. "
        "A policy applied in the graph (`applyPolicy`, `warmpath policy apply`) wins over it in "
        "the API server",
    )
    env: Literal["production", "development"] = Field(
        "production",
        description="`development` serves GraphiQL at `/graphql`; `production` does not",
    )
    sla_sweep_seconds: float = Field(
        60.0,
        description="how often the server looks for claims past their contact deadline and "
        "delivers the webhook outbox (0: never; then run `warmpath sla sweep` from cron)",
    )
    marketing_webhook: str | None = Field(
        None,
        description="an http(s) URL that receives every lead returned to marketing as JSON "
        "(retried with backoff until delivered)",
    )
    log_format: Literal["text", "json"] = Field(
        "text", description="`warmpath serve`'s log lines: `text`, or `json` (one object a line)"
    )

    _graph: GraphSettings | None = PrivateAttr(default=None)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> WarmpathSettings:
        """Read and check every setting from ``environ`` (default: the process environment);
        raises ConfigError with one line per bad value."""
        source = _Environment(cls, os.environ if environ is None else environ)
        try:
            # BaseSettings.__init__ takes the sources to read; its typed signature lists fields only
            return cls(_build_sources=((source,), {}))  # type: ignore[call-arg]
        except ValidationError as exc:
            raise ConfigError("\n".join(_problem(error) for error in exc.errors())) from None

    @property
    def graph(self) -> GraphSettings:
        """The backend's settings (checked with the others when the settings were read)."""
        if self._graph is None:  # pragma: no cover - set by the model validator
            raise ConfigError("settings were not validated")
        return self._graph

    @property
    def development(self) -> bool:
        return self.env == "development"

    # --- checks: each raises one line naming the key, the value and what is valid -----------

    @field_validator("graph_uri", "neo4j_user", "neo4j_database", mode="before")
    @classmethod
    def _plain_text(cls, value: Any) -> Any:
        return _text(value)

    @field_validator("neo4j_database", mode="after")
    @classmethod
    def _database_or_default(cls, value: str) -> str:
        return value or "neo4j"

    @field_validator("graph_uri", mode="after")
    @classmethod
    def _uri_or_default(cls, value: str) -> str:
        return value or DEFAULT_GRAPH_URI

    @field_validator("ladybug_buffer_pool_mb", "import_max_mb", mode="before")
    @classmethod
    def _megabytes(cls, value: Any, info: ValidationInfo) -> Any:
        field = info.field_name or ""
        default = cls.model_fields[field].default
        raw = _text(value)
        if raw == "":
            return default
        key = key_of(field)
        try:
            number = int(raw)
        except (TypeError, ValueError):
            raise _bad(
                f"{key}={raw!r} is not a whole number of megabytes, e.g. {default}"
            ) from None
        if number <= 0:
            raise _bad(f"{key}={raw!r} must be greater than 0 (megabytes, e.g. {default})")
        return number

    @field_validator("policy", mode="before")
    @classmethod
    def _policy_file(cls, value: Any) -> Any:
        raw = _text(value)
        if raw in (None, ""):
            return None
        path = Path(raw)
        key = key_of("policy")
        try:
            is_dir, is_file = path.is_dir(), path.is_file()
        except OSError as exc:  # too long a name, a folder we may not enter
            raise _bad(f"{key}={str(raw)[:200]!r} cannot be read: {exc.strerror}") from None
        if is_dir:
            raise _bad(f"{key}={str(raw)!r} is a directory: name a policy TOML file")
        if not is_file:
            raise _bad(
                f"{key}={str(raw)!r} names no file: give the path of a policy TOML file "
                "(check it with `warmpath policy check`), or unset it for the built-in defaults"
            )
        return path

    @field_validator("env", "log_format", mode="before")
    @classmethod
    def _one_of(cls, value: Any, info: ValidationInfo) -> Any:
        """A word from a short list, any case; empty: the default."""
        field = info.field_name or ""
        choices = {"env": ("production", "development"), "log_format": ("text", "json")}[field]
        raw = _text(value)
        if raw == "":
            return choices[0]
        if not isinstance(raw, str) or raw.lower() not in choices:
            raise _bad(f"{key_of(field)}={raw!r} is not valid: use {' or '.join(choices)}")
        return raw.lower()

    @field_validator("sla_sweep_seconds", mode="before")
    @classmethod
    def _seconds(cls, value: Any) -> Any:
        raw = _text(value)
        if raw == "":
            return 60.0
        key = key_of("sla_sweep_seconds")
        try:
            seconds = float(raw)
        except (TypeError, ValueError):
            seconds = math.nan
        if not math.isfinite(seconds):
            raise _bad(
                f"{key}={raw!r} is not a number of seconds: use e.g. 60, or 0 to turn the "
                "sweeper off"
            )
        if seconds < 0:
            raise _bad(f"{key}={raw!r} must be 0 (off) or more seconds")
        return seconds

    @field_validator("marketing_webhook", mode="before")
    @classmethod
    def _webhook(cls, value: Any) -> Any:
        raw = _text(value)
        if raw in (None, ""):
            return None
        parts = urlsplit(str(raw))
        if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
            raise _bad(
                f"{key_of('marketing_webhook')}={raw!r} is not an http(s) URL: use e.g. "
                "https://marketing.example/leads/returned"
            )
        return raw

    @model_validator(mode="after")
    def _backend(self) -> WarmpathSettings:
        try:
            self._graph = _graph_settings(self)
        except ConfigError as exc:
            raise _bad(str(exc)) from None
        return self


class _Environment(EnvSettingsSource):
    """The environment source, over a given mapping (os.environ, or a test's dict)."""

    def __init__(self, settings_cls: type[BaseSettings], environ: Mapping[str, str]) -> None:
        self._environ = environ
        super().__init__(settings_cls)

    def _load_env_vars(self) -> Mapping[str, str | None]:
        return parse_env_vars(
            self._environ, self.case_sensitive, self.env_ignore_empty, self.env_parse_none_str
        )


def _problem(error: Any) -> str:
    """One line for one pydantic error: our own message, or the key and pydantic's words
    (never the value of a password)."""
    if error.get("type") == "warmpath_setting":
        return str(error["msg"])
    field = str(error["loc"][0]) if error.get("loc") else ""
    key = key_of(field) if field else "settings"
    if "password" in field:
        return f"{key}: {error['msg']}"
    return f"{key}={error.get('input')!r}: {error['msg']}"


def _shown(uri: str) -> str:
    """A URI as it may be printed: without a user or password someone put in it."""
    scheme, sep, rest = uri.partition("://")
    netloc, slash, path = rest.partition("/")
    if "@" in netloc:
        netloc = "***@" + netloc.rsplit("@", 1)[1]
    return f"{scheme}{sep}{netloc}{slash}{path}" if sep else uri.split("@")[-1]


def _graph_settings(settings: WarmpathSettings) -> GraphSettings:
    uri = settings.graph_uri
    shown = _shown(uri)
    scheme = uri.split("://", 1)[0].lower() if "://" in uri else ""
    if scheme == "ladybug":
        return LadybugSettings(
            path=_ladybug_path(uri), buffer_pool_bytes=settings.ladybug_buffer_pool_mb * 1024**2
        )
    if scheme in NEO4J_SCHEMES:
        parts = urlsplit(uri)
        if not parts.hostname:
            raise ConfigError(
                f"WARMPATH_GRAPH_URI={shown!r} has no host: use e.g. neo4j://localhost:7687"
            )
        if parts.username or parts.password:
            raise ConfigError(
                "WARMPATH_GRAPH_URI must not carry credentials: "
                "set WARMPATH_NEO4J_USER and WARMPATH_NEO4J_PASSWORD instead"
            )
        password = settings.neo4j_password.get_secret_value()
        if not settings.neo4j_user:
            raise ConfigError(
                f"WARMPATH_NEO4J_USER is not set (needed for WARMPATH_GRAPH_URI={uri})"
            )
        if not password:
            raise ConfigError(
                f"WARMPATH_NEO4J_PASSWORD is not set (needed for WARMPATH_GRAPH_URI={uri})"
            )
        return Neo4jSettings(
            uri=uri, user=settings.neo4j_user, password=password, database=settings.neo4j_database
        )
    raise ConfigError(
        f"WARMPATH_GRAPH_URI={shown!r} is not supported: use ladybug:///path/file.lbdb, "
        "neo4j://host:7687 or bolt://host:7687"
    )


def _ladybug_path(uri: str) -> Path:
    rest = uri.split("://", 1)[1]
    if not rest or rest.endswith("/"):
        raise ConfigError(
            f"WARMPATH_GRAPH_URI={uri!r} names no database file: use e.g. ladybug:///srv/warmpath.lbdb"
        )
    path = Path(rest)
    try:
        is_dir = path.is_dir()
    except OSError as exc:  # too long a name, a folder we may not enter
        raise ConfigError(
            f"WARMPATH_GRAPH_URI={uri[:200]!r} cannot be used: {exc.strerror}"
        ) from None
    if is_dir:
        raise ConfigError(f"WARMPATH_GRAPH_URI={uri!r} is a directory: name a file inside it")
    return path


def graph_settings_from_env(environ: Mapping[str, str] | None = None) -> GraphSettings:
    """The backend's settings; every setting is checked (ConfigError names the bad ones)."""
    return WarmpathSettings.from_env(environ).graph


def settings_table() -> str:
    """The README's settings table, generated from WarmpathSettings."""
    rows = ["| variable | meaning | default |", "|---|---|---|"]
    for name, field in WarmpathSettings.model_fields.items():
        default = field.default
        if isinstance(default, SecretStr):
            default = default.get_secret_value()
        if isinstance(default, float) and default.is_integer():
            default = int(default)
        shown = "none" if default in (None, "") else f"`{default}`"
        rows.append(f"| `{key_of(name)}` | {field.description} | {shown} |")
    return "\n".join(rows)


if __name__ == "__main__":
    print(settings_table())
