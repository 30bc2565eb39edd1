"""What every loopback API test server (provider_server.py, github_app_server.py) does around its
routes: count each call, and lose, delay or garble the next answer of a route when a test says so
through POST /_test/drop_next and POST /_test/next. The state is per server process, in memory.
"""

import functools
import socket
import threading
import time

from flask import Response, jsonify, request

LOCK = threading.RLock()
STATE_CALLS = {}  # route name -> calls, whatever the answer; every @endpoint name from the start
DROP = {}  # route name -> how many of its next calls lose their answer
DELAY = {}  # route name -> seconds its next call's answer waits
GARBLE = {}  # route name -> the body its next call answers (200) instead of its own


def error(status, body):
    response = jsonify(body)
    response.status_code = status
    return response


def lose_answer():
    """Close the connection so the client gets no response at all (the work is already done)."""
    sock = request.environ.get("werkzeug.socket")
    if sock is not None:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        sock.close()


def endpoint(name):
    """Counts every call of an API route (whatever its answer) and carries out the faults set
    for its next answer. The view runs under LOCK, so routes never see each other's halves."""
    STATE_CALLS.setdefault(name, 0)

    def wrap(view):
        @functools.wraps(view)
        def counted(*args, **kwargs):
            with LOCK:
                STATE_CALLS[name] += 1
                answer = view(*args, **kwargs)
                drop = DROP.get(name, 0) > 0
                if drop:
                    DROP[name] -= 1
                delay = DELAY.pop(name, 0)
                garbled = GARBLE.pop(name, None)
            if garbled is not None:
                # The server did its work (a rotation, a mint), then answered nonsense.
                answer = Response(garbled, status=200, mimetype="application/json")
            if delay:
                time.sleep(delay)
            if drop:
                lose_answer()
            return answer

        return counted

    return wrap


def fault_hooks(app):
    """Adds POST /_test/drop_next and POST /_test/next to `app`; both take {"endpoint": a route
    name as counted by @endpoint}."""

    def named(body):
        name = body.get("endpoint") if isinstance(body, dict) else None
        return name if name in STATE_CALLS else None

    def unknown():
        return error(400, {"message": f"endpoint must be one of {', '.join(STATE_CALLS)}"})

    @app.post("/_test/drop_next")
    def test_drop_next():
        name = named(request.get_json(silent=True, force=True))
        if name is None:
            return unknown()
        with LOCK:
            DROP[name] = DROP.get(name, 0) + 1
        return jsonify({})

    @app.post("/_test/next")
    def test_next():
        """The next call of `endpoint` is carried out, then answered `delay` seconds later and,
        with `body`, answered 200 with that body verbatim instead of its own."""
        body = request.get_json(silent=True, force=True) or {}
        name = named(body)
        if name is None:
            return unknown()
        with LOCK:
            if "delay" in body:
                DELAY[name] = float(body["delay"])
            if "body" in body:
                GARBLE[name] = str(body["body"])
        return jsonify({})
