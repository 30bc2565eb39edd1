"""The state of tests/it/provider_server.py (tokens and users, in memory) and how every route reads
the token of a request, the way its family documents its auth headers. Counting calls and the
faults set for the next answer: route_faults.py.
"""

import base64
import datetime
import re

from flask import request

FAMILIES = ("gitlab", "github", "gitea", "bitbucket")
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
GITHUB_DOCS = "https://docs.github.com/rest"

TOKENS = []  # token dicts, in creation order; their list index is id - 1
USERS = {}  # (family, username) -> user id

def today():
    return datetime.datetime.now(datetime.timezone.utc).date()


def now_iso():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def parse_date(text):
    if not isinstance(text, str) or not DATE.match(text):
        return None
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        return None


def expired(token):
    # GitLab tokens are valid through their expires_at day; the same rule for every family.
    return token["expires_at"] is not None and parse_date(token["expires_at"]) < today()


def active(token):
    return not token["revoked"] and not expired(token)


def user_id(family, username):
    return USERS.setdefault((family, username), 1000 + len(USERS))


def new_token(family, value, username, scopes, expires_at, name, family_id=None, rotated_from=None, email=None):
    token = {
        "id": len(TOKENS) + 1,
        "family": family,
        "token": value,
        "username": username,
        "scopes": list(scopes),
        "expires_at": expires_at,
        "revoked": False,
        "family_id": None,
        "rotated_from": rotated_from,
        # Not in /_test/state: the GitLab fields and whether a rotation revoked it.
        "name": name,
        "created_at": now_iso(),
        "last_used_at": None,
        "rotated": False,
        # The account's email, which GitLab's /user shows only to a token that may read the user.
        "email": email,
    }
    token["family_id"] = family_id if family_id is not None else token["id"]
    user_id(family, username)
    TOKENS.append(token)
    return token


def find(value, family=None):
    for token in TOKENS:
        if token["token"] == value and (family is None or token["family"] == family):
            return token
    return None


def presented(family):
    """The token value the request carries, read as `family` documents its auth headers."""
    if family == "gitlab" and request.headers.get("PRIVATE-TOKEN"):
        return request.headers["PRIVATE-TOKEN"]
    scheme, _, value = request.headers.get("Authorization", "").strip().partition(" ")
    scheme, value = scheme.lower(), value.strip()
    allowed = {
        "gitlab": ("bearer",),
        "github": ("bearer", "token"),
        "gitea": ("token", "bearer"),
        "bitbucket": ("bearer", "basic"),
    }[family]
    if not value or scheme not in allowed:
        return None
    if scheme == "basic":
        try:
            user_pass = base64.b64decode(value, validate=True).decode()
        except ValueError:
            return None
        _, colon, value = user_pass.partition(":")
        if not colon:
            return None
    return value


def authenticated(family):
    """The active token of `family` the request carries, or None (also when revoked or expired)."""
    value = presented(family)
    token = find(value, family) if value else None
    if token is None or not active(token):
        return None
    token["last_used_at"] = now_iso()
    return token
