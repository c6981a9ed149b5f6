"""AutoCondenser's choice rule, replayed: record the searches, compare rules.

    python benchmarks/auto_rule.py record runs.jsonl --seeds 0 1 --datasets wine
    python benchmarks/auto_rule.py judges runs.jsonl judged.jsonl
    python benchmarks/auto_rule.py report runs.jsonl [more.jsonl ...]
    python benchmarks/auto_rule.py compare --before runs.jsonl --after cv5.jsonl

``record`` fits ``AutoCondenser()`` (its default candidates) on each dataset
of ``quality.py`` (20,000 generated rows), at 10 and 50 rows per class, for
each seed, and keeps every candidate's score on each fold of the search.
Then it fits every candidate on all the training rows, as Auto's refit
would, and keeps the test scores of the suite's four models trained on its
set.  One JSON line per (dataset, rows per class, seed); the file is
rewritten whole, atomically, after each line.

``judges`` reruns the searches of ``record``'s lines with the models of
``JUDGE_MODELS`` trained on each fold's set (the default judge's three,
forests of other sizes and two MLPs; ``--models`` names some) and adds
each model's fold scores and CPU seconds of fitting to the lines; it first
checks that the default judge's models give back the recorded fold
scores.

``report`` replays the choice on those records under other rules (how many
standard errors a challenger must lead the reference by; which candidates
compete) and prints, per rule, over the cells (dataset x rows per class,
test scores averaged over seeds): in how many Auto's set scores at least
the better of the two defaults' (``WassersteinCondenser()`` and
``MMDCondenser()``, rule 3 of ``quality.py``) and at least W2's, its mean
gap to those and to k-means, and how many fits leave W2; and the same
for hindsight, a choice no rule can make: in each search, the default
with the better test score on the cell's other seeds (how near the better
default a choice can come when one seed's test scores are this noisy).
Then every cell under two standard errors for every challenger and under
Auto's rule (two, half of one for an MMD challenger), and what the
switches to each candidate gained over W2 on test under those two rules.
On lines from ``judges`` it also replays the choice with other judges
(``JUDGES``: the mean score of some of the models).  On lines of ``record
--n-init k`` (final sets, k draws of each candidate, as
``AutoCondenser(n_init=k)``), it replays the pick among the first 1, 2, ...,
k draws.
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
from sklearn.base import clone
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import balanced_accuracy_score
from sklearn.model_selection import StratifiedKFold
from sklearn.neighbors import KNeighborsClassifier
from sklearn.neural_network import MLPClassifier

from skdc import AutoCondenser, MMDCondenser
from skdc._base import weights_for
from skdc._evaluation import condense_all, model_for, score_sets
from skdc.auto import (
    JUDGE_TREES,
    LEAD_STANDARD_ERRORS,
    MMD_LEAD_STANDARD_ERRORS,
    _choose,
    _Panel,
    _resolved_cv,
    default_candidates,
)

REFERENCE = "wasserstein"
DEFAULTS = ("wasserstein", "mmd")
# The default candidates that are MMDCondensers: their bar is a rule's
# ``mmd_lead`` (Auto's MMD_LEAD_STANDARD_ERRORS).
MMD_NAMES = frozenset(
    name for name, c in default_candidates().items() if isinstance(c, MMDCondenser)
)
# (label, standard errors, candidates that compete (None: all of them),
# standard errors for the MMD challengers (None: the same))
RULES = [
    *((f"{k} SE", k, None, None) for k in (0, 0.5, 1, 1.5, 2, 3)),
    *(
        (f"2 SE, MMD {k} SE", 2, None, k)
        for k in (0, 0.5, 1, 1.5)
        if k != MMD_LEAD_STANDARD_ERRORS
    ),
    (
        f"{LEAD_STANDARD_ERRORS:g} SE, MMD {MMD_LEAD_STANDARD_ERRORS:g} SE (the "
        "default)",
        LEAD_STANDARD_ERRORS,
        None,
        MMD_LEAD_STANDARD_ERRORS,
    ),
    *(
        (f"{k} SE without {name}", k, ("drop", (name,)), None)
        for name in ("kmeans", "mmd-real-start", "wasserstein-quantile", "mmd")
        for k in (1, 2)
    ),
    ("1 SE, W2 or MMD only", 1, ("keep", DEFAULTS), None),
    ("W2 only", 0, ("keep", (REFERENCE,)), None),
]
# Auto's rule, as replay's arguments.
DEFAULT_RULE = {"lead": LEAD_STANDARD_ERRORS, "mmd_lead": MMD_LEAD_STANDARD_ERRORS}
# The models ``judges`` trains on each fold's set, by label: the default
# judge's (as ``skdc.auto._default_judge`` builds them for classes),
# forests of other sizes, and the suite's MLP (``quality.models``) with
# its usual solver and with L-BFGS, which converges in far fewer steps on
# sets this small.
JUDGE_MODELS = {
    "LogReg": lambda seed: LogisticRegression(max_iter=1000),
    "1-NN": lambda seed: KNeighborsClassifier(n_neighbors=1),
    **{
        f"forest-{n}": lambda seed, n=n: RandomForestClassifier(n, random_state=seed)
        for n in (100, 50, 25, 10)
    },
    "MLP": lambda seed: MLPClassifier((64,), max_iter=1000, random_state=seed),
    "MLP-lbfgs": lambda seed: MLPClassifier(
        (64,), solver="lbfgs", max_iter=1000, random_state=seed
    ),
}
DEFAULT_JUDGE = ("LogReg", "1-NN", f"forest-{JUDGE_TREES}")
# Judges that ``report`` replays: the mean score of these models.
JUDGES = [
    DEFAULT_JUDGE,
    *(("LogReg", "1-NN", f"forest-{n}") for n in (100, 50, 25, 10) if n != JUDGE_TREES),
    ("LogReg", "1-NN"),
    ("LogReg", DEFAULT_JUDGE[2]),
    ("1-NN", DEFAULT_JUDGE[2]),
    (*DEFAULT_JUDGE, "MLP"),
    (*DEFAULT_JUDGE, "MLP-lbfgs"),
    ("LogReg", DEFAULT_JUDGE[2], "MLP"),
    ("LogReg", DEFAULT_JUDGE[2], "MLP-lbfgs"),
]


def recorded_judge(rec):
    """The models of the judge whose fold scores ``rec`` holds: the default
    judge's when it was recorded (100 trees before ``judge_trees`` was kept)."""
    return (*DEFAULT_JUDGE[:2], f"forest-{rec.get('judge_trees', 100)}")


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


def record_cell(split, scorer, size, allocation, seed, cv="auto", n_init=1):
    """One search (Auto's ``cv``: its own default, "final" or folds; its
    ``n_init``) and every candidate's test scores, as a dict.  A search of
    final sets has one "fold": the scores of the sets Auto compared, which
    are those whose test scores are kept."""
    auto = AutoCondenser(
        size=size, allocation=allocation, random_state=seed, cv=cv, n_init=n_init
    )
    # The candidates as Auto refits them for classes (the suite's targets):
    # its size, allocation and seed, and with final sets its draws.
    judged = auto._judged_candidates(
        "classification", _resolved_cv(cv, "classification", seed)
    )
    reducers = {"auto": auto, **judged}
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
        "cv": cv,
        "n_init": n_init,
        # An int of folds is shuffled folds since 2026-12-02 (in order before).
        "shuffled_folds": True,
        "lead": LEAD_STANDARD_ERRORS,
        "mmd_lead": MMD_LEAD_STANDARD_ERRORS,
        "judge_trees": JUDGE_TREES,
        "auto_s": sets["auto"].seconds,
        "fit_s": {k: v.seconds for k, v in sets.items() if k != "auto"},
        "test": test,
    }


def _read_lines(paths):
    """The records of the JSON-lines files ``paths``, in order."""
    records = []
    for path in paths:
        with open(path) as lines:
            records.extend(json.loads(line) for line in lines)
    return records


def record(path, datasets, seeds, rows=20_000, cv="auto", n_init=1):
    records = _read_lines([path]) if os.path.exists(path) else []
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
                cell = record_cell(split, scorer, size, allocation, seed, cv, n_init)
                records.append(
                    {
                        "dataset": name,
                        "per_class": per_class,
                        "seed": seed,
                        "rows": rows,
                        **cell,
                    }
                )
                _write_lines(records, path)
                print(
                    f"{name} at {per_class} per class, seed {seed}: Auto picked "
                    f"{cell['pick']} ({time.perf_counter() - start:.0f} s)",
                    flush=True,
                )


class _TimedPanel(_Panel):
    """The default judge's panel that also keeps each model's fit CPU time."""

    def fit(self, X, y, sample_weight=None):
        self.estimators_, self.fit_seconds_ = [], []
        for estimator in self.estimators:
            start = time.process_time()
            weights = weights_for(estimator, sample_weight)
            self.estimators_.append(clone(estimator).fit(X, y, **weights))
            self.fit_seconds_.append(time.process_time() - start)
        return self


def judge_cell(split, rec, labels=tuple(JUDGE_MODELS)):
    """Each judge model's fold scores and fit seconds in ``rec``'s search
    (the models of ``JUDGE_MODELS`` named in ``labels``; the recorded
    judge's are added)."""
    labels = list(dict.fromkeys([*recorded_judge(rec), *labels]))
    recorded = [labels.index(m) for m in recorded_judge(rec)]
    panel = _TimedPanel(
        [model_for(JUDGE_MODELS[k](rec["seed"]), split.X_train) for k in labels],
        balanced_accuracy_score,
        "classifier",
    )
    scored = []  # per fitted search estimator, in the search's order

    def scorer(estimator, X, y):
        judge = estimator.estimator_
        scores = [balanced_accuracy_score(y, m.predict(X)) for m in judge.estimators_]
        scored.append((scores, judge.fit_seconds_))
        return float(np.mean([scores[i] for i in recorded]))

    allocation, size = choose_allocation(
        split.y_train, rec["per_class"], rec["dataset"] in PROPORTIONAL
    )
    # Lines recorded before "cv" was kept: as many folds as they hold.
    cv = rec.get("cv", len(rec["folds"][0]))
    if isinstance(cv, int) and not rec.get("shuffled_folds"):
        cv = StratifiedKFold(cv)  # recorded when an int meant folds in order
    auto = AutoCondenser(
        estimator=panel,
        scoring=scorer,
        cv=cv,
        size=size,
        allocation=allocation,
        random_state=rec["seed"],
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # Only the search is needed; the refit is the price of reusing Auto.
        auto.fit(split.X_train, split.y_train)
    n_candidates, n_splits = np.array(rec["folds"]).shape
    # GridSearchCV without n_jobs runs each candidate's folds in turn.
    scores = np.array([s for s, _ in scored]).reshape(n_candidates, n_splits, -1)
    seconds = np.array([t for _, t in scored]).sum(axis=0)
    np.testing.assert_allclose(
        scores[:, :, recorded].mean(axis=2), rec["folds"], atol=1e-12
    )
    return {
        "model_folds": {k: scores[:, :, i].tolist() for i, k in enumerate(labels)},
        "model_fit_s": dict(zip(labels, seconds.tolist())),
    }


def judges(path, out, labels=tuple(JUDGE_MODELS)):
    records = _read_lines([path])
    done = _read_lines([out]) if os.path.exists(out) else []
    keys = {(r["dataset"], r["per_class"], r["seed"]) for r in done}
    split = source = None  # the last split built, and its (dataset, rows)
    for rec in records:
        key = (rec["dataset"], rec["per_class"], rec["seed"])
        if key in keys:
            continue
        # Lines recorded before "rows" was kept used record's default.
        wanted = (rec["dataset"], rec.get("rows", 20_000))
        if wanted != source:
            split, source = DATASETS[wanted[0]][0](wanted[1]), wanted
        start = time.perf_counter()
        done.append({**rec, **judge_cell(split, rec, labels)})
        _write_lines(done, out)
        print(
            f"{key[0]} at {key[1]} per class, seed {key[2]}: "
            f"{time.perf_counter() - start:.0f} s",
            flush=True,
        )


def with_judge(rec, models):
    """``rec`` with the fold scores of a judge: the mean of ``models``."""
    folds = np.mean([rec["model_folds"][m] for m in models], axis=0)
    return {**rec, "folds": folds.tolist()}


def replay(rec, lead, compete=None, mmd_lead=None):
    """The candidate Auto picks from this record's folds under a rule: a
    challenger must lead W2 by more than ``lead`` standard errors
    (``mmd_lead`` for the MMD candidates, when given)."""
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
    bars = [
        mmd_lead if mmd_lead is not None and names[i] in MMD_NAMES else lead
        for i in keep
    ]
    return names[keep[_choose(results, folds.shape[1], bars)]]


def standard_error(values):
    """Standard error of the mean of ``values`` (nan for fewer than two)."""
    values = np.asarray(values)
    return values.std(ddof=1) / np.sqrt(values.size) if values.size > 1 else np.nan


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


def rule_row(cells, lead, compete, mmd_lead=None):
    """``picks_row`` of the picks under a rule (see ``replay``)."""
    return picks_row(
        cells,
        {
            key: [replay(r, lead, compete, mmd_lead) for r in recs]
            for key, recs in cells.items()
        },
    )


def picks_row(cells, picks):
    """(cells >= better default, cells >= W2, mean gaps to the better
    default, W2 and k-means, fits that leave W2) of ``picks``: a name per
    record of each cell."""
    at_least_best = at_least_w2 = switches = 0
    gaps = []
    for key, recs in cells.items():
        switches += sum(p != REFERENCE for p in picks[key])
        auto = cell_mean(recs, picks[key])
        w2, mmd, kmeans = (cell_mean(recs, name) for name in (*DEFAULTS, "kmeans"))
        at_least_best += auto >= max(w2, mmd) - 1e-12
        at_least_w2 += auto >= w2 - 1e-12
        gaps.append((auto - max(w2, mmd), auto - w2, auto - kmeans))
    return at_least_best, at_least_w2, *np.mean(gaps, axis=0), switches


def hindsight_picks(cells):
    """Per record, the default (W2 or MMD) whose test score is higher on
    the cell's other records: not a rule Auto could follow (it reads test
    scores), but how near the better default a choice can come when the
    test scores of one seed are as noisy as they are."""
    picks = {}
    for key, recs in cells.items():
        picks[key] = []
        for i in range(len(recs)):
            others = recs[:i] + recs[i + 1 :] or recs
            means = [cell_mean(others, name) for name in DEFAULTS]
            picks[key].append(DEFAULTS[int(np.argmax(means))])
    return picks


def report(paths):
    records = _read_lines(paths)
    cells = cells_of(records)
    n = len(cells)
    print(f"{len(records)} searches, {n} cells (dataset x rows per class)\n")
    print(
        "| rule | Auto >= better default | Auto >= W2 | Auto − better default "
        "| Auto − W2 | Auto − k-means | fits leaving W2 |"
    )
    print("| --- | --: | --: | --: | --: | --: | --: |")
    for label, lead, compete, mmd_lead in RULES:
        best, w2, gap_best, gap_w2, gap_km, switches = rule_row(
            cells, lead, compete, mmd_lead
        )
        print(
            f"| {label} | {best}/{n} | {w2}/{n} | {gap_best:+.4f} | {gap_w2:+.4f} "
            f"| {gap_km:+.4f} | {switches}/{len(records)} |"
        )
    best, w2, gap_best, gap_w2, gap_km, switches = picks_row(
        cells, hindsight_picks(cells)
    )
    print(
        f"| hindsight: the default better on the cell's other seeds (reads "
        f"test scores) | {best}/{n} | {w2}/{n} | {gap_best:+.4f} | {gap_w2:+.4f} "
        f"| {gap_km:+.4f} | {switches}/{len(records)} |"
    )
    # The rule before the MMD candidates' own bar, and the default.
    compared = {"2 SE": {"lead": 2}, "default": DEFAULT_RULE}
    print(
        "\nPer cell, mean over seeds; Auto under the rule at 2 SE for every "
        "candidate and under the default rule (picks: the default's):\n"
    )
    print(
        "| dataset | per class | seeds | W2 | MMD | k-means | Auto, 2 SE "
        "| Auto, default | − better default | picks |"
    )
    print("| --- | --: | --: | --: | --: | --: | --: | --: | --: | --- |")
    change = []  # per cell: Auto under the default rule less at 2 SE
    for (name, per_class), recs in cells.items():
        means = {n: cell_mean(recs, n) for n in (*DEFAULTS, "kmeans")}
        picks = {
            label: [replay(r, **rule) for r in recs] for label, rule in compared.items()
        }
        autos = [cell_mean(recs, p) for p in picks.values()]
        change.append(autos[1] - autos[0])
        chosen = ", ".join(picks["default"])
        better = max(DEFAULTS, key=means.get)
        # Paired over the seeds: each search's pick less the better default.
        gaps = [
            r["test"][p]["mean"] - r["test"][better]["mean"]
            for r, p in zip(recs, picks["default"])
        ]
        print(
            f"| {name} | {per_class} | {len(recs)} | {means['wasserstein']:.4f} "
            f"| {means['mmd']:.4f} | {means['kmeans']:.4f} | {autos[0]:.4f} "
            f"| {autos[1]:.4f} | {np.mean(gaps):+.4f} ± "
            f"{standard_error(gaps):.4f} | {chosen} |"
        )
    change = np.array(change)
    se = standard_error(change)
    print(
        f"\nAuto under the default rule less at 2 SE, per cell: "
        f"{change.mean():+.4f} ± {se:.4f} ({np.sum(change > 1e-12)} higher, "
        f"{np.sum(change < -1e-12)} lower)."
    )
    recorded = [r for r in records if "lead" in r]
    same = sum(
        replay(r, r["lead"], mmd_lead=r.get("mmd_lead")) == r["pick"] for r in recorded
    )
    print(f"\nReplayed picks equal to the recorded ones: {same} of {len(recorded)}.")
    for label, rule in compared.items():
        print(f"\nSwitches under the {label} rule: test gain over W2 by pick")
        print("| candidate | fits | mean gain | standard error | higher | lower |")
        print("| --- | --: | --: | --: | --: | --: |")
        gains = {}
        for r in records:
            pick = replay(r, **rule)
            if pick != REFERENCE:
                gain = r["test"][pick]["mean"] - r["test"][REFERENCE]["mean"]
                gains.setdefault(pick, []).append(gain)
        for name, values in gains.items():
            values = np.array(values)
            se = standard_error(values)
            print(
                f"| {name} | {values.size} | {values.mean():+.4f} | {se:.4f} "
                f"| {np.sum(values > 0)} | {np.sum(values < 0)} |"
            )
    judge_report(records)
    draws_report(records)


def draw_of(name):
    """Which draw of ``AutoCondenser(n_init=...)`` a candidate's name is:
    ``"mmd"`` 1, ``"mmd#3"`` 3."""
    return int(name.rpartition("#")[2]) if "#" in name else 1


def draws_report(records):
    """On records of searches with more than one draw of each candidate
    (``record --n-init``): Auto's pick (the best judged set) among the
    first 1, 2, ... draws; the counts and gaps of ``picks_row``, and the
    paired per-cell difference from the first draw alone."""
    drawn = [r for r in records if r.get("n_init", 1) > 1]
    if not drawn:
        return
    cells = cells_of(drawn)
    n = len(cells)
    print(
        f"\nDraws of each candidate judged, on the {len(drawn)} searches "
        "recorded with n_init > 1 (per cell: Auto's test score less with one "
        "draw):\n"
    )
    print(
        "| draws | Auto >= better default | Auto >= W2 | Auto − better default "
        "| Auto − W2 | Auto − k-means | fits leaving W2 | per cell | up | down |"
    )
    print("| --: | --: | --: | --: | --: | --: | --: | --: | --: | --: |")
    one = None
    for k in range(1, max(r["n_init"] for r in drawn) + 1):
        picks = {
            key: [
                replay(r, 0, ("keep", [m for m in r["names"] if draw_of(m) <= k]))
                for r in recs
            ]
            for key, recs in cells.items()
        }
        best, w2, gap_best, gap_w2, gap_km, switches = picks_row(cells, picks)
        autos = np.array([cell_mean(cells[key], p) for key, p in picks.items()])
        one = autos if one is None else one
        diff = autos - one
        print(
            f"| {k} | {best}/{n} | {w2}/{n} | {gap_best:+.4f} | {gap_w2:+.4f} "
            f"| {gap_km:+.4f} | {switches}/{len(drawn)} | {diff.mean():+.4f} ± "
            f"{standard_error(diff):.4f} | {np.sum(diff > 1e-12)} "
            f"| {np.sum(diff < -1e-12)} |"
        )


def judge_report(records):
    """The choice under the default rule with each of ``JUDGES``, on the
    records that ``judges`` completed: the counts and gaps of ``picks_row``,
    the picks equal to the default judge's, the paired per-cell difference
    of Auto's test score from the default judge's (mean ± standard error),
    and the judge's fitting CPU seconds per search."""
    judged = [r for r in records if "model_folds" in r]
    if not judged:
        return
    cells = cells_of(judged)
    n = len(cells)

    def picks(judge):
        return {
            key: [replay(with_judge(r, judge), **DEFAULT_RULE) for r in recs]
            for key, recs in cells.items()
        }

    def fit_seconds(judge):
        return np.mean([sum(r["model_fit_s"][m] for m in judge) for r in judged])

    default_picks = picks(DEFAULT_JUDGE)
    default_auto = np.array([cell_mean(cells[k], p) for k, p in default_picks.items()])
    print(
        f"\nJudges under the default rule, on the {len(judged)} searches "
        "rerun by `judges` (per cell: Auto's test score less the default "
        "judge's; fit s: CPU seconds of the judge's fits per search):\n"
    )
    print(
        "| judge | Auto >= better default | Auto >= W2 | Auto − better default "
        "| Auto − W2 | Auto − k-means | fits leaving W2 | same picks | per cell "
        "| fit s | / default's |"
    )
    print("| --- | --: | --: | --: | --: | --: | --: | --: | --: | --: | --: |")
    default_s = fit_seconds(DEFAULT_JUDGE)
    kept = set.intersection(*(set(r["model_folds"]) for r in judged))
    for judge in (j for j in JUDGES if kept.issuperset(j)):
        chosen = picks(judge)
        best, w2, gap_best, gap_w2, gap_km, switches = picks_row(cells, chosen)
        same = sum(a == b for k in cells for a, b in zip(chosen[k], default_picks[k]))
        diff = np.array([cell_mean(cells[k], p) for k, p in chosen.items()])
        diff -= default_auto
        se = standard_error(diff)
        seconds = fit_seconds(judge)
        print(
            f"| {' + '.join(judge)} | {best}/{n} | {w2}/{n} | {gap_best:+.4f} "
            f"| {gap_w2:+.4f} | {gap_km:+.4f} | {switches}/{len(judged)} "
            f"| {same}/{len(judged)} | {diff.mean():+.4f} ± {se:.4f} "
            f"| {seconds:.2f} | {seconds / default_s:.2f} |"
        )


def _searches(paths):
    """The records of ``paths``, keyed by (dataset, rows per class, seed)."""
    return {(r["dataset"], r["per_class"], r["seed"]): r for r in _read_lines(paths)}


def compare(before, after):
    """Two recordings of the same searches (``before`` and ``after``: lists
    of paths) made with different settings (``record --cv``, another
    code): Auto's picks under the default rule on each, paired by (dataset,
    rows per class, seed); prints the per-cell difference of its test
    score (mean ± standard error, cells up and down), the searches whose
    pick changed and how many of those for the better, the counts of
    ``picks_row`` on each, and the ratio of the searches' seconds."""
    old, new = _searches(before), _searches(after)
    keys = [k for k in old if k in new]
    old_cells, new_cells = (
        cells_of([old[k] for k in keys]),
        cells_of([new[k] for k in keys]),
    )
    picks = {
        label: {
            key: [replay(r, **DEFAULT_RULE) for r in recs] for key, recs in c.items()
        }
        for label, c in (("before", old_cells), ("after", new_cells))
    }
    diff = np.array(
        [
            cell_mean(new_cells[key], picks["after"][key])
            - cell_mean(old_cells[key], picks["before"][key])
            for key in old_cells
        ]
    )
    changed = better = 0
    for key in old_cells:
        for a, b, ra, rb in zip(
            picks["before"][key], picks["after"][key], old_cells[key], new_cells[key]
        ):
            if a != b:
                changed += 1
                better += rb["test"][b]["mean"] > ra["test"][a]["mean"]
    n = len(old_cells)
    print(f"{len(keys)} searches in both, {n} cells\n")
    print(
        "| recording | Auto >= better default | Auto >= W2 | Auto − better default "
        "| Auto − W2 | Auto − k-means | fits leaving W2 |"
    )
    print("| --- | --: | --: | --: | --: | --: | --: |")
    for label, cells in (("before", old_cells), ("after", new_cells)):
        best, w2, gap_best, gap_w2, gap_km, switches = picks_row(cells, picks[label])
        print(
            f"| {label} | {best}/{n} | {w2}/{n} | {gap_best:+.4f} | {gap_w2:+.4f} "
            f"| {gap_km:+.4f} | {switches}/{len(keys)} |"
        )
    seconds = [new[k]["auto_s"] / old[k]["auto_s"] for k in keys]
    # Against one W2 fit of the same recording (the same process and load).
    per_w2 = {
        label: np.median([r[k]["auto_s"] / r[k]["fit_s"][REFERENCE] for k in keys])
        for label, r in (("before", old), ("after", new))
    }
    print(
        f"\nAuto after less before, per cell: {diff.mean():+.4f} ± "
        f"{standard_error(diff):.4f} ({np.sum(diff > 1e-12)} up, "
        f"{np.sum(diff < -1e-12)} down); picks changed in {changed} of "
        f"{len(keys)} searches, {better} of them for the better; Auto's "
        f"seconds after / before: median {np.median(seconds):.2f}; in W2 fits "
        f"of its own recording, median {per_w2['before']:.1f} before and "
        f"{per_w2['after']:.1f} after."
    )


def _cv(value):
    """``record --cv``: "auto", "final" or a number of folds."""
    return value if value in ("auto", "final") else int(value)


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
        "--cv",
        type=_cv,
        default="auto",
        help='Auto\'s cv: "auto" (its default), "final" or a number of folds',
    )
    rec.add_argument(
        "--n-init",
        type=int,
        default=1,
        help="Auto's n_init: draws of each candidate judged (final sets only)",
    )
    rec.add_argument(
        "--threads", type=int, default=1, help="PyTorch CPU threads (default: 1)"
    )
    jud = commands.add_parser(
        "judges", help="rerun recorded searches, keep every judge model's scores"
    )
    jud.add_argument("path")
    jud.add_argument("out")
    jud.add_argument(
        "--threads", type=int, default=1, help="PyTorch CPU threads (default: 1)"
    )
    jud.add_argument(
        "--models",
        nargs="+",
        default=list(JUDGE_MODELS),
        choices=list(JUDGE_MODELS),
        help="the models to keep scores of (default: all; the recorded "
        "judge's are always kept)",
    )
    rep = commands.add_parser("report", help="compare rules on records")
    rep.add_argument("paths", nargs="+")
    com = commands.add_parser(
        "compare", help="Auto's picks on two recordings of the same searches"
    )
    com.add_argument("--before", nargs="+", required=True, metavar="PATH")
    com.add_argument("--after", nargs="+", required=True, metavar="PATH")
    args = parser.parse_args(argv)
    if args.command == "record":
        torch.set_num_threads(args.threads)
        record(args.path, args.datasets, args.seeds, args.rows, args.cv, args.n_init)
    elif args.command == "judges":
        torch.set_num_threads(args.threads)
        judges(args.path, args.out, args.models)
    elif args.command == "compare":
        compare(args.before, args.after)
    else:
        report(args.paths)


if __name__ == "__main__":
    sys.exit(main())
