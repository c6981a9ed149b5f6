"""The ``skdc`` command.

Each subcommand is one entry of ``_COMMANDS``: a function that adds its
arguments to a subparser and a function that runs it and returns the exit
status.  Adding ``condense`` or ``evaluate`` means adding two functions and a
line there.  Only this module prints; the library never does.
"""

import argparse
import sys
import warnings


class _Parser(argparse.ArgumentParser):
    """argparse with a one-line error instead of usage + error."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def _positive_int(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected an integer >= 1, got {value}")
    return value


# ------------------------------------------------------------------ demo
def _demo_arguments(parser):
    parser.add_argument(
        "--per-class",
        type=_positive_int,
        default=10,
        metavar="N",
        help="synthetic rows per class (default: %(default)s)",
    )
    parser.add_argument(
        "--random-state",
        type=int,
        default=0,
        metavar="SEED",
        help="seed of the condensers and baselines; the train/test split is "
        "fixed (default: %(default)s)",
    )
    parser.add_argument(
        "--max-iter",
        type=_positive_int,
        default=None,
        metavar="N",
        help="iterations of the condensers (default: their own default)",
    )
    parser.add_argument(
        "--device",
        choices=("auto", "cpu", "cuda"),
        default="auto",
        help="where the condensers run (default: %(default)s)",
    )
    parser.add_argument(
        "--threads",
        type=_positive_int,
        default=None,
        metavar="N",
        help="PyTorch CPU threads (default: skdc's choice, one thread for "
        "small per-class problems)",
    )


def _run_demo(args):
    from sklearn.exceptions import ConvergenceWarning

    from . import MMDCondenser, WassersteinCondenser
    from ._backend import torch_threads
    from ._evaluation import (
        condense_all,
        default_models,
        digits_split,
        format_table,
        score_sets,
        summarise_warnings,
    )
    from .selection import KMeansCentroids, RandomSubset

    split = digits_split(test_size=0.3, random_state=0)
    n_classes = len(set(split.y_train.tolist()))
    common = {
        "size": args.per_class * n_classes,
        "allocation": "balanced",
        "random_state": args.random_state,
    }
    tuning = {"device": args.device}
    if args.max_iter is not None:
        tuning["max_iter"] = args.max_iter
    reducers = {
        "RandomSubset": RandomSubset(**common),
        "KMeansCentroids": KMeansCentroids(**common),
        "MMDCondenser": MMDCondenser(**common, **tuning),
        "WassersteinCondenser": WassersteinCondenser(**common, **tuning),
    }
    models = default_models(random_state=0)

    with torch_threads(args.threads):
        sets, caught = condense_all(reducers, split.X_train, split.y_train)
    sets = {"full training data": (split.X_train, split.y_train, None), **sets}
    with warnings.catch_warnings(record=True) as records:
        warnings.simplefilter("always", UserWarning)
        rows = score_sets(sets, split.X_test, split.y_test, models)
    caught.extend(("model training", record) for record in records)

    print(
        f"digits: {len(split.X_train)} training rows condensed to "
        f"{common['size']} ({args.per_class} per class); test accuracy on "
        f"{len(split.X_test)} held-out rows"
    )
    columns = {"method": "method", "rows": "rows", "fit_s": "fit s"}
    columns.update({name: name for name in models})
    columns["mean"] = "mean"
    print(format_table(rows, columns, formats={"fit_s": ".2f"}))
    note = summarise_warnings(caught)
    if note is not None:
        if any(issubclass(r.category, ConvergenceWarning) for _, r in caught):
            note += " (a larger --max-iter lets the loss settle)"
        print(f"{args.prog}: note: {note}", file=sys.stderr)
    return 0


# -------------------------------------------------------------- condense
def _size(text):
    """``--size``: an integer count or a fraction in (0, 1)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if value.is_integer() and value >= 1:
        return int(value)
    if 0 < value < 1:
        return value
    raise argparse.ArgumentTypeError(
        f"expected an integer >= 1 or a fraction in (0, 1), got {text}"
    )


def _param(text):
    """``--param key=value``: value parsed as a Python literal when it is one."""
    import ast

    key, sep, value = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"expected key=value, got {text!r}")
    try:
        return key, ast.literal_eval(value)
    except (ValueError, SyntaxError):
        return key, value


# ``--method`` name -> (module, class).  Imported when a command runs, not
# when the arguments are parsed: ``--help`` and bad arguments need neither
# PyTorch nor scikit-learn, which take seconds to import.
_METHODS = {
    "wasserstein": ("skdc.condensers", "WassersteinCondenser"),
    "mmd": ("skdc.condensers", "MMDCondenser"),
    "kip": ("skdc.condensers", "KIPCondenser"),
    "dm": ("skdc.condensers", "DistributionMatchingCondenser"),
    "gradient": ("skdc.condensers", "GradientMatchingCondenser"),
    "herding": ("skdc.selection", "KernelHerding"),
    "kmeans": ("skdc.selection", "KMeansCentroids"),
    "random": ("skdc.selection", "RandomSubset"),
    "auto": ("skdc.auto", "AutoCondenser"),
}


def _method_class(name):
    """The reducer class of ``--method name``."""
    import importlib

    module, cls = _METHODS[name]
    return getattr(importlib.import_module(module), cls)


# The recommended default: level with k-means across the quality suite.
_DEFAULT_METHOD = "wasserstein"


def _read_xy(args):
    """``args.data`` as (frame, X, y), y None without ``--target``; one-line
    errors for an unknown target, missing targets, and missing features
    without ``--impute``."""
    from ._io import read_table

    frame = read_table(args.data)
    for column in [args.target, *args.date]:
        if column is not None and column not in frame.columns:
            raise ValueError(
                f"{args.data}: no column {column!r}; columns are "
                f"{', '.join(map(str, frame.columns))}."
            )
    frame = _parse_dates(frame, args.date, args.data)
    X = frame.drop(columns=[args.target]) if args.target else frame
    y = frame[args.target] if args.target else None
    if y is not None and y.isna().any():
        raise ValueError(
            f"{args.data}: the target column {args.target!r} has missing values "
            f"in {int(y.isna().sum())} rows; drop those rows first."
        )
    missing = [str(c) for c in X.columns if X[c].isna().any()]
    if missing and not args.impute:
        raise ValueError(
            f"{args.data}: missing values in {', '.join(missing)}; pass --impute "
            "to fill them (median / most frequent value), or impute or drop "
            "them first."
        )
    return frame, X, y


def _parse_dates(frame, columns, path):
    """``frame`` with ``columns`` read as dates (text in a CSV file would be
    levels); a column pandas cannot read as dates is a one-line error."""
    import pandas as pd

    frame = frame.copy() if columns else frame
    for column in columns:
        if pd.api.types.is_numeric_dtype(frame[column]):
            # pandas would read numbers as nanoseconds since 1970.
            raise ValueError(
                f"{path}: column {column!r} holds numbers, not dates; convert "
                "it yourself if they count time."
            )
        try:
            frame[column] = pd.to_datetime(frame[column], format="mixed")
        except (ValueError, TypeError, OverflowError) as exc:
            raise ValueError(
                f"{path}: column {column!r} does not read as dates ({exc})."
            ) from None
    return frame


def _condenser(args):
    """The condenser that ``--method``, ``--size``, ``--allocation``,
    ``--random-state``, ``--device``, ``--impute``, ``--quiet`` and
    ``--param`` describe; an unknown parameter is a one-line error."""
    cls = _method_class(args.method)
    params = {
        "size": args.size,
        "allocation": args.allocation,
        "random_state": args.random_state,
        **dict(args.param),
    }
    accepted = cls().get_params()
    if "verbose" in accepted and not args.quiet:
        params.setdefault("verbose", 1)
    if args.device is not None:
        params["device"] = args.device
    if args.impute:
        params["missing"] = "impute"
    unknown = sorted(set(params) - set(accepted))
    if unknown:
        raise ValueError(
            f"{cls.__name__} has no parameter {', '.join(unknown)}; it takes "
            f"{', '.join(sorted(accepted))}."
        )
    return cls(**params)


_IMPUTE_HELP = (
    "fill missing values (median for numbers, most frequent value for "
    "categories) instead of refusing them"
)


def _condenser_arguments(parser, size_help):
    """The options that describe a condenser (see ``_condenser``), shared by
    ``condense`` and ``evaluate``."""
    parser.add_argument(
        "--method",
        default=_DEFAULT_METHOD,
        choices=sorted(_METHODS),
        help="condenser (default: %(default)s)",
    )
    parser.add_argument(
        "--size", type=_size, default=100, help=f"{size_help} (default: %(default)s)"
    )
    parser.add_argument(
        "--allocation",
        choices=("proportional", "balanced"),
        default="proportional",
        help="rows per class (default: %(default)s)",
    )
    parser.add_argument("--impute", action="store_true", help=_IMPUTE_HELP)
    parser.add_argument(
        "--date",
        action="append",
        default=[],
        metavar="COLUMN",
        help="read this column as dates (repeat for more): condensed as "
        "times, not as levels of text",
    )
    parser.add_argument("--random-state", type=int, default=0, metavar="SEED")
    parser.add_argument("--device", choices=("auto", "cpu", "cuda"), default=None)
    parser.add_argument(
        "--param",
        type=_param,
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="another parameter of the condenser, e.g. --param max_iter=200",
    )
    parser.add_argument(
        "--quiet", action="store_true", help="no progress bar on stderr"
    )


def _condense_arguments(parser):
    parser.add_argument("data", help="input table: .csv, .tsv or .parquet (.gz ok)")
    parser.add_argument(
        "--output", "-o", required=True, help="output table (same formats)"
    )
    parser.add_argument(
        "--target", help="column of y (class labels or continuous); omit for none"
    )
    _condenser_arguments(parser, "synthetic rows, or a fraction of the rows")


def _run_condense(args):
    from ._io import table_format, write_table

    table_format(args.output)  # fail before the work, not after it
    frame, X, y = _read_xy(args)
    condenser = _condenser(args)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        X_s, y_s = condenser.fit_resample(X, y)
    out = X_s.copy()
    if y_s is not None:
        out[args.target] = y_s.to_numpy()
        out = out[list(frame.columns)]
    write_table(out, args.output)
    if not args.quiet:
        print(
            f"{args.prog}: wrote {len(out)} rows ({type(condenser).__name__}) to "
            f"{args.output}",
            file=sys.stderr,
        )
    return 0


# -------------------------------------------------------------- evaluate
# Row labels of the baselines in the printed table.
_BASELINE_LABELS = {"full": "full data", "random": "random subset", "kmeans": "k-means"}


def _evaluate_arguments(parser):
    parser.add_argument("data", help="input table: .csv, .tsv or .parquet (.gz ok)")
    parser.add_argument(
        "--target", required=True, help="column of y (class labels or continuous)"
    )
    _condenser_arguments(
        parser, "synthetic rows, or a fraction of the training rows of a fold"
    )
    parser.add_argument(
        "--cv",
        type=_positive_int,
        default=5,
        help="folds of the shuffled rows (stratified for classes), drawn with "
        "--random-state, so a file sorted by date or target still gives each "
        "fold a sample (default: %(default)s)",
    )
    parser.add_argument(
        "--scoring",
        default=None,
        metavar="NAME",
        help="a scikit-learn scorer, e.g. balanced_accuracy (default: each "
        "model's own score: accuracy, or R^2 for continuous targets)",
    )
    parser.add_argument(
        "--json", action="store_true", help="print JSON (summary and folds) instead"
    )


def _run_evaluate(args):
    import json

    from ._evaluation import format_table, summarise_warnings
    from .model_selection import (
        _default_models,
        _shuffled_folds,
        _target_type,
        evaluate,
    )

    frame, X, y = _read_xy(args)
    condenser = _condenser(args)
    name = type(condenser).__name__
    task = _target_type(y)
    models = _default_models(task, X)
    cv = _shuffled_folds(args.cv, task, args.random_state)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", UserWarning)
        table = evaluate(
            {name: condenser},
            X,
            y,
            estimators=models,
            cv=cv,
            scoring=args.scoring,
        )

    summary = _evaluation_summary(table, list(models))
    if args.json:
        result = {
            "data": args.data,
            "target": args.target,
            "method": name,
            "cv": args.cv,
            "scoring": args.scoring,
            "summary": summary,
            "folds": table.to_dict(orient="records"),
        }
        print(json.dumps(_json_safe(result), indent=2))
    else:
        score = args.scoring or "each model's default score"
        print(
            f"{args.data}: {len(frame)} rows, target {args.target!r}; "
            f"{args.cv}-fold cross-validation (shuffled rows, seed "
            f"{args.random_state}), models trained on each set and "
            f"scored on the held-out rows ({score}, mean over folds)"
        )
        columns = {"method": "method", "rows": "rows", "fit_s": "fit s"}
        columns.update({name: name for name in models})
        columns.update({"mean": "mean", "discrepancy": "MMD^2 to held-out"})
        formats = {"fit_s": ".2f", "discrepancy": ".4f", "rows": ".0f"}
        print(format_table(summary, columns, formats=formats))
    note = summarise_warnings([("evaluate", record) for record in caught])
    if note is not None and not args.quiet:
        print(f"{args.prog}: note: {note}", file=sys.stderr)
    return 0


def _evaluation_summary(table, model_names):
    """evaluate's tidy table -> one dict per set: means over the folds."""
    import numpy as np

    rows = []
    for name, group in table.groupby("condenser", sort=False):
        scores = group.groupby("estimator", sort=False)["score"].mean()
        seconds = group["fit_seconds"].mean()
        row = {
            "method": _BASELINE_LABELS.get(name, name),
            "rows": float(group["size"].mean()),
            "fit_s": None if np.isnan(seconds) else float(seconds),
        }
        row.update({model: float(scores[model]) for model in model_names})
        row["mean"] = float(scores.mean())
        discrepancy = group["discrepancy"].mean()
        row["discrepancy"] = None if np.isnan(discrepancy) else float(discrepancy)
        rows.append(row)
    # The baselines first, as in ``skdc demo``.
    return rows[1:] + rows[:1]


def _json_safe(value):
    """NaN -> None and NumPy scalars -> Python ones, for strict JSON."""
    import math

    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_safe(v) for v in value]
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


# ------------------------------------------------------------- dispatch
# name -> (one-line help, add arguments, run)
_COMMANDS = {
    "demo": (
        "condense scikit-learn's digits with every method and compare models "
        "trained on the results",
        _demo_arguments,
        _run_demo,
    ),
    "condense": (
        "condense a table on disk into a small synthetic table",
        _condense_arguments,
        _run_condense,
    ),
    "evaluate": (
        "cross-validate models trained on a condensed table against the full "
        "data, a random subset and k-means",
        _evaluate_arguments,
        _run_evaluate,
    ),
}

# Errors that bad input or options can cause: reported in one line.  Anything
# else is a bug and keeps its traceback.
_USER_ERRORS = (ValueError, TypeError, FloatingPointError, RuntimeError, OSError)


def _build_parser():
    parser = _Parser(
        prog="skdc",
        description="Condense a training set into a small synthetic set.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, (help_text, add_arguments, run) in _COMMANDS.items():
        command = sub.add_parser(name, help=help_text, description=help_text)
        add_arguments(command)
        command.set_defaults(run=run, prog=command.prog)
    return parser


def main(argv=None):
    """Run the ``skdc`` command; returns the exit status."""
    args = _build_parser().parse_args(argv)
    try:
        return args.run(args)
    except _USER_ERRORS as exc:
        message = " ".join(str(exc).split()) or type(exc).__name__
        print(f"{args.prog}: error: {message}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"{args.prog}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
