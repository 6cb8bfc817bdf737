#!/usr/bin/env python3
"""devsets.py - labelled name pairs for bench/accuracy, built at run time
from the real public data in ../shared/data (or $LIAISON_DATA); nothing of
that data is kept in the repository.

Usage: bench/devsets.py [--weak] [OUT.csv]   (default: a file in a temp dir, printed)

Columns: category,label,name1,name2,schema,dob1,dob2
  label 1 = same person/body, 0 = different. Sampling is seeded, so the
  same data gives the same pairs.
"""
import csv
import itertools
import os
import random
import sys
import tempfile
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.environ.get("LIAISON_DATA") or os.path.join(HERE, "..", "..",
                                                      "shared", "data")
rng = random.Random(9303)
# --weak also writes the UN's low-quality aliases as category un_low.
WEAK = "--weak" in sys.argv
if WEAK:
    sys.argv.remove("--weak")
rows = []

# Words that say nothing about who is meant, so a shared one does not make
# a "hard" negative.
STOP = set("""al el bin ibn abu abd the of and de la le du del da di van von
co ltd llc inc sa corp company limited group international trading bank
s a de cv for""".split())


def add(cat, label, a, b, schema, d1="", d2=""):
    if a and b:
        rows.append((cat, label, a, b, schema, d1, d2))


def words(name):
    out = []
    for w in "".join(c.lower() if c.isalnum() else " " for c in name).split():
        if len(w) > 2 and w not in STOP:
            out.append(w)
    return out


def negatives(cat, entries, pos, schema_of):
    """For each positive (eid, alias): a hard negative (another entry that
    shares a word with the alias) and a random one."""
    index = {}
    for eid, name in entries.items():
        for w in set(words(name)):
            index.setdefault(w, []).append(eid)
    ids = sorted(entries)
    for eid, alias in pos:
        shared = []
        for w in sorted(set(words(alias))):
            shared += [o for o in index.get(w, []) if o != eid]
        if shared:
            o = rng.choice(sorted(set(shared)))
            add(cat, 0, alias, entries[o], schema_of(eid))
        o = rng.choice(ids)
        if o != eid:
            add(cat, 0, alias, entries[o], schema_of(eid))


def cross_script():
    p = os.path.join(DATA, "names", "cross_script_pairs.csv")
    with open(p, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            q, m = line.split(",")[:2]
            add("cross_script", 1, q, m, "Person")


def putin():
    p = os.path.join(DATA, "names", "putin_names.txt")
    with open(p, encoding="utf-8") as f:
        names = [l.strip() for l in f if l.strip()]
    pairs = list(itertools.combinations(names, 2))
    rng.shuffle(pairs)
    for a, b in pairs[:600]:
        add("putin", 1, a, b, "Person")


def ofac_name(name, kind):
    # "PUTIN, Vladimir Vladimirovich" is surname first; keep it as written:
    # the matcher is order-free.
    return name.strip()


def ofac():
    sdn, schema = {}, {}
    with open(os.path.join(DATA, "sanctions", "ofac_sdn.csv"),
              encoding="utf-8", errors="replace") as f:
        for r in csv.reader(f):
            if len(r) < 3:
                continue
            t = r[2].strip()
            if t in ("vessel", "aircraft"):
                continue
            sdn[r[0]] = ofac_name(r[1], t)
            schema[r[0]] = "Person" if t == "individual" else "Organization"
    pos = []
    with open(os.path.join(DATA, "sanctions", "ofac_alt.csv"),
              encoding="utf-8", errors="replace") as f:
        for r in csv.reader(f):
            if len(r) < 4 or r[0] not in sdn:
                continue
            pos.append((r[0], r[3].strip()))
    rng.shuffle(pos)
    pos = pos[:1500]
    for eid, alias in pos:
        add("ofac", 1, alias, sdn[eid], schema[eid])
    negatives("ofac", sdn, pos, lambda e: schema[e])


def un():
    root = ET.parse(os.path.join(DATA, "sanctions",
                                 "UN_consolidated.xml")).getroot()
    names, schema, aliases, weak = {}, {}, [], []

    def text(el, tag):
        x = el.find(tag)
        return (x.text or "").strip() if x is not None and x.text else ""

    for ind in root.iter("INDIVIDUAL"):
        eid = "i" + text(ind, "DATAID")
        full = " ".join(t for t in (text(ind, k) for k in (
            "FIRST_NAME", "SECOND_NAME", "THIRD_NAME", "FOURTH_NAME")) if t)
        if not full:
            continue
        names[eid], schema[eid] = full, "Person"
        orig = text(ind, "NAME_ORIGINAL_SCRIPT")
        if orig:
            aliases.append((eid, orig))
        for al in ind.iter("INDIVIDUAL_ALIAS"):
            a = text(al, "ALIAS_NAME")
            # The UN grades aliases; "Low" ones are noms de guerre and
            # other names that no spelling rule links to the person.
            if a and text(al, "QUALITY") != "Low":
                aliases.append((eid, a))
            elif a:
                weak.append((eid, a))
    for ent in root.iter("ENTITY"):
        eid = "e" + text(ent, "DATAID")
        full = text(ent, "FIRST_NAME")
        if not full:
            continue
        names[eid], schema[eid] = full, "Organization"
        for al in ent.iter("ENTITY_ALIAS"):
            a = text(al, "ALIAS_NAME")
            if a:
                aliases.append((eid, a))
    rng.shuffle(aliases)
    aliases = aliases[:1500]
    for eid, alias in aliases:
        add("un", 1, alias, names[eid], schema[eid])
    negatives("un", names, aliases, lambda e: schema[e])
    if WEAK:
        rng.shuffle(weak)
        for eid, alias in weak[:500]:
            add("un_low", 1, alias, names[eid], schema[eid])


def febrl():
    def load(fn):
        out = {}
        with open(os.path.join(DATA, "febrl", fn), encoding="utf-8") as f:
            rd = csv.reader(f, skipinitialspace=True)
            head = next(rd)
            for r in rd:
                d = dict(zip(head, (x.strip() for x in r)))
                out[d["rec_id"]] = d
        return out

    def iso(d):
        d = d.strip()
        if len(d) == 8 and d.isdigit():
            y, m, dd = int(d[:4]), int(d[4:6]), int(d[6:])
            if 1000 <= y <= 2999 and 1 <= m <= 12 and 1 <= dd <= 31:
                return "%04d-%02d-%02d" % (y, m, dd)
        return ""

    def name(d):
        return " ".join(x for x in (d["given_name"], d["surname"]) if x)

    a, b = load("dataset4a.csv"), load("dataset4b.csv")
    orgs = sorted(k for k in a if k.endswith("-org"))
    rng.shuffle(orgs)
    by_surname = {}
    for k, d in b.items():
        by_surname.setdefault(d["surname"], []).append(k)
    bkeys = sorted(b)
    for k in orgs[:1500]:
        dup = k.replace("-org", "-dup-0")
        if dup not in b:
            continue
        x, y = a[k], b[dup]
        if not name(x) or not name(y):
            continue
        add("febrl", 1, name(x), name(y), "Person",
            iso(x["date_of_birth"]), iso(y["date_of_birth"]))
        same = [o for o in by_surname.get(x["surname"], [])
                if o.split("-")[1] != k.split("-")[1]]
        if same and x["surname"]:
            o = b[rng.choice(sorted(same))]
            add("febrl", 0, name(x), name(o), "Person",
                iso(x["date_of_birth"]), iso(o["date_of_birth"]))
        o = b[rng.choice(bkeys)]
        if o["rec_id"].split("-")[1] != k.split("-")[1] and name(o):
            add("febrl", 0, name(x), name(o), "Person",
                iso(x["date_of_birth"]), iso(o["date_of_birth"]))


def main():
    if not os.path.isdir(DATA):
        sys.exit("no data at %s (set LIAISON_DATA)" % DATA)
    cross_script()
    putin()
    ofac()
    un()
    febrl()
    if len(sys.argv) > 1:
        out = sys.argv[1]
    else:
        out = os.path.join(tempfile.mkdtemp(prefix="liaison-dev-"),
                           "pairs.csv")
    with open(out, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["category", "label", "name1", "name2", "schema",
                    "dob1", "dob2"])
        w.writerows(rows)
    print(out)


if __name__ == "__main__":
    main()
