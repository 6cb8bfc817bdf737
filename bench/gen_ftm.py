#!/usr/bin/env python3
"""gen_ftm.py - deterministic synthetic FtM JSON lines for tests and
benchmarks: persons (names from several cultures and scripts), companies,
addresses, bank accounts and payments linking them.

usage: gen_ftm.py N [--seed S] > out.ijson
"""
import json
import random
import sys

GIVEN = ["Anna", "Ivan", "Maria", "Mohammed", "Fatima", "Wei", "Li", "Jean",
         "Pierre", "Olga", "Sergei", "Ahmed", "Yusuf", "Elena", "Jan", "Piet",
         "Hans", "Giulia", "Marco", "Kenji", "Aiko", "Carlos", "Lucia",
         "Андрей", "Наталья", "محمد", "علي", "王", "Δημήτρης", "Ελένη"]
FAMILY = ["Petrov", "Ivanova", "Al-Sayed", "Haddad", "Zhang", "Dubois",
          "Martin", "Smirnov", "Kaya", "Yilmaz", "de Vries", "Jansen",
          "Müller", "Schmidt", "Rossi", "Bianchi", "Tanaka", "García",
          "López", "Смирнов", "Кузнецова", "حسن", "李", "Παπαδόπουλος"]
CO = ["Trading", "Logistics", "Holdings", "Shipping", "Imports", "Finance",
      "Consulting", "Energy", "Metals", "Transport"]
FORMS = ["LLC", "Ltd", "GmbH", "B.V.", "S.A.", "OOO", "SARL", "FZE"]
CITIES = [("Rotterdam", "nl"), ("Hamburg", "de"), ("Marseille", "fr"),
          ("Odesa", "ua"), ("Istanbul", "tr"), ("Dubai", "ae"),
          ("Limassol", "cy"), ("Riga", "lv"), ("Antwerp", "be")]


def main():
    n = int(sys.argv[1])
    seed = 1
    if "--seed" in sys.argv:
        seed = int(sys.argv[sys.argv.index("--seed") + 1])
    rnd = random.Random(seed)
    out = sys.stdout
    persons = []
    for i in range(n):
        k = i % 10
        if k < 5:
            pid = f"gen-p{i}"
            props = {"name": [f"{rnd.choice(GIVEN)} {rnd.choice(FAMILY)}"],
                     "birthDate": [f"{rnd.randint(1940, 2005)}-{rnd.randint(1, 12):02d}-{rnd.randint(1, 28):02d}"],
                     "nationality": [rnd.choice(CITIES)[1]]}
            persons.append(pid)
            rec = {"id": pid, "schema": "Person", "properties": props}
        elif k < 7:
            city, cc = rnd.choice(CITIES)
            rec = {"id": f"gen-c{i}", "schema": "Company", "properties": {
                "name": [f"{rnd.choice(FAMILY)} {rnd.choice(CO)} {rnd.choice(FORMS)}"],
                "jurisdiction": [cc], "registrationNumber": [str(rnd.randint(10**6, 10**8))]}}
        elif k < 9:
            city, cc = rnd.choice(CITIES)
            rec = {"id": f"gen-a{i}", "schema": "Address", "properties": {
                "full": [f"{rnd.randint(1, 300)} Harbour Street, {city}"],
                "city": [city], "country": [cc]}}
        else:
            payer = rnd.choice(persons) if persons else f"gen-p0"
            rec = {"id": f"gen-t{i}", "schema": "Payment", "properties": {
                "payer": [payer], "beneficiary": [rnd.choice(persons) if persons else payer],
                "amount": [f"{rnd.randint(100, 10**6)}.{rnd.randint(0, 99):02d}"],
                "currency": ["EUR"], "date": [f"20{rnd.randint(10, 25)}-{rnd.randint(1, 12):02d}-{rnd.randint(1, 28):02d}"]}}
        out.write(json.dumps(rec, ensure_ascii=False, separators=(",", ":")))
        out.write("\n")


if __name__ == "__main__":
    main()
