"""Builds two text classification sets from Debian's fortune cookie packages.

  apt-get install fortunes fortunes-de fortunes-es fortunes-it fortunes-pl fortunes-ru
  python3 scripts/make_fortunes.py [--out data]

* data/fortune_topics: the topic of a short English text (quotes, jokes,
  definitions) by the fortune file it comes from: computers, education, food,
  law, literature, politics, science, work. Every text of 20 to 400 characters,
  so the classes keep their natural sizes (unbalanced).
* data/fortune_languages: the language of a short text (English, German,
  Spanish, Italian, Polish, Russian), 2,000 texts of 20 to 200 characters per
  language, drawn with a fixed seed from every file of the language's package.

A text is one fortune with its lines joined by single spaces and control
characters (terminal escapes) removed; attributions ("-- Someone") stay, since
they are part of the text a reader sees. Texts that occur under two labels are
dropped (they cannot be labelled). Each set is split
80/20 into train.tsv and test.tsv (label<TAB>text) with a fixed seed, so it is
the same on every machine with the same packages. Standard library only.

Licences: fortunes (English) BSD; fortunes-de, -pl, -ru GPL-2+ (texts) and
fortunes-es (texts presumed public domain, packaging GPL-2+); fortunes-it
public domain (see /usr/share/doc/<package>/copyright). The sets are therefore
built on the user's machine rather than committed.
"""
import argparse
import pathlib
import random
import re
import unicodedata

ROOT = pathlib.Path("/usr/share/games/fortunes")

TOPICS = ["computers", "education", "food", "law", "literature", "politics", "science", "work"]

# English files for the language set: general ones, not the topic files.
ENGLISH = ["fortunes", "people", "wisdom", "miscellaneous", "men-women", "platitudes", "cookie"]

LANGUAGES = {"german": "de", "spanish": "es", "italian": "it", "polish": "pl", "russian": "ru"}


def language_files():
    """Every language's candidate files (missing directories give none)."""
    files = {"english": [ROOT / name for name in ENGLISH]}
    for language, folder in LANGUAGES.items():
        d = ROOT / folder
        files[language] = sorted(d.iterdir()) if d.is_dir() else []
    return files


def fortunes(path):
    """The texts of one fortune file, each on one line."""
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    out = []
    for item in re.split(r"^%\s*$", text, flags=re.M):
        line = " ".join(item.split())
        line = "".join(c for c in line if unicodedata.category(c)[0] != "C")
        if line:
            out.append(line)
    return out


def source_files(paths):
    """Fortune files only: no index (.dat) or empty files, and of a file
    present both as NAME and NAME.u8 only the UTF-8 one (when not empty)."""
    chosen = []
    for p in paths:
        if p.suffix == ".dat" or not p.is_file() or p.stat().st_size == 0:
            continue
        utf8 = p.with_name(p.name + ".u8")
        if p.suffix != ".u8" and utf8.exists() and utf8.stat().st_size > 0:
            p = utf8
        if p not in chosen:
            chosen.append(p)
    return chosen


def write_split(out, examples, seed):
    rng = random.Random(seed)
    rng.shuffle(examples)
    cut = int(len(examples) * 0.8)
    out.mkdir(parents=True, exist_ok=True)
    for name, part in [("train.tsv", examples[:cut]), ("test.tsv", examples[cut:])]:
        with open(out / name, "w", encoding="utf-8") as f:
            for label, text in part:
                f.write(f"{label}\t{text}\n")
    counts = {}
    for label, _ in examples:
        counts[label] = counts.get(label, 0) + 1
    print(f"{out}: {cut} train, {len(examples) - cut} test; per class {dict(sorted(counts.items()))}")


def unambiguous(examples):
    labels = {}
    for label, text in examples:
        labels.setdefault(text, set()).add(label)
    seen, out = set(), []
    for label, text in examples:
        if len(labels[text]) == 1 and text not in seen:
            seen.add(text)
            out.append((label, text))
    return out


def topics(out):
    examples = []
    for topic in TOPICS:
        for text in fortunes(ROOT / topic):
            if 20 <= len(text) <= 400:
                examples.append((topic, text))
    write_split(out / "fortune_topics", unambiguous(examples), seed=7)


def languages(out, per_class):
    examples = []
    rng = random.Random(11)
    for language, paths in language_files().items():
        texts = []
        for path in source_files(paths):
            texts.extend(t for t in fortunes(path) if 20 <= len(t) <= 200)
        texts = sorted(set(texts))
        if len(texts) < per_class:
            raise SystemExit(f"{language}: only {len(texts)} texts (is its package installed?)")
        examples.extend((language, t) for t in rng.sample(texts, per_class))
    write_split(out / "fortune_languages", unambiguous(examples), seed=13)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="data", type=pathlib.Path)
    ap.add_argument("--per-class", default=2000, type=int, help="texts per language")
    args = ap.parse_args()
    missing = [p for p in [ROOT / t for t in TOPICS + ENGLISH] if not p.exists()]
    missing += [name for name, paths in language_files().items() if not source_files(paths)]
    if missing:
        raise SystemExit(f"missing {missing[0]}: install the packages named in --help")
    topics(args.out)
    languages(args.out, args.per_class)


if __name__ == "__main__":
    main()
