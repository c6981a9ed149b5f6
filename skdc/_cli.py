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


# ------------------------------------------------------------- dispatch
# name -> (one-line help, add arguments, run)
_COMMANDS = {
    "demo": (
        "condense scikit-learn's digits with every method and compare models "
        "trained on the results",
        _demo_arguments,
        _run_demo,
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
