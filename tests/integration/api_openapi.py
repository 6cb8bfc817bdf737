#!/usr/bin/env python3
"""Check the API against docs/openapi.json using the responses that
tests/integration/api.sh observed (lines "METHOD PATH STATUS CODE").

Fails when a response was not documented for its route (status, or error
code under that status), when a documented route was never answered with
its documented success status, or when a documented error code was never
seen (codes marked x-not-provoked in the Error schema are exempt: they
need a broken store or memory exhaustion)."""
import json
import re
import sys


def main():
    doc = json.load(open(sys.argv[1]))
    seen = [l.split() for l in open(sys.argv[2]) if l.strip()]
    routes = []
    for path, ops in doc["paths"].items():
        rx = re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", path) + "$")
        for m, op in ops.items():
            routes.append((m.upper(), path, rx, op))
    err = []
    ok_seen = set()
    codes_seen = set()
    for method, path, status, code in seen:
        codes_seen.add(code)
        # A literal route wins over a templated one, as in the router
        # (/v1/records/export is not the record "export").
        match = sorted((r for r in routes if r[2].match(path)),
                       key=lambda r: "{" in r[1])
        if not match:
            # Unknown paths: 404 not_found, documented globally.
            if not (status == "404" and code == "not_found"):
                err.append(f"{method} {path}: {status} {code} for no route")
            continue
        op = [r for r in match if r[0] == method]
        if not op:
            if not (status == "405" and code == "method_not_allowed"):
                err.append(f"{method} {path}: {status} {code}, want 405")
            continue
        m, p, _, o = op[0]
        resp = o["responses"].get(status)
        if resp is None:
            err.append(f"{m} {p}: status {status} is not documented")
            continue
        if code != "-" and code not in resp.get("x-error-codes", []):
            err.append(f"{m} {p}: code {code} not documented under {status}")
        if code == "-":
            ok_seen.add((m, p))
    for m, p, _, o in routes:
        if (m, p) not in ok_seen:
            err.append(f"{m} {p}: never answered with its success status")
    schema = doc["components"]["schemas"]["Error"]
    exempt = set(schema.get("x-not-provoked", []))
    for c in schema["properties"]["error"]["properties"]["code"]["enum"]:
        if c not in codes_seen and c not in exempt:
            err.append(f"error code {c} never reached")
    for e in err:
        print("openapi:", e, file=sys.stderr)
    print(f"openapi: {len(seen)} responses, {len(routes)} routes, "
          f"{len(codes_seen - {'-'})} error codes seen, {len(err)} problems")
    return 1 if err else 0


if __name__ == "__main__":
    sys.exit(main())
