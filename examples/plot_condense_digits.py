"""
=============================================
Condense digits to ten synthetic rows a class
=============================================

Condense scikit-learn's digits with :class:`skdc.MMDCondenser`, train a
logistic regression on the 100 synthetic rows, and compare it with the same
model trained on a random subset, on k-means centroids and on all the data.
"""

# %%
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from skdc import MMDCondenser
from skdc.plotting import ImageGridDisplay
from skdc.selection import KMeansCentroids, RandomSubset

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.3, stratify=y, random_state=0
)
scaler = StandardScaler().fit(X_train)
X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)

# %%
# Every reducer has the same interface: ``fit_resample`` returns the small set.
reducers = {
    "random subset": RandomSubset(size=100, allocation="balanced", random_state=0),
    "k-means centroids": KMeansCentroids(
        size=100, allocation="balanced", random_state=0
    ),
    "MMD condenser": MMDCondenser(size=100, allocation="balanced", random_state=0),
}
for name, reducer in reducers.items():
    X_small, y_small = reducer.fit_resample(X_train, y_train)
    model = LogisticRegression(max_iter=1000).fit(X_small, y_small)
    print(f"{name:18s} {len(X_small)} rows  accuracy {model.score(X_test, y_test):.3f}")

full = LogisticRegression(max_iter=1000).fit(X_train, y_train)
print(
    f"{'full data':18s} {len(X_train)} rows accuracy {full.score(X_test, y_test):.3f}"
)

# %%
# Three synthetic digits of each class, drawn as images (back on the pixel
# scale through the scaler) with :class:`skdc.plotting.ImageGridDisplay`.
display = ImageGridDisplay.from_estimator(
    reducers["MMD condenser"],
    image_shape=(8, 8),
    inverse_transform=scaler.inverse_transform,
    per_class=3,
)
display.figure_.suptitle("MMDCondenser: 3 of its 10 synthetic rows per class")

# %%
# The k-means centroids of the same classes, for comparison: averages of
# many digits, so smoother and fainter.
display = ImageGridDisplay.from_estimator(
    reducers["k-means centroids"],
    image_shape=(8, 8),
    inverse_transform=scaler.inverse_transform,
    per_class=3,
)
display.figure_.suptitle("KMeansCentroids: 3 of its 10 centroids per class")
