"""A loopback stand-in for the token-lifecycle APIs of GitLab, GitHub, Gitea/Forgejo and
Bitbucket Cloud, for the provider-lifecycle tests (contract: issue 11). It answers the routes
vouch calls with the providers' documented status codes, headers and JSON shapes, including
GitLab's rule that rotating an already-rotated token revokes the whole token family.
tests/it/provider_fidelity.py checks it against the real python-gitlab client.

Prints `PORT <n>` once it listens on 127.0.0.1 (port 0: the OS picks), then serves until killed.
State lives in memory. Test hooks (no auth, JSON): POST /_test/tokens (optional "email": GitLab's
/user shows it to tokens with api, read_api or read_user), POST /_test/revoke,
POST /_test/drop_next, POST /_test/next (delay or garble the next answer: route_faults.py),
GET /_test/state. The tokens and how a route reads a request's token: provider_tokens.py.
"""

import datetime
import secrets
import sys

from flask import Flask, Response, jsonify, request
from werkzeug.serving import make_server

from provider_tokens import (
    FAMILIES,
    GITHUB_DOCS,
    TOKENS,
    active,
    authenticated,
    find,
    new_token,
    now_iso,
    parse_date,
    presented,
    today,
    user_id,
)
from route_faults import LOCK, STATE_CALLS, endpoint, error, fault_hooks

app = Flask(__name__)


# --- GitLab ------------------------------------------------------------------------------

GITLAB_401 = {"message": "401 Unauthorized"}


def gitlab_fields(token):
    return {
        "id": token["id"],
        "name": token["name"],
        "revoked": token["revoked"],
        "created_at": token["created_at"],
        "scopes": token["scopes"],
        "user_id": user_id("gitlab", token["username"]),
        "last_used_at": token["last_used_at"],
        "active": active(token),
        "expires_at": token["expires_at"],
    }


@app.get("/gitlab/api/v4/personal_access_tokens/self")
@endpoint("gitlab_self_get")
def gitlab_self_get():
    token = authenticated("gitlab")
    if token is None:
        return error(401, GITLAB_401)
    return jsonify(gitlab_fields(token))


def rotate_expiry():
    """The requested expires_at (query string, form field or JSON body): (date, error body)."""
    text = request.args.get("expires_at") or request.form.get("expires_at")
    if text is None and request.is_json:
        body = request.get_json(silent=True)
        text = body.get("expires_at") if isinstance(body, dict) else None
    if text is None:
        return (today() + datetime.timedelta(days=7)).isoformat(), None
    date = parse_date(text)
    if date is None:
        return None, {"message": {"expires_at": ["is invalid"]}}
    if date < today():
        return None, {"message": {"expires_at": ["must not be in the past"]}}
    if date > today() + datetime.timedelta(days=365):
        return None, {"message": {"expires_at": ["must be within 365 days"]}}
    return date.isoformat(), None


@app.post("/gitlab/api/v4/personal_access_tokens/self/rotate")
@endpoint("gitlab_rotate")
def gitlab_rotate():
    value = presented("gitlab")
    old = find(value, "gitlab") if value else None
    if old is not None and old["rotated"]:
        # Reuse of a rotated token: GitLab takes it as a leak and revokes the whole family.
        for token in TOKENS:
            if token["family_id"] == old["family_id"]:
                token["revoked"] = True
        return error(401, GITLAB_401)
    if old is None or not active(old):
        return error(401, GITLAB_401)
    if "api" not in old["scopes"] and "self_rotate" not in old["scopes"]:
        return error(403, {"message": "403 Forbidden"})
    expires_at, problem = rotate_expiry()
    if problem is not None:
        return error(400, problem)
    old["last_used_at"] = now_iso()
    old["revoked"] = True
    old["rotated"] = True
    new = new_token(
        "gitlab",
        "glpat-" + secrets.token_urlsafe(15),
        old["username"],
        old["scopes"],
        expires_at,
        old["name"],
        family_id=old["family_id"],
        rotated_from=old["id"],
        email=old["email"],
    )
    return jsonify({**gitlab_fields(new), "token": new["token"]})


@app.delete("/gitlab/api/v4/personal_access_tokens/self")
@endpoint("gitlab_self_delete")
def gitlab_self_delete():
    token = authenticated("gitlab")
    if token is None:
        return error(401, GITLAB_401)
    token["revoked"] = True
    return Response(status=204)


@app.get("/gitlab/api/v4/user")
@endpoint("gitlab_user")
def gitlab_user():
    token = authenticated("gitlab")
    if token is None:
        return error(401, GITLAB_401)
    name = token["username"]
    user = {"id": user_id("gitlab", name), "username": name, "name": name, "state": "active"}
    if token["email"] is not None and {"api", "read_api", "read_user"} & set(token["scopes"]):
        user["email"] = token["email"]
    return jsonify(user)


@app.post("/gitlab/oauth/revoke")
@endpoint("gitlab_oauth_revoke")
def gitlab_oauth_revoke():
    if not request.form.get("client_id"):
        return error(401, {"error": "invalid_client"})
    value = request.form.get("token")
    if not value:
        return error(400, {"error": "invalid_request"})
    token = find(value, "gitlab")
    if token is not None:
        token["revoked"] = True
    return jsonify({})  # RFC 7009 2.2: 200 for unknown tokens too


# --- GitHub, Gitea, Bitbucket -------------------------------------------------------------


@app.get("/github/user")
@endpoint("github_user")
def github_user():
    token = authenticated("github")
    if token is None:
        return error(401, {"message": "Bad credentials", "documentation_url": GITHUB_DOCS})
    response = jsonify({"login": token["username"], "id": user_id("github", token["username"])})
    response.headers["X-OAuth-Scopes"] = ", ".join(token["scopes"])
    if token["expires_at"] is not None:
        response.headers["github-authentication-token-expiration"] = f"{token['expires_at']} 00:00:00 UTC"
    return response


@app.delete("/github/applications/<client_id>/token")
@endpoint("github_app_revoke")
def github_app_revoke(client_id):
    auth = request.authorization
    if auth is None or auth.type != "basic" or auth.username != client_id or not auth.password:
        return error(401, {"message": "Requires authentication", "documentation_url": GITHUB_DOCS})
    body = request.get_json(silent=True, force=True)
    value = body.get("access_token") if isinstance(body, dict) else None
    token = find(value, "github") if isinstance(value, str) else None
    if token is None or token["revoked"]:
        return error(404, {"message": "Not Found", "documentation_url": GITHUB_DOCS})
    token["revoked"] = True
    return Response(status=204)


@app.get("/gitea/api/v1/user")
@endpoint("gitea_user")
def gitea_user():
    token = authenticated("gitea")
    if token is None:
        return error(401, {"message": "invalid username, password or token"})
    name, uid = token["username"], user_id("gitea", token["username"])
    email = f"{name}@example.com"
    return jsonify({"id": uid, "login": name, "username": name, "full_name": name, "email": email})


@app.get("/bitbucket/2.0/user")
@endpoint("bitbucket_user")
def bitbucket_user():
    token = authenticated("bitbucket")
    if token is None:
        return error(401, {"type": "error", "error": {"message": "Token is invalid, expired, or not supported for this endpoint."}})
    name, uid = token["username"], user_id("bitbucket", token["username"])
    uuid = f"{uid:08x}-0000-4000-8000-000000000000"
    return jsonify({"username": name, "account_id": f"557058:{uuid}", "display_name": name, "uuid": f"{{{uuid}}}"})


# --- Test hooks ---------------------------------------------------------------------------


def bad_request(what):
    return error(400, {"message": what})


@app.post("/_test/tokens")
def test_add_token():
    body = request.get_json(silent=True, force=True)
    if not isinstance(body, dict):
        return bad_request("a JSON object is required")
    family, value, username = body.get("family"), body.get("token"), body.get("username")
    scopes, expires_at, email = body.get("scopes", []), body.get("expires_at"), body.get("email")
    if family not in FAMILIES:
        return bad_request(f"family must be one of {', '.join(FAMILIES)}")
    if not isinstance(value, str) or not value or not isinstance(username, str) or not username:
        return bad_request("token and username must be non-empty strings")
    if not isinstance(scopes, list) or not all(isinstance(s, str) for s in scopes):
        return bad_request("scopes must be a list of strings")
    if expires_at is not None and parse_date(expires_at) is None:
        return bad_request("expires_at must be YYYY-MM-DD or null")
    if email is not None and not isinstance(email, str):
        return bad_request("email must be a string or absent")
    with LOCK:
        if find(value) is not None:
            return error(409, {"message": "that token value exists already"})
        token = new_token(family, value, username, scopes, expires_at, f"{username}-token", email=email)
    return error(201, {"id": token["id"]})


@app.post("/_test/revoke")
def test_revoke():
    body = request.get_json(silent=True, force=True)
    value = body.get("token") if isinstance(body, dict) else None
    with LOCK:
        token = find(value) if isinstance(value, str) else None
        if token is None:
            return error(404, {"message": "unknown token"})
        token["revoked"] = True
    return jsonify({})


fault_hooks(app)


@app.get("/_test/state")
def test_state():
    keys = ("id", "family", "token", "username", "scopes", "expires_at", "revoked", "family_id", "rotated_from")
    with LOCK:
        tokens = [{**{k: t[k] for k in keys}, "active": active(t)} for t in TOKENS]
        return jsonify({"tokens": tokens, "calls": dict(STATE_CALLS)})


httpd = make_server("127.0.0.1", 0, app, threaded=True)
print(f"PORT {httpd.server_port}", flush=True)
sys.stdout.close()
httpd.serve_forever()
