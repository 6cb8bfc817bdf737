#!/usr/bin/env python3
"""devsets.py - labelled name pairs for bench/accuracy, built at run time
from the real public data in ../shared/data (or $LIAISON_DATA); nothing of
that data is kept in the repository.

Usage: bench/devsets.py [--weak] [--entries] [OUT.csv]
       (default: a file in a temp dir, printed)

Columns: category,label,name1,name2,schema,dob1,dob2,group
  label 1 = same person/body, 0 = different. Sampling is seeded, so the
  same data gives the same pairs.

--entries compares each sampled OFAC or UN alias with the whole entry, as
screening does, instead of with the entry's main name only: the alias
against every other name of its own entry (positive) and against every
name of the other entry (negative). The rows of one such decision share a
group; bench/accuracy scores a group by its best row. The sampled aliases
and entries are the same as without the option.
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
ENTRIES = "--entries" in sys.argv
if ENTRIES:
    sys.argv.remove("--entries")
rows = []
groups = 0

# Words that say nothing about who is meant, so a shared one does not make
# a "hard" negative.
STOP = set("""al el bin ibn abu abd the of and de la le du del da di van von
co ltd llc inc sa corp company limited group international trading bank
s a de cv for""".split())


def add(cat, label, a, b, schema, d1="", d2=""):
    if a and b:
        if label == 1 and cat in ("ofac", "un") and unrelated(a, b):
            cat = "alias_unrelated"
        rows.append((cat, label, a, b, schema, d1, d2, ""))


def same_text(a, b):
    return [c.lower() for c in a if c.isalnum()] == \
        [c.lower() for c in b if c.isalnum()]


def add_entry(cat, label, alias, eid, main, names, schema):
    """One decision: alias against the entry eid. Without --entries, the
    entry's main name only; with it, every name of the entry other than
    the alias itself (the rows share a group)."""
    global groups
    if not ENTRIES:
        add(cat, label, alias, main, schema)
        return
    others = [n for n in names.get(eid, [main]) if n and
              not same_text(n, alias)]
    if not alias or not others:
        return
    if label == 1 and cat in ("ofac", "un") and \
            all(unrelated(alias, n) for n in others):
        cat = "alias_unrelated"
    groups += 1
    for n in others:
        rows.append((cat, label, alias, n, schema, "", "", "g%d" % groups))


def latin_words(name):
    """Lower-case ASCII words of a name (accents removed), or None when
    the name has letters of another script."""
    import unicodedata
    out, cur = [], []
    for c in unicodedata.normalize("NFKD", name):
        if unicodedata.combining(c):
            continue
        if c.isalnum():
            if ord(c) >= 0x250:
                return None
            cur.append(c.lower())
        elif c in "'`":
            continue
        else:
            if cur:
                out.append("".join(cur))
            cur = []
    if cur:
        out.append("".join(cur))
    return out


def soundex(w):
    codes = {}
    for k, letters in (("1", "bfpv"), ("2", "cgjkqsxz"), ("3", "dt"),
                       ("4", "l"), ("5", "mn"), ("6", "r")):
        for ch in letters:
            codes[ch] = k
    w = "".join(c for c in w if c.isalpha())
    if not w:
        return ""
    out, last = [w[0]], codes.get(w[0], "")
    for c in w[1:]:
        k = codes.get(c, "")
        if k and k != last:
            out.append(k)
        if c not in "hw":
            last = k
    return ("".join(out) + "000")[:4]


def unrelated(a, b):
    """An alias linked to its name by no spelling rule: both in Latin
    script, no word and no Soundex key in common, and neither is the
    initials of the other's words (translations, noms de guerre, other
    names). Only the surface of the two names decides; reported as a
    category of its own, overall figures are given with and without."""
    wa, wb = latin_words(a), latin_words(b)
    if not wa or not wb:
        return False
    # Articles, particles and generic words of company names ("al", "abu",
    # "bank", "co") say nothing about who is meant: sharing only those is
    # no link ("AL-SAUDI, Abu Wafa" for "AL-JUHNI, Abd al-Rahman").
    wa = [w for w in wa if w not in STOP] or wa
    wb = [w for w in wb if w not in STOP] or wb
    if set(wa) & set(wb):
        return False
    def key(w):
        k = soundex(w)
        return ("a" + k[1:]) if k[:1] in "aeiouy" else k
    sa = {key(w) for w in wa if len(w) > 1}
    sb = {key(w) for w in wb if len(w) > 1}
    if sa & sb:
        return False
    # Joined or split words ("Shamsurrahman", "SHAMS UR-RAHMAN").
    ja, jb = "".join(wa), "".join(wb)
    if any(len(w) > 3 and w in jb for w in wa) or \
            any(len(w) > 3 and w in ja for w in wb):
        return False
    ia, ib = "".join(w[0] for w in wa), "".join(w[0] for w in wb)
    for w in wa:
        if len(w) > 1 and w in ib:
            return False
    for w in wb:
        if len(w) > 1 and w in ia:
            return False
    return True


def words(name):
    out = []
    for w in "".join(c.lower() if c.isalnum() else " " for c in name).split():
        if len(w) > 2 and w not in STOP:
            out.append(w)
    return out


def negatives(cat, entries, pos, schema_of, names):
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
            add_entry(cat, 0, alias, o, entries[o], names, schema_of(eid))
        o = rng.choice(ids)
        if o != eid:
            add_entry(cat, 0, alias, o, entries[o], names, schema_of(eid))


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
    names = {e: [n] for e, n in sdn.items()}
    with open(os.path.join(DATA, "sanctions", "ofac_alt.csv"),
              encoding="utf-8", errors="replace") as f:
        for r in csv.reader(f):
            if len(r) < 4 or r[0] not in sdn:
                continue
            pos.append((r[0], r[3].strip()))
            names[r[0]].append(r[3].strip())
    rng.shuffle(pos)
    pos = pos[:1500]
    for eid, alias in pos:
        add_entry("ofac", 1, alias, eid, sdn[eid], names, schema[eid])
    negatives("ofac", sdn, pos, lambda e: schema[e], names)


def un():
    root = ET.parse(os.path.join(DATA, "sanctions",
                                 "UN_consolidated.xml")).getroot()
    names, schema, aliases, weak = {}, {}, [], []
    every = {}

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
        every[eid] = [full]
        orig = text(ind, "NAME_ORIGINAL_SCRIPT")
        if orig:
            aliases.append((eid, orig))
            every[eid].append(orig)
        for al in ind.iter("INDIVIDUAL_ALIAS"):
            a = text(al, "ALIAS_NAME")
            if a:
                every[eid].append(a)
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
        every[eid] = [full]
        for al in ent.iter("ENTITY_ALIAS"):
            a = text(al, "ALIAS_NAME")
            if a:
                aliases.append((eid, a))
                every[eid].append(a)
    rng.shuffle(aliases)
    aliases = aliases[:1500]
    for eid, alias in aliases:
        add_entry("un", 1, alias, eid, names[eid], every, schema[eid])
    negatives("un", names, aliases, lambda e: schema[e], every)
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
                    "dob1", "dob2", "group"])
        w.writerows(rows)
    print(out)


if __name__ == "__main__":
    main()
