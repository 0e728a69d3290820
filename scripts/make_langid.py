"""Builds a word-level language identification data set from Debian's word lists.

  apt-get install wamerican wfrench wngerman wspanish witalian wportuguese wdutch wswedish
  python3 scripts/make_langid.py [--per-class 10000] [--out data/langid]

Eight classes (english, french, german, spanish, italian, portuguese, dutch,
swedish). Words are lower-cased; words with an apostrophe, digits or fewer than
two letters are dropped, and so is every word that appears in more than one list
(it cannot be labelled). Each class is sampled to the same size with a fixed
seed, then split 80/20 into train.tsv and test.tsv (label<TAB>word), so the set
is the same on every machine with the same word lists. Standard library only.
"""
import argparse
import pathlib
import random

LISTS = {
    "english": "american-english",
    "french": "french",
    "german": "ngerman",
    "spanish": "spanish",
    "italian": "italian",
    "portuguese": "portuguese",
    "dutch": "dutch",
    "swedish": "swedish",
}


def words(path):
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")  # some lists (e.g. Swedish) are ISO-8859-1
    out = set()
    for line in text.splitlines():
        w = line.strip().lower()
        if len(w) >= 2 and "'" not in w and not any(c.isdigit() for c in w) and " " not in w:
            out.add(w)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--per-class", type=int, default=10000)
    ap.add_argument("--out", default="data/langid")
    ap.add_argument("--seed", type=int, default=20261127)
    args = ap.parse_args()
    sets = {lang: words(pathlib.Path("/usr/share/dict") / f) for lang, f in LISTS.items()}
    seen = {}
    for lang, ws in sets.items():
        for w in ws:
            seen[w] = seen.get(w, 0) + 1
    rng = random.Random(args.seed)
    train, test = [], []
    for lang in LISTS:
        unique = sorted(w for w in sets[lang] if seen[w] == 1)
        if len(unique) < args.per_class:
            raise SystemExit(f"{lang}: only {len(unique)} unique words")
        picked = rng.sample(unique, args.per_class)
        cut = int(0.8 * len(picked))
        train += [(lang, w) for w in picked[:cut]]
        test += [(lang, w) for w in picked[cut:]]
    rng.shuffle(train)
    rng.shuffle(test)
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for name, rows in [("train.tsv", train), ("test.tsv", test)]:
        (out / name).write_text("".join(f"{l}\t{w}\n" for l, w in rows), encoding="utf-8")
    print(f"{out}: {len(train)} train, {len(test)} test, {len(LISTS)} classes")


if __name__ == "__main__":
    main()
