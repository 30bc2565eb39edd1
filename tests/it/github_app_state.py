"""The state of tests/it/github_app_server.py (Apps, installations, minted tokens and what was
asked, in memory), the JWT check GitHub makes of an App, and the JSON shapes of GitHub's REST API
for Apps, installations, accounts and repositories.
"""

import datetime
import time

import jwt
from cryptography.hazmat.primitives import serialization
from flask import request

APPS = {}  # app id (int) -> app dict
INSTALLATIONS = {}  # installation id (int) -> installation dict
MINTS = []  # every minted token, in order
JWTS = []  # the claims of every JWT accepted, in order
REFUSED = []  # {"message", "claims"} of every JWT refused, in order
IDS = {}  # ("account" | "repo", lower-case name) -> id, stable for the server's life
NAMES = {}  # id -> the account's login or the repository's OWNER/NAME, as first seen
SETTINGS = {"lifetime": 3600}  # seconds a minted token lives

DOCS = "https://docs.github.com/rest"
LEVELS = {"read": 1, "write": 2, "admin": 3}
SKEW = 5  # seconds a JWT's iat may lie ahead of this server's clock
JWT_EXPIRY = 600  # GitHub: exp at most 10 minutes ahead
JWT_SPAN = 660  # exp - iat: 10 minutes plus the 60 s backdating GitHub recommends for iat


def iso(epoch):
    return datetime.datetime.fromtimestamp(int(epoch), datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def id_of(kind, name):
    """A stable id per account or repository (GitHub's names are case-insensitive)."""
    key = (kind, name.lower())
    if key not in IDS:
        IDS[key] = (1000 if kind == "account" else 100000) + len(IDS)
        NAMES[IDS[key]] = name
    return IDS[key]


def github_error(message, status, docs=DOCS):
    return {"message": message, "documentation_url": docs, "status": str(status)}


def load_public_key(pem):
    """The public key in `pem` (SubjectPublicKeyInfo or PKCS#1), or None."""
    try:
        return serialization.load_pem_public_key(pem.encode())
    except (ValueError, TypeError, AttributeError):
        return None


# --- JWT ------------------------------------------------------------------------------------


# GitHub's messages for the times it refuses.
IAT_INVALID = "'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued"
EXP_INVALID = ("'Expiration time' claim ('exp') must be a numeric value representing the future time at which "
               "the assertion expires")
EXP_TOO_FAR = "'Expiration time' claim ('exp') is too far in the future"


def integer(value):
    return isinstance(value, int) and not isinstance(value, bool)


def app_of_issuer(iss):
    """GitHub takes the App ID, as a number or a string, or the App's client ID as `iss`."""
    if integer(iss) or (isinstance(iss, str) and iss.isdigit()):
        return APPS.get(int(iss))
    return next((a for a in APPS.values() if isinstance(iss, str) and a["client_id"] == iss), None)


def jwt_problem(value):
    """(app, None, claims) for a JWT GitHub would accept from a registered App, else
    (None, GitHub's message, the claims when they decode)."""
    try:
        header = jwt.get_unverified_header(value)
        claims = jwt.decode(value, options={"verify_signature": False})
    except jwt.PyJWTError:
        return None, "A JSON web token could not be decoded", None
    app = app_of_issuer(claims.get("iss"))
    if header.get("alg") != "RS256":
        return None, "A JSON web token could not be decoded", claims
    if app is None:
        return None, "Integration not found", claims
    try:
        # The checks of the times are GitHub's own, below, with its messages.
        unchecked = ("exp", "iat", "nbf", "aud", "iss", "sub", "jti")
        options = {f"verify_{claim}": False for claim in unchecked}
        jwt.decode(value, app["public_key"], algorithms=["RS256"], options=options)
    except jwt.PyJWTError:
        return None, "A JSON web token could not be decoded", claims
    now, iat, exp = time.time(), claims.get("iat"), claims.get("exp")
    if not integer(iat) or iat > now + SKEW:
        return None, IAT_INVALID, claims
    if not integer(exp) or exp <= now:
        return None, EXP_INVALID, claims
    if exp > now + JWT_EXPIRY + SKEW or exp - iat > JWT_SPAN:
        return None, EXP_TOO_FAR, claims
    return app, None, claims


def authenticated_app():
    """The App the request's `Authorization: Bearer <JWT>` authenticates, or (None, message).
    Records the claims of every JWT presented, accepted or not."""
    scheme, _, value = request.headers.get("Authorization", "").strip().partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        REFUSED.append({"message": "Requires authentication", "claims": None})
        return None, "Requires authentication"
    app, message, claims = jwt_problem(value.strip())
    if app is None:
        REFUSED.append({"message": message, "claims": claims})
        return None, message
    JWTS.append(claims)
    return app, None


# --- Coverage -------------------------------------------------------------------------------


def covers(inst, owner, name):
    """Whether the installation reaches OWNER/NAME: its account's repositories, all of them
    (repositories null) or the ones selected."""
    if owner.lower() != inst["account"].lower():
        return False
    return inst["repositories"] is None or name.lower() in (r.lower() for r in inst["repositories"])


def installation_for(app, owner, name=None, org_only=False):
    """The App's installation on OWNER (covering OWNER/NAME when given), or None."""
    for inst in INSTALLATIONS.values():
        if inst["app_id"] != app["id"] or (org_only and inst["account_type"] != "Organization"):
            continue
        if name is None and inst["account"].lower() == owner.lower():
            return inst
        if name is not None and covers(inst, owner, name):
            return inst
    return None


def token_reaches(value, repo):
    """Whether `value` is a live minted token whose repositories include OWNER/REPO."""
    owner, _, name = repo.partition("/")
    mint = next((m for m in MINTS if m["token"] == value), None)
    if mint is None or mint["revoked"] or time.time() >= mint["expires_epoch"]:
        return False
    inst = INSTALLATIONS.get(mint["installation_id"])
    if inst is None or not covers(inst, owner, name):
        return False
    return mint["covered"] is None or name.lower() in (r.lower() for r in mint["covered"])


# --- JSON shapes ----------------------------------------------------------------------------


def api_root():
    # Under /api/v3 (GitHub Enterprise Server) the prefix is in SCRIPT_NAME, so it stays in URLs.
    return request.url_root.rstrip("/")


def account_json(login, kind="User"):
    aid, root = id_of("account", login), api_root()
    return {
        "login": login,
        "id": aid,
        "node_id": f"MDQ6VXNlcnt{aid}",
        "avatar_url": f"https://avatars.githubusercontent.com/u/{aid}?v=4",
        "url": f"{root}/users/{login}",
        "html_url": f"https://github.com/{login}",
        "type": kind,
        "site_admin": False,
    }


def repo_json(owner, kind, name):
    rid, root = id_of("repo", f"{owner}/{name}"), api_root()
    return {
        "id": rid,
        "node_id": f"MDEwOlJlcG9zaXRvcnl{rid}",
        "name": name,
        "full_name": f"{owner}/{name}",
        "owner": account_json(owner, kind),
        "private": True,
        "html_url": f"https://github.com/{owner}/{name}",
        "url": f"{root}/repos/{owner}/{name}",
        "default_branch": "main",
    }


def app_permissions(app):
    """The App's own permissions: as registered, else the highest its installations hold."""
    if app["permissions"] is not None:
        return app["permissions"]
    merged = {}
    for inst in INSTALLATIONS.values():
        if inst["app_id"] == app["id"]:
            for name, level in inst["permissions"].items():
                if LEVELS[level] > LEVELS.get(merged.get(name), 0):
                    merged[name] = level
    return merged


def app_json(app):
    return {
        "id": app["id"],
        "slug": app["slug"],
        "node_id": f"MDM6QXBw{app['id']}",
        "client_id": app["client_id"],
        "owner": account_json(app["owner"], "Organization"),
        "name": app["name"],
        "description": "",
        "external_url": "https://example.com",
        "html_url": f"https://github.com/apps/{app['slug']}",
        "created_at": app["created_at"],
        "updated_at": app["created_at"],
        "permissions": app_permissions(app),
        "events": [],
        "installations_count": sum(1 for i in INSTALLATIONS.values() if i["app_id"] == app["id"]),
    }


def installation_json(inst):
    app, iid, root = APPS[inst["app_id"]], inst["id"], api_root()
    return {
        "id": iid,
        "client_id": app["client_id"],
        "account": account_json(inst["account"], inst["account_type"]),
        "repository_selection": "all" if inst["repositories"] is None else "selected",
        "access_tokens_url": f"{root}/app/installations/{iid}/access_tokens",
        "repositories_url": f"{root}/installation/repositories",
        "html_url": f"https://github.com/settings/installations/{iid}",
        "app_id": app["id"],
        "app_slug": app["slug"],
        "target_id": id_of("account", inst["account"]),
        "target_type": inst["account_type"],
        "permissions": inst["permissions"],
        "events": [],
        "created_at": inst["created_at"],
        "updated_at": inst["created_at"],
        "single_file_name": None,
        "has_multiple_single_files": False,
        "single_file_paths": [],
        "suspended_by": None,
        "suspended_at": None,
    }
