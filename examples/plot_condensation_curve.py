"""
================================================
How many synthetic rows? The condensation curve
================================================

Train a logistic regression on condensed versions of scikit-learn's digits
of growing size, score it on real held-out rows by cross-validation, and
compare with the same model trained on a random subset and on k-means
centroids of the same size, and on all the training rows.
:func:`skdc.model_selection.condensation_curve` runs
:func:`skdc.model_selection.evaluate` at every size;
:class:`skdc.plotting.CondensationCurveDisplay` draws the result.
"""

# %%
import warnings

from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.preprocessing import StandardScaler

from skdc import MMDCondenser
from skdc.model_selection import condensation_curve
from skdc.plotting import CondensationCurveDisplay

X, y = load_digits(return_X_y=True)
# Standardised once for brevity; in real use put the scaler in a pipeline.
X = StandardScaler().fit_transform(X)
cv = StratifiedKFold(n_splits=3, shuffle=True, random_state=0)
# 100 steps instead of the default 500 keep the example short; the loss is
# nearly flat by then, and the notes that it has not settled are hidden.
condenser = MMDCondenser(allocation="balanced", max_iter=100, random_state=0)
warnings.filterwarnings("ignore", category=ConvergenceWarning)

results = condensation_curve(
    condenser,
    X,
    y,
    sizes=[10, 30, 100],
    estimator=LogisticRegression(max_iter=1000),
    cv=cv,
    discrepancy=True,
)

# %%
# The table: one row per set, size and fold
# -----------------------------------------
# A tidy table that pandas summarises.  Here: 30 synthetic rows (3 per
# class) against the baselines of the same size and all ~1200 training rows
# of a fold.  ``discrepancy`` is the Gaussian MMD^2 between each set and the
# held-out rows, the same measure for every set ("full" is its floor).
at_30 = results[(results["size"] == 30) | (results["condenser"] == "full")]
print(at_30.groupby("condenser", sort=False)[["size", "score", "discrepancy"]].mean())

# %%
# Score against size
# ------------------
# Every point is the mean over the three folds, the band one standard
# deviation; the dash-dotted line is the model trained on all the training
# rows.
display = CondensationCurveDisplay.from_results(results)
display.ax_.set_xscale("log")
display.ax_.set_title("Logistic regression on digits")
display.ax_.set_ylabel("test accuracy")
