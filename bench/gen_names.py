#!/usr/bin/env python3
"""gen_names.py - the list side of the screening benchmark.

usage: gen_names.py --real DATA_DIR --total N [--seed S] > names.csv
       gen_names.py --total N --seed S --no-real > names.csv

Writes CSV `id,name,kind` (kind = person|org), one listed name per row;
aliases are extra rows with the same id.

1. The real lists from DATA_DIR/sanctions (never copied into the repo):
   OFAC SDN (ofac_sdn.csv names, ofac_alt.csv aliases; SDN_Type
   "individual" -> person, entities, vessels and aircraft -> org) and the UN
   consolidated list (INDIVIDUAL/ENTITY names, NAME_ORIGINAL_SCRIPT and
   aliases). OFAC writes persons as "FAMILY, Given"; we turn that into
   "Given FAMILY" because the UN list, the generated names and real screening
   queries all put the given name first, so the comma is a layout artefact.
2. Generated records up to N rows in total: persons from many cultures and
   scripts, built from name-part and syllable tables with the structure each
   culture really uses (patronymics, nasab chains, two surnames, particles),
   sometimes with a second spelling or script as an alias, and organisations
   (brand + activity + legal form of some country).

Deterministic: the same --seed and --total give the same file. The
generator functions are also used by gen_queries.py (with another seed) to
make names that are not listed.
"""
import argparse
import csv
import os
import random
import sys
import xml.etree.ElementTree as ET

# --------------------------------------------------------------- real lists


def ofac_rows(sdir):
    """(id, name, kind) from the OFAC legacy CSV files ('-0- ' = empty)."""
    kinds = {}
    with open(os.path.join(sdir, "ofac_sdn.csv"), encoding="utf-8",
              errors="replace", newline="") as f:
        for r in csv.reader(f):
            if len(r) < 3 or not r[0].strip().isdigit():
                continue
            kind = "person" if r[2].strip() == "individual" else "org"
            kinds[r[0].strip()] = kind
            yield "ofac-" + r[0].strip(), ofac_name(r[1], kind), kind
    with open(os.path.join(sdir, "ofac_alt.csv"), encoding="utf-8",
              errors="replace", newline="") as f:
        for r in csv.reader(f):
            if len(r) < 4 or r[0].strip() not in kinds:
                continue
            kind = kinds[r[0].strip()]
            yield "ofac-" + r[0].strip(), ofac_name(r[3], kind), kind


def ofac_name(s, kind):
    s = " ".join(s.split())
    if s == "-0-":
        return ""
    if kind == "person" and ", " in s:
        family, given = s.split(", ", 1)
        return f"{given} {family}"
    return s


def un_rows(path):
    """(id, name, kind) from the UN consolidated XML, streamed."""
    for _, el in ET.iterparse(path, events=("end",)):
        if el.tag not in ("INDIVIDUAL", "ENTITY"):
            continue
        kind = "person" if el.tag == "INDIVIDUAL" else "org"
        rid = "un-" + (el.findtext("DATAID") or "").strip()
        parts = [(el.findtext(t) or "").strip() for t in
                 ("FIRST_NAME", "SECOND_NAME", "THIRD_NAME", "FOURTH_NAME")]
        yield rid, " ".join(p for p in parts if p), kind
        yield rid, (el.findtext("NAME_ORIGINAL_SCRIPT") or "").strip(), kind
        for a in el.iter(el.tag + "_ALIAS"):
            yield rid, (a.findtext("ALIAS_NAME") or "").strip(), kind
        el.clear()  # keep memory flat on big files


def real_rows(data_dir):
    sdir = os.path.join(data_dir, "sanctions")
    seen = set()
    for rid, name, kind in list(ofac_rows(sdir)) + list(
            un_rows(os.path.join(sdir, "UN_consolidated.xml"))):
        name = " ".join(name.split())
        if name and (rid, name) not in seen:
            seen.add((rid, name))
            yield rid, name, kind

# ------------------------------------------------------- name-part tables
# Words are split on spaces so the tables stay short to read.


def W(s):
    return s.split()


LATIN = {  # given names and surname roots / whole surnames per language
    "en": (W("James John Robert Michael William David Richard Joseph Thomas "
             "Charles Mary Patricia Jennifer Linda Elizabeth Barbara Susan "
             "Jessica Sarah Karen Emily Oliver George Harry Jack Amelia"),
           W("Smith Johnson Williams Brown Jones Miller Davis Wilson Taylor "
             "Anderson Thomas Moore Jackson White Harris Clarke Lewis Walker "
             "Hall Young King Wright Scott Green Baker Adams Nelson Hill "
             "Campbell Mitchell Roberts Carter Phillips Evans Turner Parker "
             "Collins Edwards Stewart Morris Murphy Cook Rogers Morgan "
             "Cooper Peterson Bailey Reed Kelly Howard Ward Cox Richardson")),
    "fr": (W("Jean Pierre Michel André Philippe Louis Nicolas François Luc "
             "Marie Nathalie Isabelle Sylvie Catherine Françoise Hélène "
             "Élodie Camille Léa Chloé Théo Mathéo Gaël Jérôme Benoît"),
           W("Martin Bernard Dubois Thomas Robert Richard Petit Durand "
             "Leroy Moreau Simon Laurent Lefèvre Michel Garcia David "
             "Bertrand Roux Vincent Fournier Morel Girard André Lefebvre "
             "Mercier Dupont Lambert Bonnet François Martinez Legrand "
             "Garnier Faure Rousseau Blanc Guérin Muller Henry Roussel")),
    "de": (W("Hans Peter Klaus Jürgen Wolfgang Stefan Andreas Michael Jörg "
             "Uwe Sabine Ursula Monika Petra Claudia Birgit Jürgen Günter "
             "Lukas Leonie Jonas Maximilian Anja Katrin Björn"),
           W("Müller Schmidt Schneider Fischer Weber Meyer Wagner Becker "
             "Schulz Hoffmann Schäfer Koch Bauer Richter Klein Wolf "
             "Schröder Neumann Schwarz Zimmermann Braun Krüger Hofmann "
             "Hartmann Lange Schmitt Werner Krause Meier Lehmann Köhler "
             "Weiß Jung Hahn Vogel Friedrich Günther Keller Frank Berger")),
    "it": (W("Giuseppe Giovanni Antonio Mario Luigi Francesco Angelo "
             "Vincenzo Pietro Salvatore Carlo Maria Anna Giuseppina Rosa "
             "Angela Giovanna Teresa Lucia Carmela Giulia Chiara Niccolò"),
           W("Rossi Russo Ferrari Esposito Bianchi Romano Colombo Ricci "
             "Marino Greco Bruno Gallo Conti Costa Giordano Mancini Rizzo "
             "Lombardi Moretti Barbieri Fontana Santoro Mariani Rinaldi "
             "Caruso Ferrara Galli Martini Leone Longo Gentile Martinelli")),
    "nl": (W("Jan Pieter Kees Willem Hendrik Johannes Cornelis Gerrit Joost "
             "Maarten Anke Sanne Femke Marieke Ingrid Annelies Bram Sem"),
           W("Jansen Bakker Visser Smit Meijer Mulder Bos Vos Peters "
             "Hendriks Dekker Brouwer Dijkstra Smits Willems Janssen")),
    "pl": (W("Piotr Krzysztof Andrzej Tomasz Paweł Michał Marcin Grzegorz "
             "Jakub Łukasz Anna Katarzyna Małgorzata Agnieszka Barbara "
             "Ewa Magdalena Joanna Zofia Wojciech Stanisław"),
           W("Nowak Kowalski Wiśniewski Wójcik Kowalczyk Kamiński Lewandowski "
             "Zieliński Szymański Woźniak Dąbrowski Kozłowski Jankowski "
             "Mazur Kwiatkowski Krawczyk Piotrowski Grabowski Nowakowski "
             "Pawłowski Michalski Król Wieczorek Jabłoński Wróbel Majewski")),
    "sc": (W("Lars Erik Anders Johan Per Nils Magnus Henrik Søren Jens "
             "Anna Ingrid Kristin Sigrid Astrid Åsa Liv Bjørn Ole Mette"),
           W("Andersson Johansson Karlsson Nilsson Eriksson Larsson Olsen "
             "Hansen Pedersen Nielsen Jensen Lindqvist Bergström Sjöberg "
             "Halvorsen Haugen Lindberg Ødegaard Holm Dahl")),
}
DUTCH_PARTICLES = W("van van_der van_den de ter van_de")
FR_PARTICLES = W("de du de_la d'")

# Russian in Cyrillic; Latin forms come from transliteration tables below.
RU_GIVEN_M = W("Александр Сергей Дмитрий Андрей Алексей Иван Михаил Николай "
               "Владимир Евгений Юрий Виктор Олег Павел Игорь Максим Артём "
               "Григорий Фёдор Вячеслав Константин Геннадий Борис Тимур "
               "Анатолий Леонид Василий Пётр Роман Вадим Ярослав Аркадий")
RU_GIVEN_F = W("Елена Ольга Наталья Татьяна Ирина Светлана Анна Мария Юлия "
               "Екатерина Людмила Галина Марина Анастасия Дарья Ксения "
               "Валентина Любовь Вера Надежда Оксана Алёна Полина Евгения")
# Patronymic stems: father's given name -> stem for -ович/-овна or -евич
RU_PATRO = {"Александр": "Александров", "Сергей": "Сергеев",
            "Дмитрий": "Дмитриев", "Андрей": "Андреев", "Алексей": "Алексеев",
            "Иван": "Иванов", "Михаил": "Михайлов", "Николай": "Николаев",
            "Владимир": "Владимиров", "Евгений": "Евгеньев",
            "Юрий": "Юрьев", "Виктор": "Викторов", "Олег": "Олегов",
            "Павел": "Павлов", "Игорь": "Игорев", "Максим": "Максимов",
            "Борис": "Борисов", "Пётр": "Петров", "Роман": "Романов",
            "Вадим": "Вадимов", "Анатолий": "Анатольев",
            "Василий": "Васильев", "Геннадий": "Геннадьев",
            "Константин": "Константинов", "Леонид": "Леонидов"}
# Surnames: root + suffix, so that a million names do not repeat too often.
RU_ROOTS = W("Иван Петр Смирн Кузнец Попов Соколов Лебед Козл Новик Морозов "
             "Волк Соловь Васил Зайц Павл Семён Голуб Виноград Богдан "
             "Воробь Фёдор Михайл Беляк Тарас Белоус Комар Орл Киселёв "
             "Макар Андре Ковал Ильин Гусев Титов Кузьмин Кудрявц Баран "
             "Куликов Алексе Степан Яковл Сорокин Сергеев Романов Захар "
             "Борис Королёв Герасим Пономар Григорь Лазар Медвед Ерм "
             "Никит Соболев Рябов Поляк Цвет Данил Жук Фролов Журавл "
             "Николаев Крыл Максим Сидор Осип Белов Федот Дорофе Егор "
             "Матве Бобр Дмитри Калинин Анисим Петух Антон Тимофе Никифор "
             "Весел Филипп Марков Большак Суханов Миронов Ширяев Шилов")
RU_SUFFIX_M = W("ов ев ин ский цкий енко ук")
FEM = {"ов": "ова", "ев": "ева", "ин": "ина", "ский": "ская",
       "цкий": "цкая", "енко": "енко", "ук": "ук"}

# Cyrillic -> Latin, several systems as used on passports and in the press.
CYR_SYSTEMS = [
    {  # BGN/PCGN-like: Sergey, Yuriy, Aleksandr
        "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e",
        "ё": "yo", "ж": "zh", "з": "z", "и": "i", "й": "y", "к": "k",
        "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r",
        "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts",
        "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ы": "y", "ь": "",
        "э": "e", "ю": "yu", "я": "ya"},
    {  # German-style / older passports: Sergej, Jurij, Schtschukin
        "а": "a", "б": "b", "в": "w", "г": "g", "д": "d", "е": "e",
        "ё": "jo", "ж": "sch", "з": "s", "и": "i", "й": "j", "к": "k",
        "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r",
        "с": "s", "т": "t", "у": "u", "ф": "f", "х": "ch", "ц": "z",
        "ч": "tsch", "ш": "sch", "щ": "schtsch", "ъ": "", "ы": "y",
        "ь": "", "э": "e", "ю": "ju", "я": "ja"},
    {  # ICAO 9303 (passports since 2013): Sergei, Iurii, Aleksandr
        "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e",
        "ё": "e", "ж": "zh", "з": "z", "и": "i", "й": "i", "к": "k",
        "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r",
        "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts",
        "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "ie", "ы": "y", "ь": "",
        "э": "e", "ю": "iu", "я": "ia"},
    {  # French-style: Sergueï, Ioulia... simplified to ASCII-ish
        "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e",
        "ё": "io", "ж": "j", "з": "z", "и": "i", "й": "ï", "к": "k",
        "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r",
        "с": "s", "т": "t", "у": "ou", "ф": "f", "х": "kh", "ц": "ts",
        "ч": "tch", "ш": "ch", "щ": "chtch", "ъ": "", "ы": "y", "ь": "",
        "э": "e", "ю": "iou", "я": "ia"},
]


def translit(s, table):
    out = []
    for ch in s:
        lo = ch.lower()
        t = table.get(lo, ch)
        out.append(t.capitalize() if ch != lo and t else t)
    return "".join(out)


GREEK_GIVEN = W("Γιώργος Δημήτρης Κωνσταντίνος Γιάννης Νίκος Παναγιώτης "
                "Βασίλειος Χρήστος Αθανάσιος Μιχάλης Ευάγγελος Σπύρος "
                "Μαρία Ελένη Αικατερίνη Βασιλική Σοφία Αγγελική Γεωργία "
                "Δέσποινα Ειρήνη Αναστασία")
GREEK_ROOTS = W("Παπαδ Γεωργ Νικολα Οικονομ Αντωνι Κωνσταντιν Μακρ "
                "Βλαχ Αλεξανδρ Δημητρ Καραγιαν Ιωανν Χριστ Σταυρ Πετρ "
                "Αθανασ Λαμπρ Μιχαηλ Ζαχαρ Κυριακ Τσαν Καλ Ρηγ")
GREEK_SUFFIX = W("όπουλος ίδης άκης ίου άτος ίτης έας")
GREEK_TR = {"α": "a", "ά": "a", "β": "v", "γ": "g", "δ": "d", "ε": "e",
            "έ": "e", "ζ": "z", "η": "i", "ή": "i", "θ": "th", "ι": "i",
            "ί": "i", "ϊ": "i", "κ": "k", "λ": "l", "μ": "m", "ν": "n",
            "ξ": "x", "ο": "o", "ό": "o", "π": "p", "ρ": "r", "σ": "s",
            "ς": "s", "τ": "t", "υ": "y", "ύ": "y", "φ": "f", "χ": "ch",
            "ψ": "ps", "ω": "o", "ώ": "o"}

# Arabic: (script, romanisations...). Romanisations differ by country and
# era (Mohammed in the Gulf press, Muhammad scholarly, Mohamed in Egypt).
AR_GIVEN = [
    ("محمد", "Mohammed", "Muhammad", "Mohamed", "Mohamad", "Mohammad"),
    ("أحمد", "Ahmed", "Ahmad"), ("علي", "Ali"), ("حسن", "Hassan", "Hasan"),
    ("حسين", "Hussein", "Husayn", "Hussain", "Hossein"),
    ("عمر", "Omar", "Umar"), ("خالد", "Khaled", "Khalid"),
    ("يوسف", "Youssef", "Yusuf", "Yousef", "Yousif"),
    ("إبراهيم", "Ibrahim", "Ebrahim"), ("عبد الله", "Abdullah", "Abdallah",
                                         "Abd Allah"),
    ("عبد الرحمن", "Abdul Rahman", "Abdelrahman", "Abd al-Rahman"),
    ("عبد العزيز", "Abdulaziz", "Abdel Aziz", "Abd al-Aziz"),
    ("سعيد", "Saeed", "Said", "Sa'id"), ("مصطفى", "Mustafa", "Moustafa"),
    ("محمود", "Mahmoud", "Mahmud"), ("طارق", "Tariq", "Tarek"),
    ("جمال", "Jamal", "Gamal"), ("فيصل", "Faisal", "Faysal"),
    ("ناصر", "Nasser", "Nasir"), ("سليمان", "Suleiman", "Sulayman"),
    ("فاطمة", "Fatima", "Fatma"), ("عائشة", "Aisha", "Aicha"),
    ("مريم", "Maryam", "Mariam"), ("زينب", "Zainab", "Zaynab"),
    ("ياسين", "Yassin", "Yasin"), ("كريم", "Karim", "Kareem"),
    ("منصور", "Mansour", "Mansur"), ("رشيد", "Rashid", "Rachid"),
    ("وليد", "Walid", "Waleed"), ("هشام", "Hisham", "Hicham"),
]
AR_FAMILY = [
    ("الحسيني", "al-Husseini", "El Husseini"), ("العلي", "al-Ali", "Al Ali"),
    ("الخطيب", "al-Khatib", "El Khatib"), ("المصري", "al-Masri", "El Masry"),
    ("حداد", "Haddad"), ("الزهراني", "al-Zahrani", "Alzahrani"),
    ("القحطاني", "al-Qahtani", "Al Kahtani"),
    ("التميمي", "al-Tamimi", "Al Tamimi"), ("العبيدي", "al-Obeidi",
                                            "Al Ubaydi"),
    ("الشمري", "al-Shammari", "Al Shamari"), ("نصر", "Nasr", "Nasser"),
    ("البغدادي", "al-Baghdadi", "Al Baghdadi"),
    ("الدوسري", "al-Dosari", "Aldossary"), ("سعد", "Saad", "Sa'd"),
    ("عثمان", "Othman", "Uthman", "Osman"), ("الكعبي", "al-Kaabi", "Alkaabi"),
    ("الحربي", "al-Harbi", "Alharbi"), ("يوسف", "Youssef", "Yusuf"),
    ("الجبوري", "al-Jubouri", "Al Jaburi"), ("عبيد", "Obaid", "Ubayd"),
    ("الأنصاري", "al-Ansari", "El Ansari"), ("صالح", "Saleh", "Salih"),
    ("حمدان", "Hamdan"), ("الراشد", "al-Rashed", "Al Rashid"),
]

CN_SURNAME = [("王", "Wang"), ("李", "Li"), ("张", "Zhang"), ("刘", "Liu"),
              ("陈", "Chen"), ("杨", "Yang"), ("黄", "Huang"), ("赵", "Zhao"),
              ("吴", "Wu"), ("周", "Zhou"), ("徐", "Xu"), ("孙", "Sun"),
              ("马", "Ma"), ("朱", "Zhu"), ("胡", "Hu"), ("郭", "Guo"),
              ("何", "He"), ("高", "Gao"), ("林", "Lin"), ("罗", "Luo"),
              ("郑", "Zheng"), ("梁", "Liang"), ("谢", "Xie"), ("宋", "Song"),
              ("唐", "Tang"), ("许", "Xu"), ("韩", "Han"), ("冯", "Feng"),
              ("邓", "Deng"), ("曹", "Cao"), ("彭", "Peng"), ("曾", "Zeng"),
              ("萧", "Xiao"), ("田", "Tian"), ("董", "Dong"), ("潘", "Pan"),
              ("袁", "Yuan"), ("蔡", "Cai"), ("蒋", "Jiang"), ("余", "Yu"),
              ("欧阳", "Ouyang"), ("司马", "Sima")]
CN_GIVEN = [("伟", "wei"), ("芳", "fang"), ("娜", "na"), ("敏", "min"),
            ("静", "jing"), ("丽", "li"), ("强", "qiang"), ("磊", "lei"),
            ("军", "jun"), ("洋", "yang"), ("勇", "yong"), ("艳", "yan"),
            ("杰", "jie"), ("娟", "juan"), ("涛", "tao"), ("明", "ming"),
            ("超", "chao"), ("秀", "xiu"), ("霞", "xia"), ("平", "ping"),
            ("刚", "gang"), ("桂", "gui"), ("英", "ying"), ("华", "hua"),
            ("建", "jian"), ("国", "guo"), ("志", "zhi"), ("海", "hai"),
            ("文", "wen"), ("辉", "hui"), ("宇", "yu"), ("鹏", "peng"),
            ("晓", "xiao"), ("红", "hong"), ("春", "chun"), ("东", "dong"),
            ("林", "lin"), ("成", "cheng"), ("永", "yong"), ("德", "de"),
            ("金", "jin"), ("龙", "long"), ("新", "xin"), ("亮", "liang"),
            ("嘉", "jia"), ("怡", "yi"), ("雪", "xue"), ("思", "si"),
            ("博", "bo"), ("航", "hang"), ("泽", "ze"), ("浩", "hao")]

KR_SURNAME = [("김", "Kim", "Gim"), ("이", "Lee", "Yi", "Rhee", "I"),
              ("박", "Park", "Pak", "Bak"), ("최", "Choi", "Choe"),
              ("정", "Jung", "Jeong", "Chung"), ("강", "Kang", "Gang"),
              ("조", "Cho", "Jo"), ("윤", "Yoon", "Yun"), ("장", "Jang",
                                                          "Chang"),
              ("임", "Lim", "Im"), ("한", "Han"), ("오", "Oh", "O"),
              ("서", "Seo", "Suh"), ("신", "Shin", "Sin"),
              ("권", "Kwon", "Gwon"), ("황", "Hwang"), ("안", "Ahn", "An"),
              ("송", "Song"), ("류", "Ryu", "Yoo"), ("홍", "Hong")]
KR_SYL = [("민", "min"), ("준", "jun"), ("서", "seo"), ("연", "yeon"),
          ("지", "ji"), ("현", "hyun"), ("우", "woo"), ("영", "young"),
          ("수", "su"), ("진", "jin"), ("하", "ha"), ("은", "eun"),
          ("성", "sung"), ("호", "ho"), ("정", "jung"), ("희", "hee"),
          ("동", "dong"), ("혜", "hye"), ("태", "tae"), ("경", "kyung"),
          ("재", "jae"), ("철", "chul"), ("승", "seung"), ("윤", "yoon"),
          ("상", "sang"), ("미", "mi"), ("도", "do"), ("원", "won")]

JP_FAMILY = [("佐藤", "Sato"), ("鈴木", "Suzuki"), ("高橋", "Takahashi"),
             ("田中", "Tanaka"), ("伊藤", "Ito"), ("渡辺", "Watanabe"),
             ("山本", "Yamamoto"), ("中村", "Nakamura"), ("小林", "Kobayashi"),
             ("加藤", "Kato"), ("吉田", "Yoshida"), ("山田", "Yamada"),
             ("佐々木", "Sasaki"), ("松本", "Matsumoto"), ("井上", "Inoue"),
             ("木村", "Kimura"), ("林", "Hayashi"), ("清水", "Shimizu"),
             ("山口", "Yamaguchi"), ("森", "Mori"), ("池田", "Ikeda"),
             ("橋本", "Hashimoto"), ("石川", "Ishikawa"), ("前田", "Maeda"),
             ("藤田", "Fujita"), ("岡田", "Okada"), ("後藤", "Goto"),
             ("長谷川", "Hasegawa"), ("村上", "Murakami"), ("近藤", "Kondo")]
JP_GIVEN = [("翔太", "Shota"), ("大輔", "Daisuke"), ("健", "Ken"),
            ("拓也", "Takuya"), ("直樹", "Naoki"), ("誠", "Makoto"),
            ("浩", "Hiroshi"), ("隆", "Takashi"), ("健一", "Ken'ichi"),
            ("一郎", "Ichiro"), ("裕子", "Yuko"), ("恵子", "Keiko"),
            ("陽子", "Yoko"), ("美咲", "Misaki"), ("さくら", "Sakura"),
            ("愛", "Ai"), ("由美", "Yumi"), ("真由美", "Mayumi"),
            ("蓮", "Ren"), ("悠真", "Yuma"), ("陽翔", "Haruto"),
            ("結衣", "Yui"), ("葵", "Aoi"), ("修", "Osamu"), ("勇気", "Yuki")]

TR_GIVEN = W("Mehmet Mustafa Ahmet Ali Hüseyin Hasan İbrahim İsmail Osman "
             "Yusuf Murat Ömer Ramazan Halil Süleyman Abdullah Emre Burak "
             "Fatma Ayşe Emine Hatice Zeynep Elif Meryem Şerife Zehra "
             "Sultan Hanife Özlem Gülşen Çağla Ebru")
TR_FAMILY = W("Yılmaz Kaya Demir Şahin Çelik Yıldız Yıldırım Öztürk Aydın "
              "Özdemir Arslan Doğan Kılıç Aslan Çetin Kara Koç Kurt Özkan "
              "Şimşek Polat Özcan Korkmaz Çakır Erdoğan Yavuz Can Acar Şen "
              "Aktaş Güler Yalçın Güneş Bozkurt Bulut Keskin Ünal Turan")
FA_GIVEN = [("محمد", "Mohammad"), ("علی", "Ali"), ("حسین", "Hossein"),
            ("رضا", "Reza"), ("مهدی", "Mehdi"), ("امیر", "Amir"),
            ("حمید", "Hamid"), ("سعید", "Saeed"), ("مجید", "Majid"),
            ("جواد", "Javad"), ("مسعود", "Masoud"), ("بهروز", "Behrouz"),
            ("داریوش", "Dariush"), ("کوروش", "Kourosh"), ("فرهاد", "Farhad"),
            ("زهرا", "Zahra"), ("فاطمه", "Fatemeh"), ("مریم", "Maryam"),
            ("نرگس", "Narges"), ("شیرین", "Shirin"), ("پریسا", "Parisa"),
            ("لیلا", "Leila"), ("سارا", "Sara"), ("محمدرضا", "Mohammadreza")]
FA_ROOTS = [("احمد", "Ahmad"), ("حسین", "Hossein"), ("رضا", "Reza"),
            ("کریم", "Karim"), ("موسوی", "Mousavi"), ("رحیم", "Rahim"),
            ("جعفر", "Jafar"), ("صادق", "Sadegh"), ("قاسم", "Ghasem"),
            ("نوری", "Nouri"), ("تهرانی", "Tehrani"), ("شیرازی", "Shirazi"),
            ("اصفهانی", "Esfahani"), ("کاظم", "Kazem"), ("حیدر", "Heydar"),
            ("باقر", "Bagher"), ("امین", "Amin"), ("سلطان", "Soltan")]
FA_SUFFIX = [("ی", "i"), ("زاده", "zadeh"), ("پور", "pour"),
             ("نژاد", "nejad"), ("", ""), ("یان", "ian")]

ES_GIVEN = W("José Juan Luis Carlos Jorge Miguel Ángel Francisco Antonio "
             "Manuel Pedro Alejandro Javier Fernando Ricardo Sergio Raúl "
             "María Guadalupe Carmen Ana Rosa Isabel Verónica Patricia "
             "Lucía Sofía Valentina Camila Ximena Dolores Inés Begoña")
ES_FAMILY = W("García Rodríguez Martínez Hernández López González Pérez "
              "Sánchez Ramírez Torres Flores Rivera Gómez Díaz Cruz Morales "
              "Reyes Gutiérrez Ortiz Chávez Ramos Ruiz Vargas Castillo "
              "Jiménez Moreno Romero Herrera Medina Aguilar Vázquez Castro "
              "Mendoza Guzmán Salazar Núñez Rojas Contreras Domínguez "
              "Ochoa Navarro Ibáñez Cárdenas Zúñiga Peña Espinoza Sandoval")

WA_GIVEN = W("Oluwaseun Adebayo Chukwuemeka Ngozi Chinedu Obinna Emeka "
             "Funmilayo Babatunde Yetunde Aminu Ibrahim Musa Abubakar "
             "Kwame Kofi Akosua Ama Yaw Kwabena Mamadou Moussa Aminata "
             "Fatoumata Ousmane Seydou Boubacar Adama Ibrahima Aissatou "
             "Oumar Souleymane Kadiatou Idrissa Chidinma Tunde Folake")
WA_FAMILY = W("Okafor Okonkwo Adeyemi Ogunleye Balogun Adewale Eze Nwosu "
              "Chukwu Obi Onyeka Bello Abdullahi Danjuma Mensah Owusu Asante "
              "Boateng Appiah Osei Diallo Traoré Keïta Coulibaly Touré Camara "
              "Sow Ba Diop Ndiaye Ouédraogo Sawadogo Kaboré Konaté Cissé "
              "Sangaré Diakité Oyelaran Olawale Agyeman")
SA_GIVEN = W("Rajesh Suresh Ramesh Amit Sanjay Vijay Anil Sunil Rahul "
             "Arjun Vikram Ravi Deepak Manoj Priya Sunita Anjali Pooja "
             "Neha Kavita Lakshmi Meena Divya Harpreet Gurpreet Mohammed "
             "Imran Faisal Ayesha Sana Tariq Asif Venkatesh Srinivas "
             "Abhishek Nitin Prakash Kiran Shreya Ananya")
SA_FAMILY = W("Sharma Verma Gupta Patel Shah Mehta Singh Kaur Kumar Reddy "
              "Rao Naidu Iyer Iyengar Nair Menon Pillai Chatterjee Banerjee "
              "Mukherjee Das Ghosh Bose Sen Joshi Kulkarni Deshpande Patil "
              "Jadhav Chaudhary Yadav Mishra Tiwari Pandey Dubey Khan "
              "Qureshi Siddiqui Malik Chaudhry Butt Bhatt Agarwal Jain "
              "Srinivasan Krishnan Subramanian Ramaswamy Rajapaksa Perera "
              "Fernando Silva Hossain Rahman Chowdhury Islam")
SA_MIDDLE = W("Kumar Prasad Lal Chandra Nath Mohan Devi Bai Singh Kaur")

# Organisations
ORG_SYL = W("tra ns ko mar al ex in ter glo bal nor va sib pet ro gaz "
            "zen tek vi ta lux cor on ix ar ka dia mon sol ver rex bel "
            "sta al ta ri um ne o plan ka vo la")
ORG_PLACE = W("Baltic Gulf Eurasia Pacific Atlantic Caspian Arctic Nordic "
              "Levant Sahara Danube Volga Mekong Andes Caribbean Balkan "
              "Siberian Oriental Continental Global International United "
              "Royal Golden Silver Red Blue Green Star Crescent Eagle Falcon")
ORG_ACT = W("Trading Logistics Shipping Holdings Investments Petroleum Oil "
            "Gas Energy Metals Mining Chemicals Pharma Textiles Electronics "
            "Technologies Construction Engineering Import Export Finance "
            "Capital Exchange Marine Aviation Airlines Transport Industries "
            "Group Development Resources Agro Foods Consulting Security "
            "Systems Telecom Bank Insurance Tankers Freight Steel Cement")
ORG_FORM = ["LLC", "Ltd", "Ltd.", "Limited", "GmbH", "AG", "OOO", "ZAO",
            "OAO", "PJSC", "JSC", "S.A.", "S.A. de C.V.", "S. de R.L.",
            "SARL", "SAS", "B.V.", "N.V.", "S.p.A.", "S.r.l.",
            "Sp. z o.o.", "Kft.", "A.Ş.", "FZE", "FZCO", "FZ-LLC",
            "Sdn Bhd", "Pte Ltd", "Co., Ltd.", "Inc.", "Corp.", "LLP",
            "PLC", "Pty Ltd", "S.A.L.", "W.L.L.", "K.K.", "Oy", "AB", "ApS"]
RU_ORG_WORDS = W("Транс Нефте Газ Строй Пром Снаб Сервис Инвест Энерго "
                 "Металл Торг Экспорт Импорт Логистик Агро Хим Техно Север "
                 "Юг Восток Сибирь Урал Волга Балт")
CN_ORG_PLACE = ["上海", "北京", "深圳", "广州", "天津", "大连", "香港",
                "厦门", "宁波", "青岛"]
CN_ORG_WORD = ["华信", "中远", "恒通", "永盛", "金泰", "鑫达", "东方",
               "宏远", "海川", "瑞丰", "天成", "联合", "国际", "新航"]
CN_ORG_ACT = ["贸易", "物流", "航运", "科技", "石油", "化工", "电子",
              "投资", "实业", "能源"]

# ----------------------------------------------------------- generators


def titled(s):
    return " ".join(w[:1].upper() + w[1:] for w in s.replace("_", " ").split())


def p_latin(r):
    lang = r.choice(list(LATIN))
    given, family = LATIN[lang]
    g = r.choice(given)
    if r.random() < 0.3:  # second given name, to have middles to drop
        g += " " + r.choice(given)
    f = r.choice(family)
    if lang == "nl" and r.random() < 0.35:
        f = r.choice(DUTCH_PARTICLES).replace("_", " ") + " " + f
    elif lang == "fr" and r.random() < 0.1:
        part = r.choice(FR_PARTICLES).replace("_", " ")
        f = part + f if part.endswith("'") else part + " " + f
    elif r.random() < 0.12:  # double-barrelled
        f += "-" + r.choice(family)
    return [f"{g} {f}"]


def ru_surname(r, female):
    root = r.choice(RU_ROOTS)
    suf = r.choice(RU_SUFFIX_M)
    if root.endswith(("ов", "ев", "ёв", "ин")):
        # the root already is a surname (Морозов, Ильин)
        return root + ("а" if female else "")
    return root + (FEM[suf] if female else suf)


def p_slavic(r):
    female = r.random() < 0.4
    g = r.choice(RU_GIVEN_F if female else RU_GIVEN_M)
    f = ru_surname(r, female)
    father = r.choice(list(RU_PATRO))
    stem = RU_PATRO[father]
    pat = stem[:-2] + ("евна" if female else "евич") if stem.endswith("ев") \
        else stem[:-2] + ("овна" if female else "ович")
    if r.random() < 0.5:  # lists carry the patronymic about half the time
        cyr = f"{g} {pat} {f}"
    else:
        cyr = f"{g} {f}"
    sys_ = r.randrange(len(CYR_SYSTEMS))
    lat = translit(cyr, CYR_SYSTEMS[sys_])
    roll = r.random()
    if roll < 0.3:
        return [cyr, lat]
    if roll < 0.45:  # two Latin spellings, as happens across lists
        alt = translit(cyr, CYR_SYSTEMS[(sys_ + 1) % len(CYR_SYSTEMS)])
        return [lat, alt] if alt != lat else [lat]
    if roll < 0.6:
        return [cyr]
    return [lat]


def p_arabic(r):
    female = r.random() < 0.2
    given = [g for g in AR_GIVEN if (g[1] in ("Fatima", "Aisha", "Maryam",
                                              "Zainab")) == female]
    g, fa, gf = r.choice(given), r.choice(AR_GIVEN[:20]), \
        r.choice(AR_GIVEN[:20])
    fam = r.choice(AR_FAMILY)
    conn_ar, conn = ("بنت", "bint") if female else ("بن", r.choice(
        ["bin", "ibn", "ben"]))
    style = r.random()
    if style < 0.35:  # nasab chain with bin/ibn
        parts = [(g[0], r.choice(g[1:])), (conn_ar, conn),
                 (fa[0], r.choice(fa[1:])), (fam[0], r.choice(fam[1:]))]
    elif style < 0.7:  # given + father + grandfather + family (Iraqi/Gulf)
        parts = [(g[0], r.choice(g[1:])), (fa[0], r.choice(fa[1:])),
                 (gf[0], r.choice(gf[1:])), (fam[0], r.choice(fam[1:]))]
    else:  # given + family
        parts = [(g[0], r.choice(g[1:])), (fam[0], r.choice(fam[1:]))]
    ar = " ".join(p[0] for p in parts)
    lat = " ".join(p[1] for p in parts)
    roll = r.random()
    if roll < 0.25:
        return [ar, lat]
    if roll < 0.4:
        return [ar]
    if roll < 0.5:  # upper-case Latin, as OFAC and UN write it
        return [lat.upper()]
    return [lat]


def p_chinese(r):
    s = r.choice(CN_SURNAME)
    n = 1 if r.random() < 0.3 else 2
    gs = [r.choice(CN_GIVEN) for _ in range(n)]
    han = s[0] + "".join(g[0] for g in gs)
    py = "".join(g[1] for g in gs).capitalize()
    roll = r.random()
    if roll < 0.3:
        return [han, f"{s[1]} {py}"]
    if roll < 0.45:
        return [han]
    if roll < 0.55:  # Western order and hyphenated (Hong Kong/Taiwan style)
        hy = "-".join(g[1].capitalize() for g in gs)
        return [f"{hy} {s[1]}"]
    return [f"{s[1]} {py}"]


def p_korean(r):
    s = r.choice(KR_SURNAME)
    a, b = r.choice(KR_SYL), r.choice(KR_SYL)
    hangul = s[0] + a[0] + b[0]
    rom = r.choice([f"{a[1].capitalize()}-{b[1]}", f"{a[1].capitalize()}{b[1]}",
                    f"{a[1].capitalize()} {b[1].capitalize()}"])
    sur = r.choice(s[1:])
    lat = f"{sur} {rom}" if r.random() < 0.6 else f"{rom} {sur}"
    roll = r.random()
    if roll < 0.3:
        return [hangul, lat]
    if roll < 0.45:
        return [hangul]
    return [lat]


def p_japanese(r):
    f, g = r.choice(JP_FAMILY), r.choice(JP_GIVEN)
    roll = r.random()
    if roll < 0.25:
        return [f[0] + g[0], f"{g[1]} {f[1]}"]
    if roll < 0.35:
        return [f[0] + g[0]]
    if roll < 0.5:
        return [f"{f[1].upper()} {g[1]}"]  # family first, upper case
    return [f"{g[1]} {f[1]}"]


def p_greek(r):
    g = r.choice(GREEK_GIVEN)
    f = r.choice(GREEK_ROOTS) + r.choice(GREEK_SUFFIX)
    if g.endswith(("α", "η")) and f.endswith("ος"):
        f = f[:-2] + "ου"  # feminine genitive form of the surname
    gr = f"{g} {f}"
    lat = translit(gr, GREEK_TR)
    roll = r.random()
    if roll < 0.3:
        return [gr, lat]
    if roll < 0.45:
        return [gr]
    return [lat]


def p_turkish(r):
    g = r.choice(TR_GIVEN)
    if r.random() < 0.2:
        g += " " + r.choice(TR_GIVEN)
    return [f"{g} {r.choice(TR_FAMILY)}"]


def p_persian(r):
    g = r.choice(FA_GIVEN)
    root, suf = r.choice(FA_ROOTS), r.choice(FA_SUFFIX)
    fa = f"{g[0]} {root[0]}{suf[0]}"
    lat = f"{g[1]} {root[1]}{suf[1]}"
    roll = r.random()
    if roll < 0.25:
        return [fa, lat]
    if roll < 0.35:
        return [fa]
    return [lat]


def p_hispanic(r):
    g = r.choice(ES_GIVEN)
    if r.random() < 0.35:
        g += " " + r.choice(ES_GIVEN)
    p, m = r.choice(ES_FAMILY), r.choice(ES_FAMILY)
    roll = r.random()
    if roll < 0.1:
        return [f"{g} {p} y {m}"]
    if roll < 0.18:
        return [f"{g} {p} de {m}"]
    return [f"{g} {p} {m}"]


def p_west_african(r):
    g = r.choice(WA_GIVEN)
    if r.random() < 0.2:
        g += " " + r.choice(WA_GIVEN)
    return [f"{g} {r.choice(WA_FAMILY)}"]


def p_south_asian(r):
    g = r.choice(SA_GIVEN)
    if r.random() < 0.3:
        g += " " + r.choice(SA_MIDDLE)
    return [f"{g} {r.choice(SA_FAMILY)}"]


# Weights roughly follow who appears on sanctions and watch lists, while
# keeping every culture frequent enough to matter for recall.
PERSON_GENS = [(p_latin, 16), (p_slavic, 14), (p_arabic, 16),
               (p_chinese, 9), (p_korean, 5), (p_japanese, 3), (p_greek, 3),
               (p_turkish, 6), (p_persian, 7), (p_hispanic, 10),
               (p_west_african, 6), (p_south_asian, 8)]


def brand(r):
    n = r.choice((2, 2, 3))
    return "".join(r.choice(ORG_SYL) for _ in range(n)).capitalize()


def org(r):
    roll = r.random()
    if roll < 0.08:  # Russian company in Cyrillic, with a Latin alias
        w = "".join(r.choice(RU_ORG_WORDS) for _ in range(2))
        cyr = f"ООО «{w.capitalize()}»" if r.random() < 0.6 \
            else f"АО «{w.capitalize()}»"
        lat = translit(cyr, CYR_SYSTEMS[0]).replace("«", "").replace("»", "")
        lat = lat.replace("Ooo", "OOO").replace("Ao ", "AO ")
        return [cyr, lat] if r.random() < 0.5 else [cyr]
    if roll < 0.14:  # Chinese company: place + brand + activity + 有限公司
        return [r.choice(CN_ORG_PLACE) + r.choice(CN_ORG_WORD) +
                r.choice(CN_ORG_ACT) + "有限公司"]
    words = []
    if r.random() < 0.35:
        words.append(r.choice(ORG_PLACE))
    words.append(brand(r))
    words.append(r.choice(ORG_ACT))
    if r.random() < 0.3:
        words.append(r.choice(ORG_ACT))
    name = " ".join(words) + " " + r.choice(ORG_FORM)
    if r.random() < 0.15:
        name = name.upper()
    return [name]


def person(r):
    gens, weights = zip(*PERSON_GENS)
    return r.choices(gens, weights)[0](r)


def generate(r, org_share=0.25):
    """(kind, [name, aliases...]) for one new record."""
    if r.random() < org_share:
        return "org", org(r)
    return "person", person(r)


# ------------------------------------------------------------------ main


def default_data_dir():
    here = os.path.dirname(os.path.abspath(__file__))
    return os.environ.get("LIAISON_DATA",
                          os.path.join(here, "..", "..", "shared", "data"))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--real", default=default_data_dir(),
                    help="shared data dir (default $LIAISON_DATA or "
                         "../shared/data from the repo root)")
    ap.add_argument("--no-real", action="store_true",
                    help="generated names only")
    ap.add_argument("--total", type=int, required=True,
                    help="rows wanted; real rows count; 0 = real only")
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()

    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow(["id", "name", "kind"])
    n = 0
    if not a.no_real:
        if not os.path.isdir(os.path.join(a.real, "sanctions")):
            sys.exit(f"gen_names: no sanctions data under {a.real}")
        for row in real_rows(a.real):
            out.writerow(row)
            n += 1
    r = random.Random(a.seed)
    i = 0
    while n < a.total:
        kind, names = generate(r)
        i += 1
        for name in names[: a.total - n]:
            out.writerow([f"gen-{a.seed}-{i}", name, kind])
            n += 1
    print(f"gen_names: {n} rows ({i} generated records)", file=sys.stderr)


if __name__ == "__main__":
    main()
