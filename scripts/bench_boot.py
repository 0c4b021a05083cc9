#!/usr/bin/env python3
"""Boot latency through the HTTP API of a running Nimbus (e.g. `make run`): one server POST -> ACTIVE
(repeated, p50/p99) and 100 servers in one request (min_count) until all are ACTIVE.
Usage: scripts/bench_boot.py [http://127.0.0.1:8774] [repeats]"""
import json, statistics, sys, time, urllib.request

BASE = (sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8774").rstrip("/") + "/v2.1"
REPEATS = int(sys.argv[2]) if len(sys.argv) > 2 else 50


# A token from the built-in identity (admin / $OS_PASSWORD, default "nimbus"); none needed under noauth2.
def token():
    import os
    auth = os.environ.get("OS_AUTH_URL", "http://127.0.0.1:5000/v3").rstrip("/") + "/auth/tokens"
    body = {"auth": {"identity": {"methods": ["password"], "password": {"user": {
        "name": os.environ.get("OS_USERNAME", "admin"), "domain": {"name": "Default"},
        "password": os.environ.get("OS_PASSWORD", "nimbus")}}},
        "scope": {"project": {"name": os.environ.get("OS_PROJECT_NAME", "admin"), "domain": {"name": "Default"}}}}}
    req = urllib.request.Request(auth, data=json.dumps(body).encode(), method="POST",
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req) as r:
            return r.headers["X-Subject-Token"]
    except OSError:
        return None

TOKEN = token()

def call(method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(BASE + path, data=data, method=method, headers={"Content-Type": "application/json"})
    if TOKEN:
        req.add_header("X-Auth-Token", TOKEN)
    with urllib.request.urlopen(req) as r:
        raw = r.read()
        return json.loads(raw) if raw else {}


def boot(name, count=1):
    body = {"server": {"name": name, "imageRef": "cirros", "flavorRef": "1", "min_count": count, "max_count": count}}
    return call("POST", "/servers", body)["server"]["id"]


def wait_active(pred):
    while True:
        if pred():
            return
        time.sleep(0.0005)


def delete_all():
    for s in call("GET", "/servers")["servers"]:
        call("DELETE", "/servers/" + s["id"])
    wait_active(lambda: not call("GET", "/servers")["servers"])


delete_all()
single = []
for i in range(REPEATS):
    t0 = time.perf_counter()
    sid = boot(f"bench-{i}")
    wait_active(lambda: call("GET", "/servers/" + sid)["server"]["status"] == "ACTIVE")
    single.append((time.perf_counter() - t0) * 1000)
delete_all()
q = statistics.quantiles(single, n=100)
print(f"one server POST -> ACTIVE over {REPEATS} boots: p50 {statistics.median(single):.1f} ms, p99 {q[98]:.1f} ms")

t0 = time.perf_counter()
boot("bulk", 100)
wait_active(lambda: sum(1 for s in call("GET", "/servers/detail")["servers"] if s["status"] == "ACTIVE") == 100)
print(f"100 servers in one request -> all ACTIVE: {(time.perf_counter() - t0) * 1000:.0f} ms")
delete_all()
