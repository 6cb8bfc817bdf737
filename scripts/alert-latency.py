#!/usr/bin/env python3
"""alert-latency.py - latency of alerts and hit notifications between two
nodes on loopback: from `liaison alert issue` at A until a screening at B
hits the alert, and from that hit at B until `liaison hits` at A shows it.

Usage: scripts/alert-latency.py BUILD/liaison [RUNS]

Both are measured end to end with the CLI, so they include the delivery
worker's poll interval (the CLI cannot wake the daemon) and the cost of
each polling command (about one process start and one store open).
"""
import json, os, socket, subprocess, sys, tempfile, time

LIA = os.path.abspath(sys.argv[1])
RUNS = int(sys.argv[2]) if len(sys.argv) > 2 else 20
FIRST = ["Ivan", "Pyotr", "Sergei", "Mikhail", "Dmitri", "Nikolai", "Oleg",
         "Yuri", "Boris", "Anatoly", "Gennady", "Leonid", "Vadim", "Arkady",
         "Yevgeny", "Konstantin", "Stanislav", "Vsevolod", "Rostislav", "Timur"]
LAST = ["Abramov", "Belyakov", "Chernyshev", "Dobrynin", "Fyodorov",
        "Gromyko", "Kalashnikov", "Lebedev", "Malinovsky", "Nesterov",
        "Ovchinnikov", "Polikarpov", "Rybakov", "Shcherbakov", "Tikhonov",
        "Ulyanov", "Vinogradov", "Yermakov", "Zhukovsky", "Zinoviev"]


def lia(home, *args, check=True):
    r = subprocess.run([LIA, "--home", home, *args], capture_output=True,
                       text=True)
    if check and r.returncode:
        sys.exit(f"{args}: {r.stderr}")
    return r


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def main():
    tmp = tempfile.mkdtemp(prefix="liaison-lat.")
    a, b = f"{tmp}/a", f"{tmp}/b"
    ports = []
    for _ in range(2):
        s = socket.socket(); s.bind(("127.0.0.1", 0))
        ports.append(s.getsockname()[1]); s.close()
    lia(a, "init", "--agency", "NL-NP", "--name", "A", "--country", "NL")
    lia(b, "init", "--agency", "DE-BKA", "--name", "B", "--country", "DE")
    for h, n in ((a, "a"), (b, "b")):
        open(f"{tmp}/{n}.card", "w").write(lia(h, "identity", "export").stdout)
    lia(a, "peer", "add", f"{tmp}/b.card", "--url", f"https://127.0.0.1:{ports[1]}")
    lia(b, "peer", "add", f"{tmp}/a.card", "--url", f"https://127.0.0.1:{ports[0]}")
    with open(f"{tmp}/recs.ijson", "w") as f:
        for i in range(RUNS):
            f.write(json.dumps({"id": f"p{i}", "schema": "Person", "properties": {
                "name": [f"{FIRST[i % 20]} {LAST[(i * 7) % 20]}"]}}) + "\n")
    lia(a, "import", "--audience", "DE-BKA", "--tlp", "AMBER", f"{tmp}/recs.ijson")
    procs = [subprocess.Popen([LIA, "--home", h, "serve", "--listen",
                               f"127.0.0.1:{p}"], stderr=subprocess.DEVNULL)
             for h, p in ((a, ports[0]), (b, ports[1]))]
    time.sleep(1.0)
    issue, notify = [], []
    try:
        for i in range(RUNS):
            name = f"{FIRST[i % 20]} {LAST[(i * 7) % 20]}"
            t0 = time.monotonic()
            lia(a, "alert", "issue", "--kind", "arrest", "--record", f"p{i}",
                "--to", "all", "--action", "arrest")
            while True:
                r = lia(b, "--json", "screen", "--list", "alert", "--name",
                        name, check=False)
                if r.returncode == 0 and json.loads(r.stdout)["alerts"]:
                    break
                if time.monotonic() - t0 > 10:
                    sys.exit(f"run {i}: no hit at B")
            t1 = time.monotonic()
            while len(json.loads(lia(a, "--json", "hits").stdout)) < i + 1:
                if time.monotonic() - t1 > 10:
                    sys.exit(f"run {i}: no notification at A")
            t2 = time.monotonic()
            issue.append((t1 - t0) * 1000)
            notify.append((t2 - t1) * 1000)
    finally:
        for p in procs:
            p.terminate(); p.wait()
        subprocess.run(["rm", "-rf", tmp])
    print(f"{RUNS} runs, milliseconds")
    print(f"issue at A -> hit at B:        p50 {pct(issue, 50):7.1f}  p99 {pct(issue, 99):7.1f}  max {max(issue):7.1f}")
    print(f"hit at B -> A's liaison hits:  p50 {pct(notify, 50):7.1f}  p99 {pct(notify, 99):7.1f}  max {max(notify):7.1f}")


main()
