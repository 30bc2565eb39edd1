"""Checks tests/it/github_app_server.py against the real GitHub client, PyGithub: the JWTs it
signs must be accepted, the answers must read as GitHub's do, and its errors must come as
GitHub's statuses. Reads a JSON object from stdin: {"url": API root, "app_id", "slug",
"key_file", "other_key_file": PEM files, "installation_id", "owner", "repos": two repositories
the installation covers, "uncovered": one it does not, "permissions": the installation's, "org":
an organization with an installation of all its repositories, "org_installation_id"}. Prints one `ok <check>` line per check, exits 1
on the first failure.
"""

import datetime
import importlib.metadata
import json
import re
import sys
import time

import jwt
from github import Auth, GithubException, GithubIntegration
from github.InstallationAuthorization import InstallationAuthorization

given = json.load(sys.stdin)
url, app_id, iid, owner = given["url"], given["app_id"], given["installation_id"], given["owner"]
key = open(given["key_file"]).read()
other_key = open(given["other_key_file"]).read()
repo, second = given["repos"]


def check(name, condition, detail=""):
    if not condition:
        print(f"FAILED {name} {detail}", flush=True)
        sys.exit(1)
    print(f"ok {name}", flush=True)


def integration(auth, base=url):
    # No retries and no pause between writes: each call is one request, answered at once.
    return GithubIntegration(auth=auth, base_url=base, retry=0, timeout=10,
                             seconds_between_requests=None, seconds_between_writes=None)


def refused(name, status, call, message=None):
    try:
        call()
    except GithubException as e:
        said = e.data.get("message") if isinstance(e.data, dict) else e.data
        docs = e.data.get("documentation_url") if isinstance(e.data, dict) else None
        check(name, e.status == status and isinstance(docs, str)
              and (message is None or said == message), f"{e.status} {e.data}")
        return
    check(name, False, "accepted")


def resigned(change):
    """An AppAuth whose JWT claims (or algorithm) `change` alters before signing."""
    def sign(payload):
        claims, algorithm, signing_key = change(dict(payload))
        # PyJWS, not jwt.encode: that refuses a numeric iss, which GitHub takes.
        return jwt.api_jws.encode(json.dumps(claims).encode(), signing_key, algorithm=algorithm)
    return Auth.AppAuth(app_id, sign_func=sign)


gi = integration(Auth.AppAuth(app_id, key))

# The App, its installations, and the installation per repository, organization and user.
app = gi.get_app()
check("app", app.id == app_id and app.slug == given["slug"] and isinstance(app.name, str), app.raw_data)
check("app owner", isinstance(app.owner.login, str) and app.owner.type == "Organization", app.raw_data)
check("app permissions", app.permissions.get("contents") == "write", app.permissions)
installations = list(gi.get_installations())
check("installations", sorted(i.id for i in installations) == sorted([iid, given["org_installation_id"]]),
      [i.raw_data for i in installations])
# PyGithub would read {"installations": [...]} as well; GitHub answers a bare array.
check("installations a bare array", isinstance(gi.requester.requestJsonAndCheck("GET", "/app/installations")[1], list))
mine = next(i for i in installations if i.id == iid)
check("installation fields", mine.app_id == app_id and mine.target_type == "User"
      and mine.repository_selection == "selected" and mine.raw_data["account"]["login"] == owner, mine.raw_data)
check("installation permissions", mine.permissions == given["permissions"], mine.permissions)
check("installation access_tokens_url",
      mine.access_tokens_url == f"{url}/app/installations/{iid}/access_tokens", mine.access_tokens_url)
found = gi.get_repo_installation(owner, repo)
check("repo installation", found.id == iid and found.raw_data["account"]["login"] == owner)
check("repo installation ignores case", gi.get_repo_installation(owner.upper(), repo.upper()).id == iid)
org = gi.get_org_installation(given["org"])
check("org installation", org.id == given["org_installation_id"] and org.target_type == "Organization"
      and org.repository_selection == "all", org.raw_data)
check("user installation", gi.get_user_installation(owner).id == iid)
check("installation by id", gi.get_app_installation(iid).id == iid)
refused("repo without installation: 404", 404, lambda: gi.get_repo_installation(owner, given["uncovered"]), "Not Found")
refused("org without installation: 404", 404, lambda: gi.get_org_installation(owner), "Not Found")

# Tokens: the installation's permissions, narrower ones, and narrowed to one repository.
before = datetime.datetime.now(datetime.timezone.utc)
whole = gi.get_access_token(iid)
check("token shape", whole.token.startswith("ghs_") and len(whole.token) == 40 and whole.token[4:].isalnum(),
      whole.token)
lifetime = (whole.expires_at - before).total_seconds()
check("token expires in an hour", 3590 <= lifetime <= 3601, whole.expires_at)
check("token permissions default to the installation's", whole.permissions == given["permissions"], whole.permissions)
check("token repository selection", whole.repository_selection == "selected", whole.repository_selection)
narrow = gi.get_access_token(iid, permissions={"contents": "read"})
check("token narrower permissions", narrow.permissions == {"contents": "read"} and narrow.token != whole.token,
      narrow.permissions)
refused("permission above the installation's: 422", 422,
        lambda: gi.get_access_token(iid, permissions={"contents": "admin"}),
        "The permissions requested are not granted to this installation.")
refused("permission the installation lacks: 422", 422,
        lambda: gi.get_access_token(iid, permissions={"administration": "read"}))
refused("unknown installation: 404", 404, lambda: gi.get_access_token(987654321))

# PyGithub 2.10's get_access_token cannot narrow repositories: its requester (and JWT) can.
path = f"/app/installations/{iid}/access_tokens"
headers, data = gi.requester.requestJsonAndCheck(
    "POST", path, input={"repositories": [second], "permissions": {"contents": "write"}})
one = InstallationAuthorization(gi.requester, headers, data)
check("token narrowed to one repository", [r.full_name for r in one.repositories] == [f"{owner}/{second}"]
      and one.repository_selection == "selected" and one.permissions == {"contents": "write"}, data)
check("narrowed repository id", isinstance(one.repositories[0].id, int) and one.repositories[0].name == second)
headers, data = gi.requester.requestJsonAndCheck("POST", path, input={"repository_ids": [one.repositories[0].id]})
check("token narrowed by repository id", [r["name"] for r in data["repositories"]] == [second], data)
status, _, raw = gi.requester.requestJson("POST", path, input={})
check("a mint answers 201 Created", status == 201 and json.loads(raw)["token"].startswith("ghs_"), (status, raw))
check("expires_at as GitHub writes it", re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", json.loads(raw)["expires_at"]), raw)
refused("repository outside the installation: 422", 422,
        lambda: gi.requester.requestJsonAndCheck("POST", path, input={"repositories": [given["uncovered"]]}),
        "There is at least one repository that does not exist or is not accessible to the parent installation.")

# JWTs: GitHub's rules for the signature, the algorithm and the times.
refused("JWT signed with another key: 401", 401, lambda: integration(Auth.AppAuth(app_id, other_key)).get_app(),
        "A JSON web token could not be decoded")
refused("JWT of an unknown App: 401", 401, lambda: integration(Auth.AppAuth(app_id + 1, key)).get_app())
refused("JWT signed HS256: 401", 401,
        lambda: integration(resigned(lambda c: (c, "HS256", "a shared secret of 32 bytes or more"))).get_app())
now = int(time.time())
refused("expired JWT: 401", 401,
        lambda: integration(resigned(lambda c: ({**c, "iat": now - 700, "exp": now - 100}, "RS256", key))).get_app())
refused("JWT issued in the future: 401", 401,
        lambda: integration(resigned(lambda c: ({**c, "iat": now + 120}, "RS256", key))).get_app())
refused("JWT expiring too late: 401", 401,
        lambda: integration(resigned(lambda c: ({**c, "exp": now + 3600}, "RS256", key))).get_app())
longest = Auth.AppAuth(app_id, key, jwt_expiry=600, jwt_issued_at=-60)
check("JWT of the longest life GitHub allows", integration(longest).get_app().id == app_id)
numeric = resigned(lambda c: ({**c, "iss": int(c["iss"])}, "RS256", key))
check("JWT with a numeric iss", integration(numeric).get_app().id == app_id)
by_client = resigned(lambda c: ({**c, "iss": app.client_id}, "RS256", key))
check("JWT with the client ID as iss", integration(by_client).get_app().id == app_id)

# GitHub Enterprise Server: the same API under /api/v3.
enterprise = integration(Auth.AppAuth(app_id, key), base=f"{url}/api/v3")
check("enterprise app", enterprise.get_app().id == app_id)
check("enterprise installation urls", enterprise.get_repo_installation(owner, repo).access_tokens_url
      == f"{url}/api/v3/app/installations/{iid}/access_tokens")
check("enterprise token", enterprise.get_access_token(iid).token.startswith("ghs_"))
print(f"pygithub {importlib.metadata.version('PyGithub')}", flush=True)
print("all ok", flush=True)
