#!/usr/bin/env python3
"""gen_queries.py - the query side of the screening benchmark.

usage: gen_queries.py --names names.csv --count M [--seed S]
                      [--labels labels.csv] > queries.csv

Writes CSV `qid,name,expect_id`; expect_id is empty for a name that is not
listed. The mix (fixed, so runs compare):

  30 %  exact    a listed name verbatim
  40 %  variant  a listed name as a screener would type or receive it:
                 typo1 (one edit) 22, typo2 (two edits) 10, swap (token
                 order, persons) 10, drop (a middle word) 8, initial
                 (given name -> "J.", persons) 7, case 10, diacritics (stripped / ß->ss) 8,
                 translit (Mohammed/Muhammad, Sergei/Sergey, -ov/-off,
                 Kim/Gim, ...) 15, script (Cyrillic/Greek/Arabic/Han/Hangul
                 written in Latin, or the other way) 10 -- weights among
                 the operations that apply to the chosen name
  30 %  absent   a name made by gen_names' generators with another seed,
                 checked not to be listed (compared after case folding,
                 stripping diacritics and punctuation)

Listed queries are drawn only from names that belong to a single id (after
the same folding), so "expect_id among the hits" is well defined even when
common generated names repeat; at least 20 % of them come from the real
OFAC/UN rows when the file has any, so the real lists' odd shapes are
always exercised. A variant that happens to equal a name of another record
is dropped and drawn again.

--labels writes `qid,category,op` for per-category analysis.
Deterministic for a given names file, --count and --seed.
"""
import argparse
import csv
import os
import random
import re
import sys
import unicodedata

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen_names as G  # noqa: E402  (the generators and their tables)

MIX = (("exact", 30), ("variant", 40), ("absent", 30))
OPS = (("typo1", 22), ("typo2", 10), ("swap", 10), ("drop", 8),
       ("initial", 7), ("case", 10), ("diacritics", 8), ("translit", 15),
       ("script", 10))

_SPECIAL = str.maketrans({"ß": "ss", "ł": "l", "Ł": "L", "ø": "o",
                          "Ø": "O", "ı": "i", "đ": "d", "æ": "ae",
                          "œ": "oe"})


def strip_marks(s):
    s = s.translate(_SPECIAL)
    return "".join(c for c in unicodedata.normalize("NFKD", s)
                   if not unicodedata.combining(c))


def fold(s):
    """Key for 'is this the same name': case, diacritics, punctuation."""
    s = strip_marks(s).casefold()
    return " ".join(re.sub(r"[\W_]+", " ", s).split())


# -------------------------------------------------------------- variants
# Keyboard neighbours (QWERTY) make substitutions look like real typos.
ROWS = ["qwertyuiop", "asdfghjkl", "zxcvbnm"]
NEIGH = {}
for y, row in enumerate(ROWS):
    for x, c in enumerate(row):
        n = [row[i] for i in (x - 1, x + 1) if 0 <= i < len(row)]
        for yy in (y - 1, y + 1):
            if 0 <= yy < len(ROWS):
                n += [ROWS[yy][i] for i in (x - 1, x, x + 1)
                      if 0 <= i < len(ROWS[yy])]
        NEIGH[c] = n


def typo(r, s):
    idx = [i for i, c in enumerate(s) if c.isalpha()]
    if len(idx) < 4:
        return None
    i = r.choice(idx)
    kind = r.choice(("sub", "del", "ins", "swap"))
    c = s[i]
    if kind == "sub":
        lo = c.lower()
        rep = r.choice(NEIGH[lo]) if lo in NEIGH else s[r.choice(idx)]
        rep = rep.upper() if c.isupper() else rep
        return s[:i] + rep + s[i + 1:] if rep != c else None
    if kind == "del":
        return s[:i] + s[i + 1:]
    if kind == "ins":  # doubled letter, the commonest insertion
        return s[:i] + c + s[i:]
    if i + 1 < len(s) and s[i + 1].isalpha() and s[i + 1] != c:
        return s[:i] + s[i + 1] + c + s[i + 2:]
    return None


# Spelling families: any member may stand for any other.
FAMILIES = [W.split() for W in (
    "Mohammed Muhammad Mohamed Mohammad Mohamad Muhammed Mohd",
    "Ahmed Ahmad Ahmet", "Hussein Husayn Hussain Hossein Husain Huseyin",
    "Hassan Hasan Hasen", "Youssef Yusuf Yousef Yousif Yussuf Joseph",
    "Omar Umar Omer", "Khaled Khalid Halid", "Abdullah Abdallah Abdulla",
    "Mahmoud Mahmud Mehmood", "Mustafa Moustafa Mostafa",
    "Ibrahim Ebrahim Ibragim", "Said Saeed Sayed Sa'id", "Ali Aly",
    "Sergei Sergey Sergej Serguei", "Aleksandr Alexander Alexandr Aleksander",
    "Yuri Yury Yuriy Jurij Iurii", "Dmitry Dmitri Dmitrii Dmitriy",
    "Evgeny Evgeniy Yevgeny Evgenii Jewgeni", "Andrei Andrey Andrej",
    "Alexei Alexey Aleksei Aleksey", "Nikolai Nikolay Nikolaj",
    "Mikhail Michail Mikhaïl", "Tatiana Tatyana Tatjana",
    "Natalia Natalya Nataliya", "Yulia Julia Iuliia Yuliya",
    "Olga Olha", "Vladimir Wladimir Volodymyr", "Pyotr Petr Piotr",
    "Kim Gim", "Lee Yi Rhee Rhie", "Park Pak Bak", "Choi Choe",
    "Jung Jeong Chung", "Zhang Chang", "Xu Hsu", "Zhou Chou", "Li Lee",
    "Wang Wong", "Chen Chan", "Muller Mueller Müller",
    "Jose José", "Giorgos Georgios Yorgos", "Dimitris Dimitrios",
    "Reza Riza", "Hossein Hosein", "Fatima Fatemeh Fatma",
    "Ayesha Aisha Aicha", "Maryam Mariam Miriam")]
FAMILY_OF = {w.casefold(): f for f in FAMILIES for w in f}
# Substring rules for transliteration habits (applied once, at one place).
SUBST = [(r"ov\b", "off"), (r"ev\b", "eff"), (r"sky\b", "ski"),
         (r"skiy\b", "sky"), (r"kh", "h"), (r"ya", "ia"), (r"yu", "iu"),
         (r"iy\b", "y"), (r"ei\b", "ey"), (r"zh", "j"), (r"ts", "tz"),
         (r"ou", "u"), (r"oo", "u"), (r"ph", "f"), (r"\bal-", "al "),
         (r"\bal-", "el-"), (r"\bAl ", "Al-"), (r"\bEl ", "Al-"),
         (r"ck", "k"), (r"ee", "i"), (r"\bAbd al-", "Abdul "),
         (r"\bAbdul ", "Abdel "), (r"y\b", "i"), (r"j", "y"), (r"w", "v"),
         (r"ü", "ue"), (r"ö", "oe"), (r"ä", "ae")]


def match_case(word, like):
    if like.isupper():
        return word.upper()
    if like[:1].isupper():
        return word[:1].upper() + word[1:]
    return word.lower()


def translit_variant(r, s):
    toks = s.split()
    opts = []
    for i, t in enumerate(toks):
        f = FAMILY_OF.get(t.casefold())
        if f:
            for alt in f:
                if alt.casefold() != t.casefold():
                    opts.append(("tok", i, match_case(alt, t)))
    for pat, rep in SUBST:
        for m in re.finditer(pat, s, flags=re.IGNORECASE):
            opts.append(("sub", m.start(), m.end(), pat, rep))
    if not opts:
        return None
    o = r.choice(opts)
    if o[0] == "tok":
        toks[o[1]] = o[2]
        return " ".join(toks)
    _, a, b, _, rep = o
    seg = s[a:b]
    return s[:a] + (rep.upper() if seg.isupper() else rep) + s[b:]


# Script conversion tables built from the generators' own parts.
def _script_tables():
    to_lat = {}
    for t in (G.AR_GIVEN, G.AR_FAMILY):
        for e in t:
            to_lat[e[0]] = list(e[1:])
    for e in G.FA_GIVEN:
        to_lat.setdefault(e[0], [e[1]])
    to_script = {}
    for k, v in to_lat.items():
        for lat in v:
            to_script.setdefault(lat.casefold(), k)
    return to_lat, to_script


TO_LAT, TO_SCRIPT = _script_tables()
CN = {**{h: p for h, p in G.CN_SURNAME},
      **{h: p.capitalize() for h, p in G.CN_GIVEN}}
HAN_RE = re.compile(r"^[\u4e00-\u9fff]{2,4}$")


def script_variant(r, s):
    if re.search(r"[\u0400-\u04ff]", s):
        return G.translit(s, r.choice(G.CYR_SYSTEMS))
    if re.search(r"[\u0370-\u03ff]", s):
        return G.translit(s, G.GREEK_TR)
    if re.search(r"[\u0600-\u06ff]", s):
        # Arabic script: romanise token by token when every token is known
        # (compound given names like "عبد الله" are two tokens here).
        toks, out, i = s.split(), [], 0
        while i < len(toks):
            two = " ".join(toks[i:i + 2])
            if two in TO_LAT:
                out.append(r.choice(TO_LAT[two]))
                i += 2
            elif toks[i] in TO_LAT:
                out.append(r.choice(TO_LAT[toks[i]]))
                i += 1
            elif toks[i] in ("بن", "بنت"):
                out.append("bin" if toks[i] == "بن" else "bint")
                i += 1
            else:
                return None
        return " ".join(out)
    if HAN_RE.match(s) and all(c in CN for c in s):
        sur = s[:2] if s[:2] in CN else s[0]
        given = "".join(CN[c].lower() for c in s[len(sur):])
        return f"{CN[sur]} {given.capitalize()}"
    # Latin Arabic name written back in Arabic script, as an Arabic-speaking
    # screener would type it
    toks = s.split()
    if len(toks) >= 2 and all(t.casefold() in TO_SCRIPT or
                              t.casefold() in ("bin", "ibn", "ben")
                              for t in toks):
        return " ".join("بن" if t.casefold() in ("bin", "ibn", "ben")
                        else TO_SCRIPT[t.casefold()] for t in toks)
    return None


def variant(r, s, op, kind):
    toks = s.split()
    if op in ("swap", "initial") and kind != "person":
        return None  # nobody writes "G. Holdings" or reorders a company
    if op == "typo1":
        return typo(r, s)
    if op == "typo2":
        t = typo(r, s)
        return typo(r, t) if t else None
    if op == "swap":
        if len(toks) < 2:
            return None
        if len(toks) == 2 or r.random() < 0.5:  # family name first
            return " ".join(toks[-1:] + toks[:-1])
        i = r.randrange(len(toks) - 1)
        toks[i], toks[i + 1] = toks[i + 1], toks[i]
        return " ".join(toks)
    if op == "drop":
        if len(toks) < 3:
            return None
        del toks[r.randrange(1, len(toks) - 1)]
        return " ".join(toks)
    if op == "initial":
        if len(toks) < 2 or not toks[0][:1].isalpha() or \
                not toks[0][:1].isascii() or len(toks[0]) < 3:
            return None
        toks[0] = toks[0][0].upper() + "."
        return " ".join(toks)
    if op == "case":
        c = r.choice((str.upper, str.lower, str.title))(s)
        return c if c != s else None
    if op == "diacritics":
        c = strip_marks(s)
        return c if c != s else None
    if op == "translit":
        return translit_variant(r, s)
    if op == "script":
        return script_variant(r, s)
    raise ValueError(op)


def absent(rng, owners):
    """(name, "", "absent", "") or None when the name is listed."""
    _, names = G.generate(rng)
    return None if fold(names[0]) in owners else (names[0], "", "absent", "")


def listed(r, cat, pool, owners, ops, ow):
    """An exact or variant query from pool, or None to draw again."""
    rid, name, kind = r.choice(pool)
    if cat == "exact":
        return (name, rid, cat, "")
    # try the operations in weighted random order until one applies
    order = sorted(ops, key=lambda o: -r.random() ** (1 / ow[ops.index(o)]))
    for op in order:
        v = variant(r, name, op, kind)
        if not v or v == name:
            continue
        if owners.get(fold(v), rid) != rid:  # another record's name
            continue
        return (v, rid, cat, op)
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--names", required=True)
    ap.add_argument("--count", type=int, required=True)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--labels", help="also write qid,category,op here")
    a = ap.parse_args()
    r = random.Random(a.seed)

    owners = {}  # folded name -> id, or None when several ids share it
    rows = []
    with open(a.names, encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            k = fold(row["name"])
            if not k:
                continue
            prev = owners.get(k, row["id"])
            owners[k] = row["id"] if prev == row["id"] else None
            rows.append((row["id"], row["name"], row["kind"]))
    eligible = [x for x in rows if owners[fold(x[1])] is not None]
    real = [x for x in eligible if not x[0].startswith("gen-")]
    real_share = max(0.2, len(real) / max(1, len(eligible)))

    cats, cw = zip(*MIX)
    ops, ow = zip(*OPS)
    absent_rng = random.Random(a.seed * 7919 + 104729)  # not the list's seed
    out = []
    stats = {}
    while len(out) < a.count:
        # The category is drawn once and then filled, so rejected draws
        # (an "absent" name that is listed after all, a name no operation
        # applies to) cannot skew the mix.
        cat = r.choices(cats, cw)[0]
        q = None
        while q is None:
            q = absent(absent_rng, owners) if cat == "absent" else \
                listed(r, cat, real if real and r.random() < real_share
                       else eligible, owners, ops, ow)
        out.append(q)
        stats[q[3] or cat] = stats.get(q[3] or cat, 0) + 1
    w = csv.writer(sys.stdout, lineterminator="\n")
    w.writerow(["qid", "name", "expect_id"])
    for i, (name, rid, _, _) in enumerate(out, 1):
        w.writerow([i, name, rid])
    if a.labels:
        with open(a.labels, "w", encoding="utf-8", newline="") as f:
            lw = csv.writer(f, lineterminator="\n")
            lw.writerow(["qid", "category", "op"])
            for i, (_, _, cat, op) in enumerate(out, 1):
                lw.writerow([i, cat, op])
    print("gen_queries: " + ", ".join(f"{k} {v}" for k, v in
                                      sorted(stats.items())), file=sys.stderr)


if __name__ == "__main__":
    main()
