"""The ``skdc`` command and the evaluation helpers behind it."""

import subprocess
import sys
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_iris
from sklearn.dummy import DummyClassifier
from sklearn.exceptions import ConvergenceWarning
from sklearn.neighbors import KNeighborsClassifier

from skdc._cli import main
from skdc._evaluation import (
    CondensedSet,
    condense_all,
    format_table,
    score_sets,
    summarise_warnings,
)

DEMO_ROWS = [
    "full training data",
    "RandomSubset",
    "KMeansCentroids",
    "MMDCondenser",
    "WassersteinCondenser",
]
DEMO_COLUMNS = ["method", "rows", "fit s", "LogReg", "1-NN", "RandomForest", "mean"]


def _table(stdout):
    """Header cells and {method: cells} of the demo's table."""
    lines = stdout.strip().splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("method"))
    # "fit s" is the one header with a space in it.
    header = lines[start].replace("fit s", "fit_s").split()
    body = {}
    for line in lines[start + 1 :]:
        name, *cells = line.rsplit(maxsplit=len(header) - 1)
        body[name] = cells
    return [h.replace("fit_s", "fit s") for h in header], body


def test_demo_prints_the_table(capsys):
    status = main(["demo", "--max-iter", "20", "--per-class", "3"])
    out, err = capsys.readouterr()

    assert status == 0
    header, body = _table(out)
    assert header == DEMO_COLUMNS
    assert list(body) == DEMO_ROWS
    assert body["full training data"][0] == "1257"
    assert body["full training data"][1] == "-"  # no fit time for the data
    for name in DEMO_ROWS[1:]:
        assert body[name][0] == "30"
        assert float(body[name][1]) >= 0
    for cells in body.values():
        scores = [float(c) for c in cells[2:]]
        assert all(0 <= s <= 1 for s in scores)
        assert scores[-1] == pytest.approx(np.mean(scores[:-1]), abs=1e-3)
    assert float(body["full training data"][2]) > 0.9
    # 20 iterations cannot settle: the warnings become one line on stderr,
    # never lines inside the table.
    assert "Warning" not in out
    notes = err.strip().splitlines()
    assert len(notes) == 1
    assert notes[0].startswith("skdc demo: note:")
    assert "ConvergenceWarning" in notes[0]


def test_unknown_subcommand_exits_with_one_line(capsys):
    with pytest.raises(SystemExit) as info:
        main(["frobnicate"])
    assert info.value.code != 0
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "invalid choice: 'frobnicate'" in err
    assert "demo" in err


def test_missing_subcommand_exits_nonzero(capsys):
    with pytest.raises(SystemExit) as info:
        main([])
    assert info.value.code != 0
    assert "COMMAND" in capsys.readouterr().err


@pytest.mark.parametrize("value", ["0", "-3", "ten"])
def test_bad_per_class_is_a_usage_error(capsys, value):
    with pytest.raises(SystemExit) as info:
        main(["demo", "--per-class", value])
    assert info.value.code == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "--per-class" in err


def test_library_error_is_one_line_and_exit_1(capsys):
    # Digits has about 125 training rows per class.
    status = main(["demo", "--per-class", "500"])
    out, err = capsys.readouterr()
    assert status == 1
    assert out == ""
    assert len(err.strip().splitlines()) == 1
    assert err.startswith("skdc demo: error:") and "size" in err


def test_help_lists_demo(capsys):
    with pytest.raises(SystemExit) as info:
        main(["--help"])
    assert info.value.code == 0
    assert "demo" in capsys.readouterr().out


# --------------------------------------------------------- evaluation
def test_score_sets_rows_and_sample_weight():
    X = np.array([[0.0], [1.0], [10.0], [11.0]])
    y = np.array([0, 0, 1, 1])
    sets = {
        "plain": (X[[0, 2]], y[[0, 2]], 0.25),
        "no time": (X, y),
    }
    rows = score_sets(sets, X, y, {"1-NN": KNeighborsClassifier(1)})
    assert [r["method"] for r in rows] == ["plain", "no time"]
    assert rows[0] == {"method": "plain", "rows": 2, "fit_s": 0.25, "1-NN": 1.0,
                       "mean": 1.0}  # fmt: skip
    assert rows[1]["fit_s"] is None

    # Learned weights reach models that accept them: weighted towards class 1,
    # a prior-only classifier predicts 1 (unweighted, the tie goes to 0).
    X2, y2 = np.array([[0.0], [1.0]]), np.array([0, 1])
    prior = {"prior": DummyClassifier(strategy="prior")}
    weighted, plain = score_sets(
        {"w": CondensedSet(X2, y2, None, np.array([1.0, 3.0])), "u": (X2, y2)},
        X2,
        np.array([1, 1]),
        prior,
    )
    assert weighted["prior"] == 1.0
    assert plain["prior"] == 0.0


def test_format_table_plain_and_markdown():
    rows = [{"name": "a", "n": 3, "x": 0.5}, {"name": "bbb", "n": 10, "x": None}]
    plain = format_table(rows, {"name": "method", "n": "rows", "x": "score"})
    assert plain.splitlines() == [
        "method  rows  score",
        "a          3  0.500",
        "bbb       10      -",
    ]
    md = format_table(rows, ["name", "x"], formats={"x": ".1f"}, markdown=True)
    assert md.splitlines() == [
        "| name |   x |",
        "| ---- | --: |",
        "| a    | 0.5 |",
        "| bbb  |   - |",
    ]


class _Warns:
    """A reducer that warns, to check that condense_all collects warnings."""

    def fit_resample(self, X, y):
        warnings.warn("did not settle", ConvergenceWarning, stacklevel=2)
        return X[:2], y[:2]

    def get_params(self, deep=False):
        return {}

    def set_params(self, **params):
        return self


def test_condense_all_collects_warnings():
    X, y = np.arange(8.0).reshape(4, 2), np.array([0, 1, 0, 1])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nothing may escape
        given = _Warns()
        sets, caught = condense_all({"w1": given, "w2": _Warns()}, X, y)
    assert list(sets) == ["w1", "w2"]
    assert sets["w1"].X.shape == (2, 2) and sets["w1"].seconds >= 0
    # The fitted clone comes back with the set, not the reducer given.
    assert isinstance(sets["w1"].reducer, _Warns) and sets["w1"].reducer is not given
    assert [name for name, _ in caught] == ["w1", "w2"]
    line = summarise_warnings(caught)
    assert line == "2 warnings hidden: ConvergenceWarning from w1, w2"


# ------------------------------------------------------------------ condense
@pytest.fixture
def iris_csv(tmp_path):
    X, y = load_iris(return_X_y=True, as_frame=True)
    frame = X.assign(species=y.map({0: "setosa", 1: "versicolor", 2: "virginica"}))
    path = tmp_path / "iris.csv"
    frame.to_csv(path, index=False)
    return path, frame


@pytest.mark.parametrize("suffix", [".csv", ".tsv.gz"])
def test_condense_writes_a_small_table_with_the_same_columns(
    iris_csv, run_skdc, suffix
):
    path, frame = iris_csv
    output = path.with_name("small" + suffix)
    args = ["--target", "species", "--size", 12, "--quiet", "-o", output]
    result = run_skdc("condense", path, "--param", "max_iter=50", *args)
    assert result.returncode == 0, result.stderr
    sep = "\t" if ".tsv" in suffix else ","
    small = pd.read_csv(output, sep=sep)
    assert list(small.columns) == list(frame.columns)
    assert len(small) == 12
    assert set(small["species"]) == set(frame["species"])
    assert not list(output.parent.glob(".skdc-*"))  # no temporary file left


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["missing.csv", "-o", "out.csv"], "no such file"),
        (["{data}", "--target", "nope", "-o", "out.csv"], "no column 'nope'"),
        (["{data}", "--target", "species", "-o", "out.xlsx"], "unknown table format"),
        (["{data}", "--target", "species", "--size", 200, "-o", "out.csv"], "size"),
        (["{data}", "--param", "bogus=1", "-o", "out.csv"], "no parameter bogus"),
    ],
)
def test_condense_errors_are_one_line_and_exit_non_zero(
    iris_csv, run_skdc, args, message
):
    path, _ = iris_csv
    args = [str(a).format(data=path) for a in args]
    args = [
        str(path.parent / a) if a.startswith("out") or a == "missing.csv" else a
        for a in args
    ]
    result = run_skdc("condense", *args, "--quiet")
    assert result.returncode == 1
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not (path.parent / "out.csv").exists()


def test_help_and_a_missing_file_answer_without_importing_torch(tmp_path):
    # A fresh interpreter, as the command starts: PyTorch and scikit-learn
    # take seconds to import, and neither answer needs them.
    missing = str(tmp_path / "missing.csv")
    code = (
        "import sys; from skdc._cli import main;"
        f"status = main(['condense', {missing!r}, '-o', 'x.csv']);"
        "print(status, [m for m in ('torch', 'sklearn') if m in sys.modules])"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300
    )
    assert done.stdout.strip() == "1 []", done.stderr
    assert "no such file" in done.stderr
    help_text = subprocess.run(
        [sys.executable, "-m", "skdc._cli", "condense", "--help"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert help_text.returncode == 0 and "--method" in help_text.stdout


def test_condense_class_too_small_for_its_allocation(iris_csv, run_skdc):
    path, frame = iris_csv
    rare = frame.groupby("species").head(50).iloc[45:]  # 5 setosa rows left
    rare.to_csv(path, index=False)
    output = path.with_name("out.csv")
    args = ["--target", "species", "--size", 60, "--allocation", "balanced"]
    result = run_skdc("condense", path, *args, "-o", output, "--quiet")
    assert result.returncode == 1
    assert "fewer rows than their allocation" in result.stderr
    assert "'setosa': 20 asked, 5 available" in result.stderr
    assert not output.exists()


def test_condense_refuses_missing_values_and_keeps_a_good_output(iris_csv, run_skdc):
    path, frame = iris_csv
    output = path.with_name("small.csv")
    output.write_text("keep me\n")
    frame.iloc[3, 1] = np.nan
    frame.to_csv(path, index=False)
    result = run_skdc("condense", path, "--target", "species", "-o", output, "--quiet")
    assert result.returncode == 1
    assert "missing values in sepal width (cm); pass --impute" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert output.read_text() == "keep me\n"


def test_write_table_failure_leaves_nothing_and_keeps_the_old_file(tmp_path):
    from skdc._io import write_table

    output = tmp_path / "out.csv"
    output.write_text("old\n")

    class Broken(pd.DataFrame):
        def to_csv(self, *args, **kwargs):
            with open(args[0], "w") as handle:
                handle.write("half a ro")
            raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        write_table(Broken({"a": [1.0]}), output)
    assert output.read_text() == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]


# ------------------------------------------------------ condense: tables
def _mixed_table(n=120, seed=0):
    """Categories, booleans, integers and floats; a class-dependent mix."""
    rng = np.random.RandomState(seed)
    label = np.array(["low", "high"])[(rng.rand(n) < 0.4).astype(int)]
    high = label == "high"
    return pd.DataFrame(
        {
            "age": rng.randint(18, 70, n) + 10 * high,
            "city": np.where(high, rng.choice(["oslo", "rome"], n), "paris"),
            "member": rng.rand(n) < 0.2 + 0.6 * high,
            "spend": rng.gamma(2.0, 10.0, n) * (1 + high),
            "grade": pd.Categorical(rng.choice(["a", "b", "c"], n)),
            "income": label,
        }
    )


def _condense(tmp_path, frame, *args, suffix=".csv"):
    """Write ``frame``, run ``skdc condense`` in this process; returns
    (status, stderr, output path)."""
    data, output = tmp_path / f"data{suffix}", tmp_path / f"small{suffix}"
    if suffix == ".parquet":
        frame.to_parquet(data, index=False)
    else:
        frame.to_csv(data, index=False)
    argv = ["condense", str(data), "-o", str(output), "--quiet", *map(str, args)]
    return main(argv), output


def test_condense_mixed_csv_gives_valid_rows(tmp_path, capsys):
    frame = _mixed_table()
    status, output = _condense(
        tmp_path, frame, "--target", "income", "--size", 0.1, "--method", "mmd",
        "--param", "max_iter=30",
    )  # fmt: skip
    assert status == 0, capsys.readouterr().err
    small = pd.read_csv(output)
    assert list(small.columns) == list(frame.columns)
    assert len(small) == 12  # a tenth of 120 rows
    assert small["age"].dtype == np.int64 and small["member"].dtype == bool
    assert small["age"].between(frame["age"].min(), frame["age"].max()).all()
    assert set(small["city"]) <= set(frame["city"])
    assert set(small["grade"]) <= set(frame["grade"])
    assert set(small["income"]) == {"low", "high"}
    # Class-dependent levels survive: "paris" only among the "low" rows.
    assert (small.loc[small["city"] == "paris", "income"] == "low").all()


def test_condense_parquet_round_trip_keeps_dtypes(tmp_path, capsys):
    pytest.importorskip("pyarrow")
    frame = _mixed_table()
    status, output = _condense(
        tmp_path, frame, "--target", "income", "--size", 10, "--method", "kmeans",
        suffix=".parquet",
    )  # fmt: skip
    assert status == 0, capsys.readouterr().err
    small = pd.read_parquet(output)
    assert len(small) == 10
    expected = pd.read_parquet(tmp_path / "data.parquet").dtypes
    pd.testing.assert_series_equal(small.dtypes, expected)
    assert set(small["grade"].cat.categories) == {"a", "b", "c"}


@pytest.mark.parametrize(
    "method", [["wasserstein", "--param", "max_iter=20"], ["auto"]]
)
def test_condense_impute_fills_missing_values(tmp_path, capsys, method):
    frame = _mixed_table()
    frame.loc[::7, "spend"] = np.nan
    frame.loc[::9, "city"] = None
    status, output = _condense(
        tmp_path, frame, "--target", "income", "--size", 10, "--impute",
        "--method", *method,
    )  # fmt: skip
    assert status == 0, capsys.readouterr().err
    small = pd.read_csv(output)
    assert not small.isna().any().any()
    assert len(small) == 10


def test_condense_reads_date_columns_as_dates(tmp_path, capsys):
    pytest.importorskip("pyarrow")
    frame = _mixed_table()
    start = pd.Timestamp("2024-01-01")
    days = np.random.RandomState(1).randint(0, 300, len(frame))
    frame["joined"] = (start + pd.to_timedelta(days, unit="D")).strftime("%Y-%m-%d")
    data, output = tmp_path / "data.csv", tmp_path / "small.parquet"
    frame.to_csv(data, index=False)
    status = main(
        ["condense", str(data), "-o", str(output), "--quiet", "--target", "income",
         "--size", "10", "--date", "joined", "--param", "max_iter=20"]
    )  # fmt: skip
    assert status == 0, capsys.readouterr().err
    joined = pd.read_parquet(output)["joined"]
    # Dates (text without --date), in the data's range, whole days.
    assert pd.api.types.is_datetime64_dtype(joined.dtype)
    assert joined.between(start, start + pd.Timedelta(days=299)).all()
    assert (joined == joined.dt.normalize()).all()


@pytest.mark.parametrize(
    ("column", "message"),
    [
        ("city", "column 'city' does not read as dates"),
        ("age", "column 'age' holds numbers, not dates"),
        ("born", "no column 'born'"),
    ],
)
def test_date_columns_that_are_not_dates_are_one_line_errors(
    tmp_path, capsys, column, message
):
    frame = _mixed_table()
    status, output = _condense(
        tmp_path, frame, "--target", "income", "--size", 10, "--date", column
    )
    err = capsys.readouterr().err
    assert status == 1
    assert message in err
    assert len(err.strip().splitlines()) == 1
    assert not output.exists()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("holes", "missing values in city, spend; pass --impute"),
        ("target holes", "target column 'income' has missing values in 3 rows"),
        ("lonely class", "Class 'mid' has 1 row"),
    ],
)
def test_condense_table_errors_are_one_line(tmp_path, capsys, change, message):
    frame = _mixed_table()
    if change == "holes":
        frame.loc[[2, 5], "spend"] = np.nan
        frame.loc[4, "city"] = None
    elif change == "target holes":
        frame.loc[[1, 2, 3], "income"] = None
    else:
        frame.loc[0, "income"] = "mid"
    status, output = _condense(tmp_path, frame, "--target", "income", "--size", 10)
    err = capsys.readouterr().err
    assert status == 1
    assert message in err
    assert len(err.strip().splitlines()) == 1
    assert not output.exists()


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_condense_with_the_auto_method(tmp_path):
    X, y = load_iris(return_X_y=True, as_frame=True)
    data, out = tmp_path / "iris.csv", tmp_path / "small.csv"
    X.assign(species=y).to_csv(data, index=False)
    code = main(
        ["condense", str(data), "--target", "species", "--method", "auto",
         "--size", "12", "--param", "cv=2", "--quiet", "-o", str(out)]
    )  # fmt: skip
    assert code == 0
    small = pd.read_csv(out)
    assert list(small.columns) == list(X.columns) + ["species"]
    assert len(small) == 12
