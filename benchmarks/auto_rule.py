"""AutoCondenser's choice rule, replayed: record the searches, compare rules.

    python benchmarks/auto_rule.py record runs.jsonl --seeds 0 1 --datasets wine
    python benchmarks/auto_rule.py report runs.jsonl [more.jsonl ...]

``record`` fits ``AutoCondenser()`` (its default candidates) on each dataset
of ``quality.py`` (20,000 generated rows), at 10 and 50 rows per class, for
each seed, and keeps every candidate's score on each fold of the search.
Then it fits every candidate on all the training rows, as Auto's refit
would, and keeps the test scores of the suite's four models trained on its
set.  One JSON line per (dataset, rows per class, seed); the file is
rewritten whole, atomically, after each line.

``report`` replays the choice on those records under other rules (how many
standard errors a challenger must lead the reference by; which candidates
compete) and prints, per rule, over the cells (dataset x rows per class,
test scores averaged over seeds): in how many Auto's set scores at least
the better of the two defaults' (``WassersteinCondenser()`` and
``MMDCondenser()``, rule 3 of ``quality.py``) and at least W2's, its mean
gap to those and to k-means, and how many fits leave W2.  Then every
cell under the rules at one and two standard errors, and what the switches
to each candidate gained over W2 on test under those two rules.
"""

import argparse
import json
import os
import sys
import tempfile
import time
import warnings

import numpy as np
import torch
from quality import (  # benchmarks/quality.py, beside this script
    DATASETS,
    PROPORTIONAL,
    choose_allocation,
    models,
)

from skdc import AutoCondenser
from skdc._evaluation import condense_all, model_for, score_sets
from skdc.auto import LEAD_STANDARD_ERRORS, _choose

REFERENCE = "wasserstein"
DEFAULTS = ("wasserstein", "mmd")
# (label, standard errors, candidates that compete; None: all of them)
RULES = [
    *((f"{k} SE", k, None) for k in (0, 0.5, 1, 1.5, 2, 3)),
    *(
        (f"{k} SE without {name}", k, ("drop", (name,)))
        for name in ("kmeans", "mmd-multiscale", "wasserstein-quantile", "mmd")
        for k in (1, 2)
    ),
    ("1 SE, W2 or MMD only", 1, ("keep", DEFAULTS)),
    ("W2 only", 0, ("keep", (REFERENCE,))),
]


def _write_lines(records, path):
    """All records to ``path`` as JSON lines, atomically: a temporary file in
    the same folder, then renamed over it."""
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=folder, suffix=".tmp")
    try:
        with os.fdopen(fd, "w") as out:
            out.writelines(json.dumps(r) + "\n" for r in records)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def record_cell(split, scorer, size, allocation, seed):
    """One search and every candidate's test scores, as a dict."""
    auto = AutoCondenser(size=size, allocation=allocation, random_state=seed)
    # The candidates as Auto refits them: its size, allocation and seed.
    reducers = {"auto": auto, **auto._named_candidates()}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sets, _ = condense_all(reducers, split.X_train, split.y_train)
        ms = {k: model_for(m, split.X_train) for k, m in models().items()}
        test = {
            row["method"]: {k: row[k] for k in [*ms, "mean"]}
            for row in score_sets(
                {k: v for k, v in sets.items() if k != "auto"},
                split.X_test,
                split.y_test,
                ms,
                scorer,
            )
        }
    fitted = sets["auto"].reducer
    results = fitted.cv_results_
    n_splits = sum(key.startswith("split") for key in results)
    return {
        "names": [str(n) for n in results["condenser"]],
        # folds[c][i]: candidate c's score on fold i of the search.
        "folds": [
            [float(results[f"split{i}_test_score"][c]) for i in range(n_splits)]
            for c in range(len(results["condenser"]))
        ],
        "pick": fitted.best_name_,
        "lead": LEAD_STANDARD_ERRORS,
        "auto_s": sets["auto"].seconds,
        "fit_s": {k: v.seconds for k, v in sets.items() if k != "auto"},
        "test": test,
    }


def record(path, datasets, seeds, rows=20_000):
    records = []
    if os.path.exists(path):
        with open(path) as lines:
            records = [json.loads(line) for line in lines]
    for name in datasets:
        build, scorer = DATASETS[name]
        split = build(rows)
        for per_class in (10, 50):
            allocation, size = choose_allocation(
                split.y_train, per_class, name in PROPORTIONAL
            )
            if allocation is None:
                print(f"{name} at {per_class} per class: skipped ({size})")
                continue
            for seed in seeds:
                start = time.perf_counter()
                cell = record_cell(split, scorer, size, allocation, seed)
                records.append(
                    {"dataset": name, "per_class": per_class, "seed": seed, **cell}
                )
                _write_lines(records, path)
                print(
                    f"{name} at {per_class} per class, seed {seed}: Auto picked "
                    f"{cell['pick']} ({time.perf_counter() - start:.0f} s)",
                    flush=True,
                )


def replay(rec, lead, compete=None):
    """The candidate Auto picks from this record's folds under a rule."""
    names = rec["names"]
    keep = list(range(len(names)))
    if compete is not None:
        how, which = compete
        keep = [i for i, n in enumerate(names) if (n in which) == (how == "keep")]
    # The reference first, as in Auto's search.
    keep.sort(key=lambda i: names[i] != REFERENCE)
    folds = np.array(rec["folds"])[keep]  # (candidates, folds)
    results = {f"split{i}_test_score": folds[:, i] for i in range(folds.shape[1])}
    results["mean_test_score"] = folds.mean(axis=1)
    return names[keep[_choose(results, folds.shape[1], lead)]]


def cells_of(records):
    cells = {}
    for rec in records:
        cells.setdefault((rec["dataset"], rec["per_class"]), []).append(rec)
    return cells


def cell_mean(recs, picks):
    """A cell's test score (four-model mean) averaged over its records, of
    ``picks``: one candidate's name, or a name per record."""
    if isinstance(picks, str):
        picks = [picks] * len(recs)
    return float(np.mean([r["test"][p]["mean"] for r, p in zip(recs, picks)]))


def rule_row(cells, lead, compete):
    """(cells >= better default, cells >= W2, mean gaps to the better
    default, W2 and k-means, fits that leave W2)."""
    at_least_best = at_least_w2 = switches = 0
    gaps = []
    for recs in cells.values():
        picks = [replay(r, lead, compete) for r in recs]
        switches += sum(p != REFERENCE for p in picks)
        auto = cell_mean(recs, picks)
        w2, mmd, kmeans = (cell_mean(recs, name) for name in (*DEFAULTS, "kmeans"))
        at_least_best += auto >= max(w2, mmd) - 1e-12
        at_least_w2 += auto >= w2 - 1e-12
        gaps.append((auto - max(w2, mmd), auto - w2, auto - kmeans))
    return at_least_best, at_least_w2, *np.mean(gaps, axis=0), switches


def report(paths):
    records = []
    for path in paths:
        with open(path) as lines:
            records.extend(json.loads(line) for line in lines)
    cells = cells_of(records)
    n = len(cells)
    print(f"{len(records)} searches, {n} cells (dataset x rows per class)\n")
    print(
        "| rule | Auto >= better default | Auto >= W2 | Auto − better default "
        "| Auto − W2 | Auto − k-means | fits leaving W2 |"
    )
    print("| --- | --: | --: | --: | --: | --: | --: |")
    for label, lead, compete in RULES:
        best, w2, gap_best, gap_w2, gap_km, switches = rule_row(cells, lead, compete)
        print(
            f"| {label} | {best}/{n} | {w2}/{n} | {gap_best:+.4f} | {gap_w2:+.4f} "
            f"| {gap_km:+.4f} | {switches}/{len(records)} |"
        )
    print(
        f"\nPer cell, mean over seeds; Auto under the rules at 1 SE and at "
        f"{LEAD_STANDARD_ERRORS:g} SE (the default):\n"
    )
    print(
        "| dataset | per class | seeds | W2 | MMD | k-means | Auto, 1 SE "
        f"| Auto, {LEAD_STANDARD_ERRORS:g} SE | − better default | picks |"
    )
    print("| --- | --: | --: | --: | --: | --: | --: | --: | --: | --- |")
    for (name, per_class), recs in cells.items():
        means = {n: cell_mean(recs, n) for n in (*DEFAULTS, "kmeans")}
        picks = {
            lead: [replay(r, lead) for r in recs] for lead in (1, LEAD_STANDARD_ERRORS)
        }
        autos = [cell_mean(recs, p) for p in picks.values()]
        chosen = ", ".join(picks[LEAD_STANDARD_ERRORS])
        gap = autos[1] - max(means["wasserstein"], means["mmd"])
        print(
            f"| {name} | {per_class} | {len(recs)} | {means['wasserstein']:.4f} "
            f"| {means['mmd']:.4f} | {means['kmeans']:.4f} | {autos[0]:.4f} "
            f"| {autos[1]:.4f} | {gap:+.4f} | {chosen} |"
        )
    recorded = [r for r in records if "lead" in r]
    same = sum(replay(r, r["lead"]) == r["pick"] for r in recorded)
    print(f"\nReplayed picks equal to the recorded ones: {same} of {len(recorded)}.")
    for lead in (1, 2):
        print(f"\nSwitches at {lead} SE: test gain over W2 by candidate picked")
        print("| candidate | fits | mean gain | standard error | higher | lower |")
        print("| --- | --: | --: | --: | --: | --: |")
        gains = {}
        for r in records:
            pick = replay(r, lead)
            if pick != REFERENCE:
                gain = r["test"][pick]["mean"] - r["test"][REFERENCE]["mean"]
                gains.setdefault(pick, []).append(gain)
        for name, values in gains.items():
            values = np.array(values)
            se = (
                values.std(ddof=1) / np.sqrt(values.size) if values.size > 1 else np.nan
            )
            print(
                f"| {name} | {values.size} | {values.mean():+.4f} | {se:.4f} "
                f"| {np.sum(values > 0)} | {np.sum(values < 0)} |"
            )


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True)
    rec = commands.add_parser("record", help="run the searches, append records")
    rec.add_argument("path")
    rec.add_argument(
        "--datasets", nargs="+", default=list(DATASETS), choices=list(DATASETS)
    )
    rec.add_argument("--seeds", type=int, nargs="+", default=[0])
    rec.add_argument("--rows", type=int, default=20_000)
    rec.add_argument(
        "--threads", type=int, default=1, help="PyTorch CPU threads (default: 1)"
    )
    rep = commands.add_parser("report", help="compare rules on records")
    rep.add_argument("paths", nargs="+")
    args = parser.parse_args(argv)
    if args.command == "record":
        torch.set_num_threads(args.threads)
        record(args.path, args.datasets, args.seeds, args.rows)
    else:
        report(args.paths)


if __name__ == "__main__":
    sys.exit(main())
