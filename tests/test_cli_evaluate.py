"""``skdc evaluate``: cross-validated scores of a condensed table."""

import json

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose
from sklearn.datasets import load_diabetes, load_iris
from sklearn.model_selection import KFold

from skdc import KMeansCentroids
from skdc._cli import main
from skdc.model_selection import EVALUATE_COLUMNS, _default_models, evaluate

SETS = ["full data", "random subset", "k-means"]
MODELS = ["LogReg", "1-NN", "RandomForest"]


@pytest.fixture(scope="module")
def iris_csv(tmp_path_factory):
    X, y = load_iris(return_X_y=True, as_frame=True)
    frame = X.assign(species=np.array(["setosa", "versicolor", "virginica"])[y])
    path = tmp_path_factory.mktemp("data") / "iris.csv"
    frame.to_csv(path, index=False)
    return path


def test_prints_the_table(iris_csv, run_skdc):
    done = run_skdc(
        "evaluate", iris_csv, "--target", "species", "--method", "kmeans",
        "--size", "12", "--cv", "2",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    assert lines[0].startswith(f"{iris_csv}: 150 rows, target 'species'; 2-fold")
    header = lines[1].replace("fit s", "fit_s").replace("MMD^2 to held-out", "MMD2")
    assert header.split() == ["method", "rows", "fit_s", *MODELS, "mean", "MMD2"]
    body = {}
    for line in lines[2:]:
        name, *cells = line.rsplit(maxsplit=7)
        body[name] = cells
    assert list(body) == [*SETS, "KMeansCentroids"]
    assert body["full data"][:2] == ["75", "-"]
    for name in SETS[1:] + ["KMeansCentroids"]:
        assert body[name][0] == "12"
    for cells in body.values():
        scores = [float(c) for c in cells[2:6]]
        assert all(0 <= s <= 1 for s in scores)
        assert scores[-1] == pytest.approx(np.mean(scores[:3]), abs=1e-3)
    assert float(body["full data"][2]) > 0.9


def test_json_for_scripts(iris_csv, run_skdc):
    done = run_skdc(
        "evaluate", iris_csv, "--target", "species", "--method", "mmd",
        "--size", "9", "--cv", "2", "--param", "max_iter=20",
        "--scoring", "balanced_accuracy", "--json", "--quiet",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""  # --quiet: no bar, no note
    result = json.loads(done.stdout)
    assert result["method"] == "MMDCondenser"
    assert result["scoring"] == "balanced_accuracy"
    assert [row["method"] for row in result["summary"]] == [*SETS, "MMDCondenser"]
    # 4 sets x 2 folds x 3 models, each a row of evaluate's table.
    assert len(result["folds"]) == 24
    assert all(list(row) == list(EVALUATE_COLUMNS) for row in result["folds"])
    full = [row for row in result["folds"] if row["condenser"] == "full"]
    assert all(row["fit_seconds"] is None for row in full)
    summary = {row["method"]: row for row in result["summary"]}
    lr = [r["score"] for r in full if r["estimator"] == "LogReg"]
    assert summary["full data"]["LogReg"] == pytest.approx(np.mean(lr))


@pytest.mark.parametrize(
    "args, status, message",
    [
        (["missing.csv", "--target", "y"], 1, "missing.csv: no such file."),
        (["{csv}", "--target", "kind"], 1, "no column 'kind'; columns are"),
        (["{csv}"], 2, "the following arguments are required: --target"),
        (["{csv}", "--target", "species", "--size", "0"], 2, "expected an integer"),
        (["{csv}", "--target", "species", "--cv", "1"], 1, "n_splits=1"),
        (
            ["{csv}", "--target", "species", "--size", "200"],
            1,
            "asks for 200 synthetic rows",
        ),
        (
            [
                "{csv}",
                "--target",
                "species",
                "--param",
                "kernel=x",
                "--method",
                "kmeans",
            ],
            1,
            "KMeansCentroids has no parameter kernel",
        ),
        (["{nan}", "--target", "species"], 1, "missing values in sepal length (cm)"),
    ],
)
def test_errors_are_one_line(iris_csv, tmp_path, capsys, args, status, message):
    nan = tmp_path / "nan.csv"
    pd.read_csv(iris_csv).assign(**{"sepal length (cm)": np.nan}).to_csv(nan)
    argv = [a.format(csv=iris_csv, nan=nan) for a in args]
    if status == 2:
        with pytest.raises(SystemExit) as info:
            main(["evaluate", *argv])
        code = info.value.code
    else:
        code = main(["evaluate", *argv, "--quiet"])
    err = capsys.readouterr().err.strip()
    assert code == status
    assert len(err.splitlines()) == 1
    assert err.startswith("skdc evaluate: error:")
    assert message in err


def test_impute_fills_missing_values_for_every_set(iris_csv, tmp_path, capsys):
    frame = pd.read_csv(iris_csv)
    frame.loc[::7, "sepal length (cm)"] = np.nan
    path = tmp_path / "holes.csv"
    frame.to_csv(path, index=False)
    argv = ["evaluate", str(path), "--target", "species", "--method", "kmeans"]
    code = main([*argv, "--size", "12", "--cv", "2", "--impute", "--json", "--quiet"])
    assert code == 0
    result = json.loads(capsys.readouterr().out)
    assert [row["method"] for row in result["summary"]] == [*SETS, "KMeansCentroids"]
    scores = [row["score"] for row in result["folds"]]
    assert np.isfinite(scores).all()
    # Imputed iris is still easy: the full data scores as it does without holes.
    full = [r["score"] for r in result["folds"] if r["condenser"] == "full"]
    assert np.mean(full) > 0.85


def test_folds_are_drawn_from_the_shuffled_rows(tmp_path, run_skdc):
    # A file sorted by its continuous target: folds in the file's order would
    # train on one range of y and test on another.
    X, y = load_diabetes(return_X_y=True, as_frame=True)
    frame = X.assign(progression=y).sort_values("progression")
    path = tmp_path / "sorted.csv"
    frame.to_csv(path, index=False)
    args = ["--target", "progression", "--method", "kmeans", "--size", "20"]
    done = run_skdc("evaluate", path, *args, "--cv", "3", "--json", "--quiet")
    assert done.returncode == 0, done.stderr
    folds = pd.DataFrame(json.loads(done.stdout)["folds"])
    table = pd.read_csv(path)
    X_file, y_file = table.drop(columns="progression"), table["progression"]
    shuffled = KFold(3, shuffle=True, random_state=0)
    direct = evaluate(
        {"KMeansCentroids": KMeansCentroids(size=20, random_state=0)},
        X_file,
        y_file,
        estimators=_default_models("regression", X_file),
        cv=shuffled,
        discrepancy=False,
    )
    assert_allclose(folds["score"], direct["score"], rtol=1e-10)
    in_order = evaluate(
        {"KMeansCentroids": KMeansCentroids(size=20, random_state=0)},
        X_file,
        y_file,
        estimators=_default_models("regression", X_file),
        cv=3,
        discrepancy=False,
    )
    full = (folds["condenser"] == "full") & (folds["estimator"] == "Ridge")
    # Ridge on all training rows: near the data's own R^2 on shuffled folds,
    # far below it when each fold holds one range of the target.
    assert folds.loc[full, "score"].min() > 0.3
    assert in_order.loc[full.to_numpy(), "score"].min() < 0.0
