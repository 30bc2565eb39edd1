"""A loopback stand-in for GitHub's REST API for GitHub Apps (issue 30): the App authenticates
with an RS256 JWT checked against its registered public key and GitHub's rules for iat and exp,
finds the installation covering a repository, and mints installation access tokens narrowed to
repositories and permissions, with GitHub's status codes and JSON shapes. Served at the root
(github.com's api.github.com layout) and under /api/v3 (GitHub Enterprise Server's).
tests/it/github_app_fidelity.py checks it against the real PyGithub client.

Prints `PORT <n>` once it listens on 127.0.0.1 (port 0: the OS picks), then serves until killed.
State lives in memory (github_app_state.py). Test hooks (no auth, JSON): POST /_test/apps,
POST /_test/installations, POST /_test/lifetime, POST /_test/revoke, GET /_test/state,
GET /_test/check?token=T&repo=OWNER/REPO (what a git server behind GitHub would let through),
POST /_test/drop_next and POST /_test/next (route_faults.py).
"""

import datetime
import functools
import secrets
import string
import sys
import time

from flask import Flask, jsonify, request
from werkzeug.serving import make_server

from github_app_state import (
    APPS,
    INSTALLATIONS,
    JWTS,
    LEVELS,
    MINTS,
    NAMES,
    REFUSED,
    SETTINGS,
    app_json,
    authenticated_app,
    covers,
    github_error,
    id_of,
    installation_for,
    installation_json,
    iso,
    load_public_key,
    repo_json,
    token_reaches,
)
from route_faults import LOCK, STATE_CALLS, endpoint, error, fault_hooks

app = Flask(__name__)

INSTALL_DOCS = "https://docs.github.com/rest/apps/apps"
NOT_ACCESSIBLE = "There is at least one repository that does not exist or is not accessible to the parent installation."
NOT_GRANTED = "The permissions requested are not granted to this installation."


class EnterprisePrefix:
    """GitHub Enterprise Server serves the same API under /api/v3: the prefix moves to
    SCRIPT_NAME, so routes match as at the root and URLs in answers keep it."""

    def __init__(self, wsgi):
        self.wsgi = wsgi

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path == "/api/v3" or path.startswith("/api/v3/"):
            environ["SCRIPT_NAME"] = environ.get("SCRIPT_NAME", "") + "/api/v3"
            environ["PATH_INFO"] = path[len("/api/v3"):] or "/"
        return self.wsgi(environ, start_response)


app.wsgi_app = EnterprisePrefix(app.wsgi_app)


def as_app(view):
    """The route answers only an App authenticated by its JWT, which the view gets first."""

    @functools.wraps(view)
    def checked(*args, **kwargs):
        github_app, message = authenticated_app()
        if github_app is None:
            return error(401, github_error(message, 401))
        return view(github_app, *args, **kwargs)

    return checked


def not_found(docs=INSTALL_DOCS):
    return error(404, github_error("Not Found", 404, docs))


def found(inst):
    return jsonify(installation_json(inst)) if inst is not None else not_found()


@app.get("/app")
@endpoint("app")
@as_app
def get_app(github_app):
    return jsonify(app_json(github_app))


@app.get("/app/installations")
@endpoint("installations")
@as_app
def list_installations(github_app):
    # One page holds them all: no test installs more than GitHub's per_page maximum (100).
    mine = [i for i in INSTALLATIONS.values() if i["app_id"] == github_app["id"]]
    return jsonify([installation_json(i) for i in mine])


@app.get("/app/installations/<int:iid>")
@endpoint("installation")
@as_app
def get_installation(github_app, iid):
    inst = INSTALLATIONS.get(iid)
    return found(inst if inst is not None and inst["app_id"] == github_app["id"] else None)


@app.get("/repos/<owner>/<repo>/installation")
@endpoint("repo_installation")
@as_app
def repo_installation(github_app, owner, repo):
    return found(installation_for(github_app, owner, repo))


@app.get("/orgs/<org>/installation")
@endpoint("org_installation")
@as_app
def org_installation(github_app, org):
    return found(installation_for(github_app, org, org_only=True))


@app.get("/users/<user>/installation")
@endpoint("user_installation")
@as_app
def user_installation(github_app, user):
    return found(installation_for(github_app, user))


def unprocessable(message):
    return error(422, github_error(message, 422, f"{INSTALL_DOCS}#create-an-installation-access-token-for-an-app"))


def narrowed(inst, names, ids):
    """The repository names the token is narrowed to, in the installation's spelling, or an
    error answer when one is not the installation's."""
    wanted = list(names or [])
    for rid in ids or []:
        full = NAMES.get(rid) if isinstance(rid, int) and not isinstance(rid, bool) else None
        if full is None or "/" not in full:
            return None, unprocessable(NOT_ACCESSIBLE)
        owner, _, name = full.partition("/")
        if owner.lower() != inst["account"].lower():
            return None, unprocessable(NOT_ACCESSIBLE)
        wanted.append(name)
    chosen = []
    for name in wanted:
        if not isinstance(name, str) or "/" in name or not covers(inst, inst["account"], name):
            return None, unprocessable(NOT_ACCESSIBLE)
        spelled = next((r for r in inst["repositories"] or [] if r.lower() == name.lower()), name)
        if spelled.lower() not in (c.lower() for c in chosen):
            chosen.append(spelled)
    return chosen, None


def granted(inst, asked):
    """The permissions a token gets (all of the installation's when none are asked), or None
    when one asked is unknown to the installation or above its level."""
    if not asked:
        return dict(inst["permissions"])
    for name, level in asked.items():
        held = inst["permissions"].get(name)
        if not isinstance(level, str) or level not in LEVELS or held is None or LEVELS[level] > LEVELS[held]:
            return None
    return dict(asked)


@app.post("/app/installations/<int:iid>/access_tokens")
@endpoint("access_tokens")
@as_app
def create_access_token(github_app, iid):
    inst = INSTALLATIONS.get(iid)
    if inst is None or inst["app_id"] != github_app["id"]:
        return not_found(f"{INSTALL_DOCS}#create-an-installation-access-token-for-an-app")
    body = {}
    if request.get_data().strip():
        body = request.get_json(silent=True, force=True)
        if not isinstance(body, dict):
            return error(400, github_error("Problems parsing JSON", 400))
    names, ids, asked = body.get("repositories"), body.get("repository_ids"), body.get("permissions")
    if not all(v is None or isinstance(v, list) for v in (names, ids)) or not isinstance(asked or {}, dict):
        return unprocessable("Invalid request.\n\nrepositories and repository_ids must be arrays, permissions an object.")
    # Empty lists narrow nothing, as absent ones.
    repos, problem = narrowed(inst, names, ids) if names or ids else (None, None)
    if problem is not None:
        return problem
    permissions = granted(inst, asked)
    if permissions is None:
        return unprocessable(NOT_GRANTED)
    alphabet = string.ascii_letters + string.digits
    token = "ghs_" + "".join(secrets.choice(alphabet) for _ in range(36))
    expires = int(time.time()) + SETTINGS["lifetime"]
    MINTS.append({
        "app_id": github_app["id"], "installation_id": iid, "repositories": names,
        "repository_ids": ids, "permissions": asked, "token": token, "expires_at": iso(expires),
        "expires_epoch": expires, "revoked": False,
        # What the token reaches: these names, or all the installation reaches (None).
        "covered": repos if repos is not None else inst["repositories"],
    })
    answer = {
        "token": token,
        "expires_at": iso(expires),
        "permissions": permissions,
        "repository_selection": "selected" if repos is not None or inst["repositories"] is not None else "all",
    }
    if repos is not None:
        answer["repositories"] = [repo_json(inst["account"], inst["account_type"], r) for r in repos]
    return error(201, answer)


# --- Test hooks -----------------------------------------------------------------------------


def bad_request(what):
    return error(400, {"message": what})


def now_iso():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def levels_ok(permissions):
    return isinstance(permissions, dict) and all(
        isinstance(k, str) and v in LEVELS for k, v in permissions.items())


@app.post("/_test/apps")
def test_add_app():
    body = request.get_json(silent=True, force=True) or {}
    aid, slug, pem = body.get("id"), body.get("slug"), body.get("public_key_pem")
    if not isinstance(aid, int) or not isinstance(slug, str) or not slug:
        return bad_request("id must be an integer and slug a non-empty string")
    key = load_public_key(pem) if isinstance(pem, str) else None
    if key is None:
        return bad_request("public_key_pem must be a PEM public key")
    if body.get("permissions") is not None and not levels_ok(body["permissions"]):
        return bad_request("permissions must map names to read, write or admin")
    with LOCK:
        if aid in APPS and body.get("replace_key"):
            # A new key made in the App's settings, the old one deleted.
            APPS[aid]["public_key"] = key
            return error(200, {"id": aid})
        if aid in APPS:
            return error(409, {"message": "that App exists already"})
        APPS[aid] = {
            "id": aid, "slug": slug, "public_key": key, "name": body.get("name", slug),
            "owner": body.get("owner", "vouch-test-org"), "permissions": body.get("permissions"),
            "client_id": body.get("client_id", f"Iv23li{aid:014d}"), "created_at": now_iso(),
        }
    return error(201, {"id": aid})


@app.post("/_test/installations")
def test_install():
    body = request.get_json(silent=True, force=True) or {}
    aid, iid, account = body.get("app_id"), body.get("id"), body.get("account")
    repos, permissions = body.get("repositories"), body.get("permissions", {})
    kind = body.get("account_type", "User")
    if not isinstance(iid, int) or not isinstance(account, str) or not account:
        return bad_request("id must be an integer and account a non-empty string")
    if repos is not None and not (isinstance(repos, list) and all(isinstance(r, str) and r and "/" not in r for r in repos)):
        return bad_request("repositories must be null (all) or a list of repository names")
    if not levels_ok(permissions) or kind not in ("User", "Organization"):
        return bad_request("permissions must map names to read, write or admin; account_type User or Organization")
    with LOCK:
        if aid not in APPS:
            return error(404, {"message": "no App with that id"})
        if iid in INSTALLATIONS:
            return error(409, {"message": "that installation exists already"})
        id_of("account", account)
        for name in repos or []:
            id_of("repo", f"{account}/{name}")
        INSTALLATIONS[iid] = {
            "id": iid, "app_id": aid, "account": account, "account_type": kind,
            "repositories": repos, "permissions": permissions, "created_at": now_iso(),
        }
    return error(201, {"id": iid})


@app.post("/_test/lifetime")
def test_lifetime():
    seconds = (request.get_json(silent=True, force=True) or {}).get("seconds")
    if not isinstance(seconds, int) or isinstance(seconds, bool):
        return bad_request("seconds must be an integer")
    with LOCK:
        SETTINGS["lifetime"] = seconds
    return jsonify({})


@app.post("/_test/revoke")
def test_revoke():
    value = (request.get_json(silent=True, force=True) or {}).get("token")
    with LOCK:
        mint = next((m for m in MINTS if m["token"] == value), None)
        if mint is None:
            return error(404, {"message": "unknown token"})
        mint["revoked"] = True
    return jsonify({})


@app.get("/_test/check")
def test_check():
    token, repo = request.args.get("token", ""), request.args.get("repo", "")
    with LOCK:
        return jsonify({"ok": token_reaches(token, repo)})


@app.get("/_test/state")
def test_state():
    with LOCK:
        mints = [{k: v for k, v in m.items() if k != "expires_epoch"} for m in MINTS]
        return jsonify({"mints": mints, "calls": dict(STATE_CALLS), "jwts": list(JWTS), "refused": list(REFUSED)})


fault_hooks(app)

httpd = make_server("127.0.0.1", 0, app, threaded=True)
print(f"PORT {httpd.server_port}", flush=True)
sys.stdout.close()
httpd.serve_forever()
