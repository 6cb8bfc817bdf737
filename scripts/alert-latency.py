#!/usr/bin/env python3
"""alert-latency.py - latency of alerts and hit notifications on loopback.

Usage: scripts/alert-latency.py BUILD/liaison [RUNS] [NODES]

NODES nodes (default 3; A issues, the others receive), each with its own
home, port and identity made here (thrown away at exit). A pins every
receiver and each receiver pins A. For each run A issues an arrest alert
on a new record to all, and the script measures:

- issue -> screenable at each receiver: from just before `liaison alert
  issue` starts (a process start included) until the alert's row is
  committed in that receiver's store (what its screening loads), polled
  read-only with sqlite3 every millisecond. Also from the moment the
  issue command has returned (the alert is then durably queued at A).
- hit -> notification at the issuer: one receiver (a different one each
  run) screens the name with `liaison screen`, which hits the alert and
  durably queues the hit notification before it returns; from that return
  until the notification's row is committed in A's store.

Every daemon wakes its delivery worker when something is queued (another
process pokes HOME/serve.sock), so no poll interval is in these numbers.
"""
import json, os, socket, sqlite3, subprocess, sys, tempfile, time

LIA = os.path.abspath(sys.argv[1])
RUNS = int(sys.argv[2]) if len(sys.argv) > 2 else 20
NODES = int(sys.argv[3]) if len(sys.argv) > 3 else 3
COUNTRIES = ["NL", "DE", "FR", "BE", "AT", "PL", "ES", "IT", "SE", "DK",
             "FI", "PT", "IE", "CZ", "SK", "HU", "RO", "BG", "GR", "HR"]
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


def ro(home):
    return sqlite3.connect(f"file:{home}/store.db?mode=ro", uri=True,
                           isolation_level=None)


def main():
    if not 2 <= NODES <= len(COUNTRIES):
        sys.exit(f"NODES must be 2..{len(COUNTRIES)}")
    tmp = tempfile.mkdtemp(prefix="liaison-lat.")
    homes = [f"{tmp}/n{i}" for i in range(NODES)]
    agencies = [f"{c}-POL" for c in COUNTRIES[:NODES]]
    socks = []
    for _ in range(NODES):
        s = socket.socket(); s.bind(("127.0.0.1", 0)); socks.append(s)
    ports = [s.getsockname()[1] for s in socks]
    for s in socks:
        s.close()
    for h, ag, cc in zip(homes, agencies, COUNTRIES):
        lia(h, "init", "--agency", ag, "--name", ag, "--country", cc)
        open(f"{h}.card", "w").write(lia(h, "identity", "export").stdout)
    a = homes[0]
    for i in range(1, NODES):
        lia(a, "peer", "add", f"{homes[i]}.card", "--url",
            f"https://127.0.0.1:{ports[i]}")
        lia(homes[i], "peer", "add", f"{a}.card", "--url",
            f"https://127.0.0.1:{ports[0]}")
    with open(f"{tmp}/recs.ijson", "w") as f:
        for i in range(RUNS):
            f.write(json.dumps({"id": f"p{i}", "schema": "Person", "properties": {
                "name": [f"{FIRST[i % 20]} {LAST[(i * 7) % 20]}"]}}) + "\n")
    lia(a, "import", "--audience", ",".join(agencies[1:]), "--tlp", "AMBER",
        f"{tmp}/recs.ijson")
    procs = [subprocess.Popen([LIA, "--home", h, "serve", "--listen",
                               f"127.0.0.1:{p}"], stderr=subprocess.DEVNULL)
             for h, p in zip(homes, ports)]
    time.sleep(1.0)
    dbs = [ro(h) for h in homes]
    issue, issue_ret, notify = [], [], []
    try:
        for i in range(RUNS):
            name = f"{FIRST[i % 20]} {LAST[(i * 7) % 20]}"
            t0 = time.monotonic()
            al = lia(a, "alert", "issue", "--kind", "arrest", "--record",
                     f"p{i}", "--to", "all", "--action",
                     "arrest").stdout.split()[0]
            tr = time.monotonic()
            waiting = set(range(1, NODES))
            while waiting:
                for k in list(waiting):
                    if dbs[k].execute("select 1 from alerts where id = ? and"
                                      " role = 'received'", (al,)).fetchone():
                        t = time.monotonic()
                        issue.append((t - t0) * 1000)
                        issue_ret.append((t - tr) * 1000)
                        waiting.discard(k)
                if time.monotonic() - t0 > 10:
                    sys.exit(f"run {i}: alert not at {sorted(waiting)}")
                time.sleep(0.001)
            k = 1 + i % (NODES - 1)
            r = lia(homes[k], "--json", "screen", "--list", "alert", "--name",
                    name, check=False)
            if r.returncode or not json.loads(r.stdout)["alerts"]:
                sys.exit(f"run {i}: no hit at {agencies[k]}: {r.stdout} {r.stderr}")
            t1 = time.monotonic()
            while not dbs[0].execute("select 1 from alert_hits where alert_id"
                                     " = ? and direction = 'received'",
                                     (al,)).fetchone():
                if time.monotonic() - t1 > 10:
                    sys.exit(f"run {i}: no notification at A")
                time.sleep(0.001)
            notify.append((time.monotonic() - t1) * 1000)
    finally:
        for p in procs:
            p.terminate(); p.wait()
        subprocess.run(["rm", "-rf", tmp])
    print(f"{NODES} nodes, {RUNS} runs ({len(issue)} alert arrivals), milliseconds, "
          f"load average {open('/proc/loadavg').read().split()[0]}")
    print(f"issue command started -> screenable at a receiver: p50 {pct(issue, 50):6.1f}  p99 {pct(issue, 99):6.1f}  max {max(issue):6.1f}")
    print(f"issue command returned -> screenable at a receiver: p50 {pct(issue_ret, 50):6.1f}  p99 {pct(issue_ret, 99):6.1f}  max {max(issue_ret):6.1f}")
    print(f"hit queued at a receiver -> notification at A:      p50 {pct(notify, 50):6.1f}  p99 {pct(notify, 99):6.1f}  max {max(notify):6.1f}")


main()
