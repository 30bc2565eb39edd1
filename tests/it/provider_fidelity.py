"""Checks tests/it/provider_server.py against the real GitLab client, python-gitlab: what the
client sends and how it reads the answers must match what GitLab does. Reads a JSON object from
stdin (the tokens stay out of argv): {"url": GitLab base URL, "rotatable", "chain", "readonly":
token values, "today": YYYY-MM-DD}. Prints one `ok <check>` line per check, exits 1 on the
first failure.
"""

import datetime
import json
import sys

import gitlab
from gitlab.exceptions import GitlabAuthenticationError, GitlabRotateError

given = json.load(sys.stdin)
today = datetime.date.fromisoformat(given["today"])


def check(name, condition, detail=""):
    if not condition:
        print(f"FAILED {name} {detail}", flush=True)
        sys.exit(1)
    print(f"ok {name}", flush=True)


def client(token):
    return gitlab.Gitlab(url=given["url"], private_token=token, timeout=10)


def dead(gl, name):
    try:
        gl.personal_access_tokens.get("self")
    except GitlabAuthenticationError as e:
        check(name, e.response_code == 401, e.response_code)
        return
    check(name, False, "the token still works")


gl = client(given["rotatable"])
token = gl.personal_access_tokens.get("self")
check("self id", isinstance(token.id, int))
check("self scopes", token.scopes == ["api"], token.scopes)
check("self active", token.active is True and token.revoked is False)
check("self expires_at", token.expires_at is None, token.expires_at)
check("self user_id", isinstance(token.user_id, int))
gl.auth()
check("user", gl.user.username == "alice" and gl.user.id == token.user_id, gl.user.attributes)

old_id = token.id
expiry = (today + datetime.timedelta(days=30)).isoformat()
answer = token.rotate(self_rotate=True, expires_at=expiry)
check("rotate answers a token", answer["token"].startswith("glpat-") and len(answer["token"]) == 26)
check("rotate updates the object", token.token == answer["token"] and token.id != old_id)
check("rotate expires_at", token.expires_at == expiry, token.expires_at)
dead(gl, "old token refused after rotate")

new = client(token.token)
again = new.personal_access_tokens.get("self")
check("new token works", again.id == token.id and again.expires_at == expiry)

try:
    again.rotate(self_rotate=True, expires_at=(today - datetime.timedelta(days=1)).isoformat())
    check("rotate into the past refused", False)
except GitlabRotateError as e:
    check("rotate into the past refused", e.response_code == 400, e.response_code)

default = client(given["chain"]).personal_access_tokens.get("self")
default.rotate(self_rotate=True)
week = (today + datetime.timedelta(days=7)).isoformat()
check("default expiry a week", default.expires_at == week, default.expires_at)
try:
    client(given["chain"]).personal_access_tokens.rotate("self")
    check("reusing a rotated token refused", False)
except GitlabAuthenticationError as e:
    check("reusing a rotated token refused", e.response_code == 401, e.response_code)
dead(client(default.token), "family revoked after reuse")

try:
    client(given["readonly"]).personal_access_tokens.get("self").rotate(self_rotate=True)
    check("rotate without api scope refused", False)
except GitlabRotateError as e:
    check("rotate without api scope refused", e.response_code == 403, e.response_code)
client(given["readonly"]).personal_access_tokens.get("self")
print("ok readonly token still works", flush=True)

new.personal_access_tokens.delete("self")
dead(new, "deleted token refused")
print("all ok", flush=True)
