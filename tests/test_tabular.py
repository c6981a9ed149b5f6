"""Mixed-type tables, missing values and regression on tables."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linear_sum_assignment
from sklearn.base import clone
from sklearn.compose import make_column_transformer
from sklearn.datasets import load_diabetes
from sklearn.ensemble import RandomForestRegressor
from sklearn.linear_model import LinearRegression
from sklearn.metrics import r2_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder

from skdc import (
    CondensedEstimator,
    KIPCondenser,
    MMDCondenser,
    WassersteinCondenser,
)
from skdc._tabular import MAX_LEVELS, TableEncoder, decode_categories
from skdc.selection import KernelHerding, KMeansCentroids, RandomSubset

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

FAST = {"max_iter": 10, "random_state": 0, "device": "cpu"}


def _table(n=60, seed=0):
    """Every kind of column, with levels whose frequencies depend on y."""
    rng = np.random.RandomState(seed)
    y = np.array(["no", "yes"])[(np.arange(n) % 3 == 0).astype(int)]
    yes = y == "yes"
    frame = pd.DataFrame(
        {
            "income": rng.lognormal(3, 1, n) + 10 * yes,
            "children": rng.poisson(1 + 2 * yes),
            "city": np.where(
                yes, rng.choice(["paris", "rome"], n), rng.choice(["oslo", "rome"], n)
            ),
            "owner": rng.rand(n) < 0.3 + 0.4 * yes,
            "grade": pd.Categorical(
                rng.choice(["a", "b"], n), categories=["a", "b", "c"]
            ),
            "rooms": pd.array(rng.randint(1, 6, n), dtype="Int64"),
            "ratio": rng.rand(n).astype(np.float32),
            "constant": np.full(n, 7),
        }
    )
    return frame, pd.Series(y, name="bought")


def _check_valid_rows(out, frame):
    """Same columns and dtypes, valid levels, whole integers in range."""
    assert list(out.columns) == list(frame.columns)
    assert out.dtypes.equals(frame.dtypes)
    assert not out.isna().any().any()
    for column in frame.columns:
        kind = frame[column].dtype
        if pd.api.types.is_numeric_dtype(kind) and not pd.api.types.is_bool_dtype(kind):
            values = out[column].to_numpy(dtype=np.float64)
            assert values.min() >= frame[column].min()
            assert values.max() <= frame[column].max()
            if pd.api.types.is_integer_dtype(kind):
                np.testing.assert_array_equal(values, np.rint(values))
        else:
            assert set(out[column].dropna()) <= set(frame[column].dropna())


# ------------------------------------------------------------ round trips


@pytest.mark.parametrize(
    "reducer",
    [
        MMDCondenser(size=12, **FAST),
        WassersteinCondenser(size=12, **FAST),
        KIPCondenser(size=12, **FAST),
        KMeansCentroids(size=12, random_state=0),
        RandomSubset(size=12, random_state=0),
    ],
    ids=lambda r: type(r).__name__,
)
def test_mixed_table_gives_valid_rows(reducer):
    frame, y = _table()
    X_s, y_s = reducer.fit_resample(frame, y)
    _check_valid_rows(X_s, frame)
    assert (X_s["constant"] == 7).all()
    assert y_s.name == "bought" and len(y_s) == len(X_s) == 12
    # X_ is the decoded table fit_resample returned (a copy of it).
    pd.testing.assert_frame_equal(reducer.X_, X_s)
    assert reducer.n_features_in_ == 8
    np.testing.assert_array_equal(reducer.feature_names_in_, frame.columns)


def test_score_encodes_with_the_fitted_encoder():
    frame, y = _table()
    condenser = MMDCondenser(size=12, **FAST).fit(frame, y)
    assert isinstance(condenser.preprocessor_, TableEncoder)
    # The decoded rows are what fit measured, so score(train) is discrepancy_.
    np.testing.assert_allclose(
        -condenser.score(frame, y), condenser.discrepancy_, rtol=1e-4
    )
    test, y_test = _table(seed=1)
    assert np.isfinite(condenser.score(test, y_test))
    assert condenser.score(test, y_test) <= 0


def test_numeric_frame_keeps_the_numeric_path():
    # Numbers only: no encoder, the same rows as from the NumPy array.
    frame, y = _table()
    numeric = frame[["income", "ratio"]].astype(np.float64)
    condenser = MMDCondenser(size=6, **FAST)
    X_s, _ = condenser.fit_resample(numeric, y)
    assert condenser.preprocessor_ is None
    X_np, _ = clone(condenser).fit_resample(numeric.to_numpy(), y.to_numpy())
    np.testing.assert_allclose(X_s.to_numpy(), X_np, rtol=1e-6)


def test_preprocessor_none_refuses_text_columns():
    frame, y = _table()
    with pytest.raises(ValueError, match="non-numeric columns 'city', 'grade'"):
        MMDCondenser(preprocessor=None, **FAST).fit(frame, y)


# ------------------------------------------------------------ dates

TIMES = ["signed", "seen", "logged", "waited"]


def _dated(frame, seed=0):
    """``frame`` with dates (whole days), zoned times (whole seconds),
    nanosecond timestamps and durations (whole seconds)."""
    rng = np.random.RandomState(seed)
    n, start = len(frame), pd.Timestamp("2024-01-01")
    seconds = pd.to_timedelta(rng.randint(0, 10**7, n), unit="s")
    nanoseconds = pd.to_timedelta(rng.randint(0, 10**15, n), unit="ns")
    return frame.assign(
        signed=start + pd.to_timedelta(rng.randint(0, 400, n), unit="D"),
        seen=(start + seconds).tz_localize("UTC").tz_convert("Europe/Paris"),
        logged=(start + nanoseconds).astype("datetime64[ns]"),
        waited=pd.to_timedelta(rng.exponential(100, n), unit="min").round("s"),
    )


@pytest.mark.parametrize("numbers", ["standard", "auto"])
def test_dates_and_durations_round_trip_exactly(numbers):
    frame = _dated(_table()[0])
    encoder = TableEncoder(numbers).fit(frame)
    Z = encoder.transform(frame)
    assert Z.dtype == np.float64 and np.isfinite(Z).all()
    decoded = encoder.inverse_transform(Z)
    # To the nanosecond, zone and unit included.
    pd.testing.assert_frame_equal(decoded[TIMES], frame[TIMES], check_exact=True)


def test_zoned_dates_keep_local_midnights_across_daylight_saving():
    days = np.sort(np.random.RandomState(2).randint(0, 365, 80))
    local = pd.Timestamp("2024-01-01") + pd.to_timedelta(days, unit="D")
    frame = pd.DataFrame({"booked": local.tz_localize("Europe/Paris")})
    encoder = TableEncoder().fit(frame)
    Z = encoder.transform(frame)
    # Rows between the data's, as a condenser makes them: in UTC the
    # column's steps are 23, 24 or 25 hours, yet each row is a local date.
    between = encoder.inverse_transform((Z[:-1] + Z[1:]) / 2)["booked"]
    assert between.dtype == frame["booked"].dtype
    assert (between == between.dt.normalize()).all()
    assert between.nunique() > 40


def test_zoned_times_in_the_repeated_hour_round_trip_exactly():
    # 02:30 twice on 2024-10-27 in Paris (summer, then standard time), and
    # times an hour apart around it.
    utc = pd.to_datetime(["2024-10-26 23:30", "2024-10-27 00:30", "2024-10-27 01:30"])
    seen = utc.tz_localize("UTC").tz_convert("Europe/Paris")
    frame = pd.DataFrame({"seen": seen.append(seen + pd.Timedelta(hours=5))})
    encoder = TableEncoder().fit(frame)
    decoded = encoder.inverse_transform(encoder.transform(frame))
    pd.testing.assert_frame_equal(decoded, frame, check_exact=True)


@pytest.mark.parametrize(
    "reducer",
    [
        WassersteinCondenser(size=12, **FAST),
        MMDCondenser(size=12, **FAST),
        KMeansCentroids(size=12, random_state=0),
    ],
    ids=lambda r: type(r).__name__,
)
def test_condensed_dates_keep_their_dtype_range_and_resolution(reducer):
    frame, y = _table()
    frame = _dated(frame)
    X_s, _ = reducer.fit_resample(frame, y)
    _check_valid_rows(X_s.drop(columns=TIMES), frame.drop(columns=TIMES))
    assert X_s[TIMES].dtypes.equals(frame[TIMES].dtypes)
    for column in TIMES:
        assert frame[column].min() <= X_s[column].min()
        assert X_s[column].max() <= frame[column].max()
    # Synthetic, yet on the data's grid: days stay days, seconds seconds.
    assert (X_s["signed"] == X_s["signed"].dt.normalize()).all()
    assert (X_s["seen"] == X_s["seen"].dt.floor("s")).all()
    assert (X_s["waited"] == X_s["waited"].dt.floor("s")).all()
    assert X_s["signed"].nunique() > 1


@pytest.mark.parametrize("selection", [RandomSubset, KernelHerding])
def test_selected_rows_keep_their_times_exactly(selection):
    frame, y = _table()
    frame = _dated(frame)
    subset = selection(size=12, random_state=0).fit(frame, y)
    real = frame.iloc[subset.sample_indices_].reset_index(drop=True)
    pd.testing.assert_frame_equal(
        subset.X_[TIMES].reset_index(drop=True), real[TIMES], check_exact=True
    )


def test_missing_times_are_refused_by_name_or_imputed():
    frame, y = _table()
    frame = _dated(frame)
    frame.loc[3, "signed"] = pd.NaT
    frame.loc[5, "waited"] = pd.NaT
    with pytest.raises(ValueError, match="column.*'signed', 'waited'"):
        WassersteinCondenser(size=12, **FAST).fit(frame, y)
    X_s, _ = WassersteinCondenser(size=12, missing="impute", **FAST).fit_resample(
        frame, y
    )
    assert not X_s[TIMES].isna().any().any()
    assert X_s[TIMES].dtypes.equals(frame[TIMES].dtypes)


def test_preprocessor_none_refuses_date_columns():
    frame = _dated(_table()[0])[["income", "signed"]]
    with pytest.raises(ValueError, match="non-numeric columns 'signed'"):
        MMDCondenser(preprocessor=None, **FAST).fit(frame, _table()[1])


def test_default_models_read_dates_and_durations():
    from sklearn.linear_model import LogisticRegression

    from skdc._evaluation import model_for

    frame, y = _table()
    frame = _dated(frame)[["income", *TIMES]]
    frame["signed"] += pd.to_timedelta(np.where(y == "yes", 1000, 0), unit="D")
    model = model_for(LogisticRegression(), frame).fit(frame, y)
    # The dates alone separate the classes.
    assert model.score(frame, y) == 1.0


def test_a_column_of_text_and_numbers_is_refused_by_name_with_the_fix():
    frame, y = _table()
    frame["code"] = pd.Series([1, "x", 2.5] * 20, dtype=object)
    with pytest.raises(TypeError, match=r"Column 'code' mixes text and numbers"):
        WassersteinCondenser(size=4, **FAST).fit(frame, y)
    holed = frame.copy()
    holed.loc[3, "code"] = None  # a missing value is no third kind
    with pytest.raises(TypeError, match=r"\(float, int, str values\)"):
        WassersteinCondenser(size=4, missing="impute", **FAST).fit(holed, y)
    # The fix the message names makes a table that condenses.
    frame["code"] = frame["code"].astype(str)
    out, _ = WassersteinCondenser(size=4, **FAST).fit_resample(frame, y)
    assert set(out["code"]) <= {"1", "x", "2.5"}
    # Numbers of several types, or numbers and booleans, sort: accepted.
    frame["code"] = pd.Series([1, 2.5, False] * 20, dtype=object)
    out, _ = WassersteinCondenser(size=4, **FAST).fit_resample(frame, y)
    assert set(out["code"]) <= {1, 2.5, False}


_LEVELS = st.lists(st.sampled_from(["a", "b", "c", "d"]), min_size=1, max_size=3)


@st.composite
def mixed_frames(draw):
    n = draw(st.integers(6, 25))
    rng = np.random.RandomState(draw(st.integers(0, 2**16)))
    columns = {}
    for j in range(draw(st.integers(1, 5))):
        kind = draw(st.sampled_from(["float", "int", "bool", "str", "category"]))
        if kind == "float":
            scale = draw(st.sampled_from([1e-3, 1.0, 1e4]))
            values = rng.randn(n) * scale
        elif kind == "int":
            values = rng.randint(-3, draw(st.integers(-2, 50)), n)
        elif kind == "bool":
            values = rng.rand(n) < 0.3
        else:
            levels = draw(_LEVELS)
            values = rng.choice(levels, n).astype(object)
            if kind == "category":
                values = pd.Categorical(values, categories=sorted(set(levels) | {"z"}))
        columns[f"{kind}{j}"] = values
    columns["level"] = rng.choice(["p", "q", "r"], n).astype(object)  # mixed
    frame = pd.DataFrame(columns)
    if draw(st.booleans()):  # holes, to impute
        ints = [c for c in frame.columns if c.startswith("int")]
        frame[ints] = frame[ints].astype("Int64")  # integers with holes
        holes = rng.rand(*frame.shape) < 0.15
        holes[0] = False  # every column keeps a value to impute from
        frame = frame.mask(holes)
    return frame


@settings(max_examples=15, deadline=None, database=None)
@given(frame=mixed_frames(), method=st.sampled_from(["mmd", "kmeans", "w2"]))
def test_random_mixed_frames_round_trip(frame, method):
    reducer = {
        "mmd": MMDCondenser(size=5, missing="impute", **FAST),
        "kmeans": KMeansCentroids(size=5, missing="impute", random_state=0),
        "w2": WassersteinCondenser(size=5, missing="impute", **FAST),
    }[method]
    X_s, y_s = reducer.fit_resample(frame)
    assert y_s is None and len(X_s) == 5
    _check_valid_rows(X_s, frame)


# ------------------------------------------------------- category decoding


@settings(max_examples=25, deadline=None, database=None)
@given(
    m=st.integers(1, 12),
    levels=st.integers(1, 5),
    seed=st.integers(0, 2**16),
)
def test_decoding_keeps_rounded_counts_and_maximises_membership(m, levels, seed):
    rng = np.random.RandomState(seed)
    P = rng.dirichlet(np.ones(levels), size=m)  # (m, L), rows sum to one
    codes = decode_categories(P)
    counts = np.bincount(codes, minlength=levels)
    # Largest remainders: each count is its expected count rounded down or up.
    expected = P.sum(0)
    assert counts.sum() == m
    assert (counts >= np.floor(expected) - 1e-9).all()
    assert (counts <= np.ceil(expected) + 1e-9).all()
    # Optimal: as good as the best assignment of rows to copies of levels.
    slots = np.repeat(np.arange(levels), counts)
    rows, cols = linear_sum_assignment(-P[:, slots])
    best = P[rows, slots[cols]].sum()
    np.testing.assert_allclose(P[np.arange(m), codes].sum(), best, rtol=1e-9)


def test_decoding_keeps_proportions_where_argmax_collapses():
    # Ten rows near a class mean of 70% "a", 30% "b": argmax makes all ten
    # "a"; counts keep three "b", given to the rows that lean most to "b".
    share_b = np.array([0.20, 0.25, 0.28, 0.3, 0.3, 0.3, 0.32, 0.34, 0.35, 0.36])
    P = np.column_stack([1 - share_b, share_b])
    assert (decode_categories(P, "argmax") == 0).all()
    np.testing.assert_array_equal(decode_categories(P), [0, 0, 0, 0, 0, 0, 0, 1, 1, 1])


def test_exact_one_hot_rows_decode_to_themselves():
    P = np.eye(3)[[2, 0, 1, 1, 2]]
    np.testing.assert_array_equal(decode_categories(P), [2, 0, 1, 1, 2])


def test_condensed_classes_keep_their_level_proportions():
    # At the W2 optimum every synthetic row is the mean of an equal share of
    # its class, so the one-hot blocks sum to the class's level counts; the
    # decoding keeps them to within one row (per-row argmax loses up to 3
    # of these 10 rows to the common levels).
    frame, y = _table(n=600)
    condenser = WassersteinCondenser(
        size=20, allocation="balanced", max_iter=50, random_state=0
    ).fit(frame, y)
    for label in ("no", "yes"):
        for column in ("city", "owner"):
            real = frame.loc[y.to_numpy() == label, column]
            syn = condenser.X_.loc[condenser.y_ == label, column]
            real, syn = real.value_counts(normalize=True).align(
                syn.value_counts(normalize=True), fill_value=0.0
            )
            assert np.abs(real - syn).max() * 10 < 1, (label, column)


def test_rare_levels_share_one_column_and_decode_to_real_levels():
    # A 300-level column: the MAX_LEVELS - 1 most frequent levels keep a
    # column each, the rest share one; decoding gives the shared column's
    # rows real rare levels in proportion to their frequencies.
    rng = np.random.RandomState(0)
    levels = np.array([f"z{i}" for i in range(300)], dtype=object)
    weights = np.arange(300, 0, -1.0)
    frame = pd.DataFrame(
        {
            "zip": rng.choice(levels, 5000, p=weights / weights.sum()),
            "x": rng.randn(5000),
        }
    )
    encoder = TableEncoder().fit(frame)
    Z = encoder.transform(frame)
    assert Z.shape == (5000, 1 + MAX_LEVELS)
    decoded = encoder.inverse_transform(Z)["zip"]
    rare = encoder.transformer_.named_transformers_["category"][-1]
    rare = rare.infrequent_categories_[0]
    assert len(rare) == frame["zip"].nunique() - (MAX_LEVELS - 1)
    common = ~frame["zip"].isin(rare).to_numpy()
    np.testing.assert_array_equal(decoded[common], frame["zip"][common])
    assert decoded[~common].isin(rare).all()
    # Largest remainders over the rare levels' frequencies: each count is
    # its expected count rounded down or up.
    got = decoded[~common].value_counts().reindex(rare, fill_value=0)
    expected = frame["zip"][~common].value_counts().reindex(rare, fill_value=0)
    assert (np.abs(got - expected) <= 1).all()
    # Condensed rows are valid rows of the table; selected rows are the
    # real ones, rare levels included.
    X_s, _ = KMeansCentroids(size=20, random_state=0).fit_resample(frame)
    assert X_s["zip"].isin(levels).all()
    subset = RandomSubset(size=200, random_state=0).fit(frame)
    picked = frame.iloc[subset.sample_indices_].reset_index(drop=True)
    pd.testing.assert_series_equal(subset.X_["zip"], picked["zip"])
    assert picked["zip"].isin(rare).any()


# ---------------------------------------------------------- missing values


def test_nan_error_names_the_columns():
    frame, y = _table()
    frame.loc[3, "income"] = np.nan
    frame.loc[5, "city"] = None
    with pytest.raises(ValueError, match="column\\(s\\) 'income', 'city'") as info:
        MMDCondenser(**FAST).fit(frame, y)
    assert "missing='impute'" in str(info.value)
    assert "SimpleImputer" in str(info.value)


def test_nan_error_names_column_indices_of_arrays():
    X = np.arange(24.0).reshape(8, 3)
    X[2, 1] = X[4, 2] = np.nan
    with pytest.raises(ValueError, match="Input X contains NaN.*column\\(s\\) 1, 2"):
        RandomSubset(size=3).fit(X)


def test_impute_fills_holes_and_never_emits_nan():
    frame, y = _table()
    holes = frame.copy()
    holes.loc[::4, "income"] = np.nan
    holes.loc[1::5, "city"] = None
    holes["rooms"] = holes["rooms"].mask(holes.index % 3 == 0)
    condenser = WassersteinCondenser(size=20, missing="impute", **FAST)
    X_s, _ = condenser.fit_resample(holes, y)
    _check_valid_rows(X_s, holes)
    # Imputation happens inside: score accepts held-out rows with holes too.
    assert np.isfinite(condenser.score(holes, y))
    # Holes become the column's median / most frequent level.
    encoder = condenser.preprocessor_
    filled = encoder.inverse_transform(encoder.transform(holes.iloc[[0, 1]]))
    assert filled.loc[0, "income"] == pytest.approx(holes["income"].median())
    assert filled.loc[1, "city"] == holes["city"].mode()[0]


def test_impute_on_numeric_arrays_uses_the_median():
    X = np.array([[0.0, 1.0], [np.nan, 2.0], [4.0, 3.0], [6.0, np.nan]])
    subset = RandomSubset(size=4, missing="impute", random_state=0).fit(X)
    np.testing.assert_allclose(
        subset.X_[np.argsort(subset.sample_indices_)],
        [[0.0, 1.0], [4.0, 2.0], [4.0, 3.0], [6.0, 2.0]],
    )
    assert subset.__sklearn_tags__().input_tags.allow_nan


def test_impute_refuses_a_column_without_values():
    frame, _ = _table()
    frame["income"] = np.nan
    with pytest.raises(ValueError, match="'income' hold only missing values"):
        RandomSubset(size=3, missing="impute").fit(frame)


# -------------------------------------------------------------- regression


def _diabetes_table():
    X, y = load_diabetes(return_X_y=True, as_frame=True, scaled=False)
    X["sex"] = X["sex"].map({1.0: "F", 2.0: "M"})
    X["age"] = X["age"].astype(int)
    return train_test_split(X, y, test_size=0.3, random_state=0)


def _regressors():
    onehot = make_column_transformer(
        (OneHotEncoder(handle_unknown="ignore"), ["sex"]), remainder="passthrough"
    )
    return {
        "linear": make_pipeline(onehot, LinearRegression()),
        "forest": make_pipeline(
            onehot, RandomForestRegressor(n_estimators=50, random_state=0)
        ),
    }


def test_condensed_diabetes_beats_a_random_subset():
    # Joint condensation of (X, y) on a table with a categorical column: both
    # models trained on 30 condensed rows score a higher R^2 on held-out rows
    # than trained on 30 random rows (mean over seeds).
    X_train, X_test, y_train, y_test = _diabetes_table()
    scores = {"condensed": [], "random": []}
    for seed in range(3):
        sets = {
            "condensed": MMDCondenser(size=30, max_iter=100, random_state=seed),
            "random": RandomSubset(size=30, random_state=seed),
        }
        for name, reducer in sets.items():
            X_s, y_s = reducer.fit_resample(X_train, y_train)
            assert reducer.target_type_ == "regression"
            assert X_s["sex"].isin(["F", "M"]).all()
            scores[name].append(
                [m.fit(X_s, y_s).score(X_test, y_test) for m in _regressors().values()]
            )
    condensed = np.mean(scores["condensed"], axis=0)
    random = np.mean(scores["random"], axis=0)
    assert (condensed > random).all(), (condensed, random)


def test_condensed_estimator_scores_r2_for_regressors():
    X_train, X_test, y_train, y_test = _diabetes_table()
    model = CondensedEstimator(
        MMDCondenser(size=30, max_iter=20, random_state=0), _regressors()["linear"]
    ).fit(X_train, y_train)
    expected = r2_score(y_test, model.predict(X_test))
    np.testing.assert_allclose(model.score(X_test, y_test), expected)
    assert model.condenser_.y_.dtype == np.float64


def test_encoder_of_numbers_only_round_trips():
    frame = pd.DataFrame({"a": [1.0, 2.0, 4.0], "n": [1, 2, 3]})
    encoder = TableEncoder().fit(frame)
    pd.testing.assert_frame_equal(
        encoder.inverse_transform(encoder.transform(frame)), frame
    )


def test_metrics_measure_a_table_in_an_encoding_fitted_on_x():
    from skdc.metrics import mmd, wasserstein

    frame, y = _table()
    S, _ = WassersteinCondenser(size=6, **FAST).fit_resample(frame, y)
    encoder = TableEncoder("standard").fit(frame)
    np.testing.assert_allclose(
        mmd(frame, S), mmd(encoder.transform(frame), encoder.transform(S)), rtol=1e-12
    )
    assert mmd(frame, frame) == pytest.approx(0.0, abs=1e-12)
    assert wasserstein(frame, S) > 0
    with pytest.raises(ValueError, match="Y must have X's columns"):
        mmd(frame, S[S.columns[::-1]])


def test_auto_condenser_without_y_condenses_a_table_with_text_columns():
    from skdc import AutoCondenser

    frame, _ = _table(n=90)
    auto = AutoCondenser(
        candidates={"kmeans": KMeansCentroids(), "random": RandomSubset()},
        size=6,
        cv=2,
        random_state=0,
    ).fit(frame)
    assert np.isfinite(auto.cv_results_["mean_test_score"]).all()
    _check_valid_rows(auto.X_, frame)


@pytest.mark.parametrize("numbers", ["standard", "auto", "quantile"])
def test_fit_transform_encodes_as_fit_then_transform(numbers):
    frame, _ = _table(n=80)
    frame = _dated(frame)
    frame.loc[::7, "income"] = np.nan
    frame.loc[::5, frame.columns[1]] = None
    for X in (frame, frame.select_dtypes("number").to_numpy()):
        once = TableEncoder(numbers).fit_transform(X)
        twice = TableEncoder(numbers).fit(X).transform(X)
        assert once.dtype == twice.dtype == np.float64
        np.testing.assert_array_equal(once, twice)


def test_median_imputer_fills_as_simple_imputer():
    from sklearn.impute import SimpleImputer

    from skdc._tabular import MedianImputer

    rng = np.random.RandomState(0)
    X = rng.lognormal(size=(41, 4))
    X[rng.rand(41, 4) < 0.3] = np.nan  # odd and even counts of values
    X[:, 3] = np.round(X[:, 3])  # ties
    imputer = MedianImputer().fit(X)
    expected = SimpleImputer(strategy="median").fit(X)
    np.testing.assert_array_equal(imputer.statistics_, expected.statistics_)
    other = rng.lognormal(size=(9, 4))
    other[::2, 1] = np.nan
    np.testing.assert_array_equal(imputer.transform(other), expected.transform(other))
    assert np.isnan(other[::2, 1]).all()  # the input is left as it was


@pytest.mark.parametrize("n_levels", [3, MAX_LEVELS - 1, MAX_LEVELS, 120])
def test_level_encoder_encodes_as_one_onehot_encoder(n_levels):
    from skdc._tabular import LevelEncoder

    rng = np.random.RandomState(n_levels)
    n = 3000
    X = np.empty((n, 4), dtype=object)
    # Skewed counts with ties, so which levels share a column matters.
    X[:, 0] = [f"id{k}" for k in rng.zipf(1.3, n) % n_levels]
    X[:, 1] = rng.choice(["b", "a", "c"], n)
    X[:, 2] = rng.rand(n) < 0.3  # booleans
    X[:, 3] = [int(k) for k in rng.randint(0, n_levels, n)]  # whole numbers
    reference = OneHotEncoder(
        sparse_output=False, handle_unknown="ignore", max_categories=MAX_LEVELS
    ).fit(X)
    encoder = LevelEncoder().fit(X)
    for ours, theirs in zip(encoder.categories_, reference.categories_):
        assert ours.dtype == object and list(ours) == list(theirs)
    for ours, theirs in zip(
        encoder.infrequent_categories_, reference.infrequent_categories_
    ):
        if theirs is None:
            assert ours is None
        else:
            assert list(ours) == list(theirs)
    new = X[:60].copy()
    new[:10, 0] = "unseen"  # unknown levels encode as no level
    new[10:20, 1] = 7
    new[20:30, 3] = -1
    np.testing.assert_array_equal(encoder.transform(new), reference.transform(new))
    np.testing.assert_array_equal(encoder.transform(X), reference.transform(X))
    if n_levels >= MAX_LEVELS:
        assert encoder.infrequent_categories_[0] is not None
