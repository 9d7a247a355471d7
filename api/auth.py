"""Bearer tokens and roles. A token is shown once when its user is created; only its SHA-256 is
stored. Roles: ``admin`` (everything), ``manager`` (the reps of their team and their leads),
``rep`` (their own leads, offers, paths and connections), ``intake`` (a web form or a marketing
system: submitLead and submitLeads, nothing else)."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import datetime

from graph.model import PersonRef, RepRef, User
from graph.store import GraphStore
from routing import directory
from routing.errors import Forbidden, InvalidArgument, NotFound

ROLES = ("admin", "manager", "rep", "intake")
SUBMITTERS = ("admin", "intake")
"""The roles that may submit leads (submitLead, submitLeads)."""
TOKEN_PREFIX = "wp_"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def add_user(
    store: GraphStore,
    *,
    role: str,
    name: str,
    now: datetime,
    rep_key: str | None = None,
    team: str | None = None,
) -> tuple[User, str]:
    """Create a user and return it with its token (the only time the token is seen)."""
    if role not in ROLES:
        raise InvalidArgument(f"role must be one of {', '.join(ROLES)} (got {role!r})")
    rep_id = None
    if role == "rep":
        if not rep_key:
            raise InvalidArgument("a rep user needs --rep EMAIL (the rep they are)")
        rep_id = store.resolve_rep(rep_key).id
    if role == "manager" and not team:
        raise InvalidArgument("a manager needs --team NAME (the team they manage)")
    user = User(id=uuid.uuid4().hex, name=name, role=role, rep_id=rep_id, team=team)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    store.create_user(user, token_hash(token), at=now)
    return user, token


def _bearer_hash(authorization: str | None) -> str | None:
    """The hash of the token of an ``Authorization: Bearer <token>`` header, or None."""
    if not authorization:
        return None
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token_hash(token.strip())


def authenticate(store: GraphStore, authorization: str | None) -> User | None:
    """The user for an ``Authorization: Bearer <token>`` header, or None (blocking: it may
    read the graph)."""
    hashed = _bearer_hash(authorization)
    return None if hashed is None else store.user_by_token_hash(hashed)


def kept_user(store: GraphStore, authorization: str | None) -> User | None:
    """The user for the header when the store keeps them in memory (no query, so the event
    loop may ask: a signed-in user's request needs no worker thread to sign in), else None:
    then ``authenticate``."""
    hashed = _bearer_hash(authorization)
    return None if hashed is None else store.kept_user(hashed)


def require_submitter(user: User | None) -> User:
    """The user, when they may submit leads: an intake or an admin token."""
    if user is None:
        raise Forbidden("sign in with a bearer token")
    if user.role not in SUBMITTERS:
        raise Forbidden("only intake and admin tokens can submit leads")
    return user


class Access:
    """What a user may see and do. An intake token may do nothing here: it only submits leads
    (``require_submitter``), so every field that asks for an Access refuses it."""

    def __init__(self, user: User, store: GraphStore) -> None:
        if user.role == "intake":
            raise Forbidden("an intake token can only submit leads (submitLead, submitLeads)")
        self.user = user
        self.store = store

    @property
    def is_admin(self) -> bool:
        return self.user.role == "admin"

    def team_of(self, rep_id: str | None) -> str | None:
        if rep_id is None:
            return None
        profile = directory.rep_profile(self.store, rep_id)
        return None if profile is None else profile.team

    def can_see_rep(self, rep_id: str) -> bool:
        if self.is_admin:
            return True
        if self.user.role == "manager":
            return self.team_of(rep_id) == self.user.team
        return rep_id == self.user.rep_id

    def require_rep(self, rep_id: str) -> None:
        """FORBIDDEN before NOT_FOUND for all but admins: whether a key names a rep is not
        something a rep or another team's manager learns by asking."""
        if not self.is_admin and not self.can_see_rep(rep_id):
            raise Forbidden("you cannot see this rep")
        directory.rep(self.store, rep_id)

    def visible_rep(self, key: str) -> RepRef:
        """The rep a key names (id, email, LinkedIn URL, person id), when the caller may see
        them: the rep the key resolves to is authorised, whatever key names them, and an
        unknown key is FORBIDDEN like a hidden rep (admins: NOT_FOUND)."""
        try:
            rep = directory.resolve_rep(self.store, key)
        except NotFound:
            if not self.is_admin:
                raise Forbidden("you cannot see this rep") from None
            raise
        self.require_rep(rep.id)
        return rep

    def acting_rep(self) -> str:
        """The rep a rep user acts as; other roles act for reps only where a step allows."""
        if self.user.role != "rep" or self.user.rep_id is None:
            raise Forbidden("only a rep can do this for themselves")
        return self.user.rep_id

    def require_manager(self) -> None:
        if self.user.role not in ("admin", "manager"):
            raise Forbidden("only managers and admins can do this")

    def require_connections_of(self, a: PersonRef, b: PersonRef) -> None:
        """Whose mutual connections the user may ask about: of reps they can see, and a rep
        only of themselves."""
        for person in (a, b):
            rep = directory.rep_of_person(self.store, person.id)
            if rep is not None and not self.can_see_rep(rep):
                raise Forbidden("you cannot see this rep's connections")
        if self.user.role == "rep":
            mine = directory.rep(self.store, self.user.rep_id or "").person_id
            if mine not in (a.id, b.id):
                raise Forbidden("a rep can ask only about their own mutual connections")
