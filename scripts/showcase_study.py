"""Chooses and checks the showcase's `--preset strong` on real data sets.

  python3 scripts/make_fortunes.py            # builds data/fortune_* (see its --help)
  python3 scripts/showcase_study.py search    # candidates, validation accuracy only
  python3 scripts/showcase_study.py table     # preset and baseline, 6 seeds, test accuracy

`search` trains every candidate configuration on every data set with seed 1
and prints the accuracy of the kept (best validation) epoch on the validation
split: the preset is chosen from this table, never from test accuracy.
`table` then runs `--preset strong` and the character 3-gram logistic
regression (the baseline the example prints with `--tokens char`) with seeds
1 to N (--seeds, 6) and prints test accuracy as mean ± sd and seconds per epoch: the
README's table. Every run uses `--threads 2`; runs go one after another, so
the times are those of an otherwise idle machine. Records go to
target/showcase_study/ (one JSON per run, from the example's `--metrics`).
"""
import argparse
import json
import pathlib
import statistics
import subprocess
import sys
import time

DATA = {
    "langid (words)": "data/langid",
    "fortune languages (sentences)": "data/fortune_languages",
    "fortune topics (short texts)": "data/fortune_topics",
}

COMMON = ["--threads", "2", "--epochs", "10", "--quiet", "--no-baseline"]

CANDIDATES = {
    "elman word last (defaults)": [],
    "gru char max, drop 0.2, clip 1, cosine": [
        "--cell", "gru", "--tokens", "char", "--pool", "max",
        "--dropout", "0.2", "--clip", "1", "--schedule", "cosine",
    ],
    "gru char max bi, drop 0.2, clip 1, cosine": [
        "--cell", "gru", "--tokens", "char", "--pool", "max", "--bidirectional",
        "--dropout", "0.2", "--clip", "1", "--schedule", "cosine",
    ],
    "gru word max, drop 0.2, clip 1, cosine": [
        "--cell", "gru", "--tokens", "word", "--pool", "max",
        "--dropout", "0.2", "--clip", "1", "--schedule", "cosine",
    ],
}

BINARY = pathlib.Path("target/release/examples/rnn_text_classification")
OUT = pathlib.Path("target/showcase_study")


def run(name, data, flags, seed):
    """Runs the example once; returns its --metrics record."""
    OUT.mkdir(parents=True, exist_ok=True)
    slug = "".join(c if c.isalnum() else "_" for c in f"{name}_{data}_{seed}")
    record = OUT / f"{slug}.json"
    cmd = [str(BINARY), "--train", f"{data}/train.tsv", "--test", f"{data}/test.tsv",
           "--seed", str(seed), "--metrics", str(record), *COMMON, *flags]
    start = time.time()
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{done.stderr}")
    value = json.loads(record.read_text())
    value["wall_seconds"] = time.time() - start
    value["command"] = " ".join(cmd)
    record.write_text(json.dumps(value, indent=1))
    return value


def search():
    print("| configuration | " + " | ".join(DATA) + " |")
    print("|---|" + "---|" * len(DATA))
    for name, flags in CANDIDATES.items():
        cells = []
        for data in DATA.values():
            value = run(name, data, flags, seed=1)
            t = value["training"]
            cells.append(f"{t['valid_accuracy']:.4f} ({t['seconds_per_epoch']:.1f} s/epoch)")
        print(f"| {name} | " + " | ".join(cells) + " |", flush=True)


def mean_sd(xs):
    return f"{statistics.mean(xs):.4f} ± {statistics.stdev(xs):.4f}"


def table(seeds):
    print("| data set | classes | train / test | char 3-gram baseline | `--preset strong` | RNN kept | s/epoch (2 threads) |")
    print("|---|---|---|---|---|---|---|")
    for label, data in DATA.items():
        base, strong, seconds, rnn_kept = [], [], [], 0
        for seed in seeds:
            b = run("baseline", data, ["--model", "ngram", "--tokens", "char"], seed)
            base.append(b["accuracy"])
            s = run("strong", data, ["--preset", "strong"], seed)
            strong.append(s["accuracy"])
            seconds.append(s["training"]["seconds_per_epoch"])
            rnn_kept += s["training"]["kept_model"] == "rnn"
        lines = [sum(1 for _ in open(f"{data}/{f}.tsv", encoding="utf-8")) for f in ("train", "test")]
        classes = len(b["classes"])
        print(f"| {label} | {classes} | {lines[0]} / {lines[1]} | {mean_sd(base)} | {mean_sd(strong)} "
              f"| {rnn_kept} of {len(seeds)} | {statistics.mean(seconds):.1f} |", flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("stage", choices=["search", "table"])
    ap.add_argument("--seeds", type=int, default=6)
    args = ap.parse_args()
    for data in DATA.values():
        if not pathlib.Path(data, "train.tsv").exists():
            sys.exit(f"{data}/train.tsv is missing: run scripts/make_fortunes.py first")
    subprocess.run(["cargo", "build", "--release", "--example", "rnn_text_classification"], check=True)
    if args.stage == "search":
        search()
    else:
        table(range(1, args.seeds + 1))


if __name__ == "__main__":
    main()
