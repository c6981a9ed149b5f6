"""
==============================================
Where do the synthetic rows sit? A 2-D picture
==============================================

Condense scikit-learn's wine data (178 rows, 13 features, 3 classes) to five
rows per class, and look at the synthetic rows among the real ones on the
first two principal components with
:class:`skdc.plotting.ProjectionDisplay`.  k-means centroids, a baseline,
sit near the centre of each class; the MMD condenser starts from them and
moves its rows until their kernel mean embedding matches the class's,
which spreads some of them outward.  :class:`skdc.plotting.ConvergenceDisplay`
then shows the loss of each class's optimisation.
"""

# %%
import matplotlib.pyplot as plt
from sklearn.datasets import load_wine
from sklearn.preprocessing import StandardScaler

from skdc import MMDCondenser
from skdc.plotting import ConvergenceDisplay, ProjectionDisplay
from skdc.selection import KMeansCentroids

X, y = load_wine(return_X_y=True)
X = StandardScaler().fit_transform(X)

mmd = MMDCondenser(size=15, allocation="balanced", random_state=0).fit(X, y)
kmeans = KMeansCentroids(size=15, allocation="balanced", random_state=0).fit(X, y)

# %%
# Real rows (dots) and synthetic rows (diamonds), coloured by class
# -----------------------------------------------------------------
fig, axes = plt.subplots(1, 2, figsize=(10, 4.5), sharex=True, sharey=True)
for ax, condenser, title in zip(
    axes, [kmeans, mmd], ["k-means centroids", "MMDCondenser"]
):
    ProjectionDisplay.from_estimator(condenser, X, y, ax=ax)
    ax.set_title(f"{title}: {len(condenser.X_)} rows")
fig.tight_layout()

# %%
# The loss of each class
# ----------------------
# Each class is its own optimisation problem; ``history_`` holds its loss
# (the squared MMD to the class's real rows) at every step.
display = ConvergenceDisplay.from_estimator(mmd)
display.ax_.set_ylabel("MMD$^2$ to the real rows of the class")
