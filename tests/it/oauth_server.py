"""A loopback OAuth 2.0 server for the tests, built on Authlib's authorization-server classes
(RFC 6749 code and refresh grants, RFC 7636 PKCE, RFC 8628 device grant), served at the paths
of GitLab (/oauth/...), GitHub and Gitea (/login/oauth/...) and Bitbucket (/site/oauth2/...),
with a /user for each API. Refresh tokens rotate: a used one is revoked.

Prints `PORT <n>` once it listens on 127.0.0.1 (port 0: the OS picks), then serves until killed.
Test hooks: POST /_test/approve (user_code, allow=1|0), GET /_test/stats.

Hostile hooks (issue 26): POST /_test/answer (grant, status, body, delay) makes the token
endpoint answer that grant type ("*": any) with `body` as given (raw JSON, so a test can send a
token with a line break) after `delay` seconds, without asking Authlib, so no code or refresh
token is used up; without `body` and `status` it goes back to answering honestly.
POST /_test/revoke revokes every refresh token issued so far (the grant is then refused with
invalid_grant). Every token request is counted in stats["requests"] by grant type.
"""

import argparse
import json
import sys
import threading
import time

from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.oauth2.rfc6749 import grants
from authlib.oauth2.rfc6749.models import ClientMixin
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oauth2.rfc8628 import (
    DeviceAuthorizationEndpoint,
    DeviceCodeGrant,
    DeviceCredentialDict,
)
from flask import Flask, jsonify, request
from werkzeug.serving import make_server

parser = argparse.ArgumentParser()
parser.add_argument("--expires-in", type=int, default=7200)
parser.add_argument("--user", default="alice")
parser.add_argument("--email", default="alice@example.com")
parser.add_argument("--slow-down", type=int, default=0, help="answer slow_down this often first")
args = parser.parse_args()

LOCK = threading.Lock()
STATS = {
    "issued": {},
    "errors": {},
    "requests": {},
    "device_polls": 0,
    "access": [],
    "refresh": [],
}
HOSTILE = {}  # grant type or "*" -> (status, body, delay)
CODES = {}
TOKENS = {}  # access token -> token dict
REFRESH = {}  # refresh token -> token dict
DEVICE = {}  # device_code -> credential
GRANTS = {}  # user_code -> allowed
SLOWED = {}  # device_code -> slow_down answers given
USER = {"id": 1, "login": args.user, "username": args.user, "email": args.email}


class Client(ClientMixin):
    def __init__(self, client_id, secret):
        self.client_id = client_id
        self.secret = secret

    def get_client_id(self):
        return self.client_id

    def get_default_redirect_uri(self):
        return None

    def get_allowed_scope(self, scope):
        return scope or ""

    def check_redirect_uri(self, redirect_uri):
        # RFC 8252 7.3: loopback IP literal, any port.
        return redirect_uri.startswith("http://127.0.0.1:") and redirect_uri.endswith("/")

    def check_client_secret(self, client_secret):
        return self.secret is not None and client_secret == self.secret

    def check_endpoint_auth_method(self, method, endpoint):
        if self.secret is None:
            return method == "none"
        return method == "client_secret_post"

    def check_response_type(self, response_type):
        return response_type == "code"

    def check_grant_type(self, grant_type):
        return True


CLIENTS = {
    "public-app": Client("public-app", None),
    "secret-app": Client("secret-app", "client-secret-3f9a7c"),
}


class Code(dict):
    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None

    def get_redirect_uri(self):
        return self["redirect_uri"]

    def get_scope(self):
        return self["scope"]

    def get_code_challenge(self):
        return self.get("code_challenge")

    def get_code_challenge_method(self):
        return self.get("code_challenge_method")


class Token(dict):
    def check_client(self, client):
        return self["client_id"] == client.get_client_id()

    def get_scope(self):
        return self.get("scope", "")

    def get_expires_in(self):
        return self["expires_in"]

    def is_expired(self):
        return False

    def is_revoked(self):
        return self.get("revoked", False)


class AuthorizationCode(grants.AuthorizationCodeGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_post", "none"]

    def save_authorization_code(self, code, req):
        with LOCK:
            CODES[code] = Code(
                client_id=req.client.client_id,
                redirect_uri=req.payload.redirect_uri,
                scope=req.payload.scope,
                code_challenge=req.payload.data.get("code_challenge"),
                code_challenge_method=req.payload.data.get("code_challenge_method"),
            )

    def query_authorization_code(self, code, client):
        item = CODES.get(code)
        if item and item["client_id"] == client.client_id:
            return item

    def delete_authorization_code(self, authorization_code):
        with LOCK:
            for k, v in list(CODES.items()):
                if v is authorization_code:
                    del CODES[k]

    def authenticate_user(self, authorization_code):
        return USER


class RefreshToken(grants.RefreshTokenGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_post", "none"]
    INCLUDE_NEW_REFRESH_TOKEN = True

    def authenticate_refresh_token(self, refresh_token):
        token = REFRESH.get(refresh_token)
        if token and not token.is_revoked():
            return token

    def authenticate_user(self, credential):
        return USER

    def revoke_old_credential(self, credential):
        with LOCK:
            credential["revoked"] = True
            TOKENS.pop(credential["access_token"], None)


class DeviceCode(DeviceCodeGrant):
    def query_device_credential(self, device_code):
        return DEVICE.get(device_code)

    def query_user_grant(self, user_code):
        if user_code in GRANTS:
            return USER, GRANTS[user_code]
        return None

    def should_slow_down(self, credential):
        with LOCK:
            STATS["device_polls"] += 1
            given = SLOWED.get(credential["device_code"], 0)
            if given < args.slow_down:
                SLOWED[credential["device_code"]] = given + 1
                return True
        return False


class DeviceEndpoint(DeviceAuthorizationEndpoint):
    INTERVAL = 1

    def get_verification_uri(self):
        return f"http://127.0.0.1:{PORT}/oauth/device"

    def save_device_credential(self, client_id, scope, data):
        with LOCK:
            DEVICE[data["device_code"]] = DeviceCredentialDict(
                client_id=client_id, scope=scope, expires_at=time.time() + 600, **data
            )


def save_token(token, req):
    token = Token(token, client_id=req.client.client_id)
    with LOCK:
        STATS["access"].append(token["access_token"])
        STATS["refresh"].append(token.get("refresh_token"))
        TOKENS[token["access_token"]] = token
        if "refresh_token" in token:
            REFRESH[token["refresh_token"]] = token


app = Flask(__name__)
app.config["OAUTH2_REFRESH_TOKEN_GENERATOR"] = True
app.config["OAUTH2_TOKEN_EXPIRES_IN"] = {
    "authorization_code": args.expires_in,
    "refresh_token": args.expires_in,
    "urn:ietf:params:oauth:grant-type:device_code": args.expires_in,
}
server = AuthorizationServer(app, query_client=CLIENTS.get, save_token=save_token)
server.register_grant(AuthorizationCode, [CodeChallenge(required=True)])
server.register_grant(RefreshToken)
server.register_grant(DeviceCode)
server.register_endpoint(DeviceEndpoint)


@app.route("/oauth/authorize")
@app.route("/login/oauth/authorize")
@app.route("/site/oauth2/authorize")
def authorize():
    # The test user is logged in and consents at once.
    return server.create_authorization_response(grant_user=USER)


@app.route("/oauth/token", methods=["POST"])
@app.route("/login/oauth/access_token", methods=["POST"])
@app.route("/site/oauth2/access_token", methods=["POST"])
def token():
    grant = request.form.get("grant_type", "?")
    with LOCK:
        STATS["requests"][grant] = STATS["requests"].get(grant, 0) + 1
        hostile = HOSTILE.get(grant) or HOSTILE.get("*")
    if hostile is not None:
        status, body, delay = hostile
        time.sleep(delay)
        return app.response_class(body, status=status, mimetype="application/json")
    response = server.create_token_response()
    body = json.loads(response.get_data() or b"{}")
    with LOCK:
        if response.status_code == 200 and "error" not in body:
            STATS["issued"][grant] = STATS["issued"].get(grant, 0) + 1
        else:
            key = f"{grant}:{body.get('error')}"
            STATS["errors"][key] = STATS["errors"].get(key, 0) + 1
    return response


@app.route("/oauth/authorize_device", methods=["POST"])
@app.route("/login/device/code", methods=["POST"])
@app.route("/login/oauth/device_authorization", methods=["POST"])
def device_authorization():
    return server.create_endpoint_response("device_authorization")


@app.route("/.well-known/openid-configuration")
def discovery():
    return jsonify(device_authorization_endpoint=f"http://127.0.0.1:{PORT}/login/oauth/device_authorization")


@app.route("/api/v4/user")
@app.route("/api/v1/user")
@app.route("/2.0/user")
@app.route("/user")
def user():
    auth = request.headers.get("Authorization", "")
    token = TOKENS.get(auth.removeprefix("Bearer "))
    if not auth.startswith("Bearer ") or token is None or token.is_revoked():
        return jsonify(message="401 Unauthorized"), 401
    return jsonify(USER)


@app.route("/_test/approve", methods=["POST"])
def approve():
    with LOCK:
        GRANTS[request.form["user_code"]] = request.form.get("allow", "1") == "1"
    return jsonify(ok=True)


@app.route("/_test/answer", methods=["POST"])
def hostile_answer():
    grant = request.form.get("grant", "*")
    with LOCK:
        if "body" in request.form or "status" in request.form:
            HOSTILE[grant] = (
                int(request.form.get("status", "200")),
                request.form.get("body", ""),
                float(request.form.get("delay", "0")),
            )
        else:
            HOSTILE.pop(grant, None)
    return jsonify(ok=True)


@app.route("/_test/revoke", methods=["POST"])
def revoke_refresh_tokens():
    with LOCK:
        for token in REFRESH.values():
            token["revoked"] = True
    return jsonify(ok=True)


@app.route("/_test/stats")
def stats():
    with LOCK:
        return jsonify(STATS)


httpd = make_server("127.0.0.1", 0, app, threaded=True)
PORT = httpd.server_port
print(f"PORT {PORT}", flush=True)
sys.stdout.close()
httpd.serve_forever()
