"""Stratified, seeded splits: every digit keeps its share of the images.

:func:`course_utils.data.load_dataset` uses it for ``train_limit`` and ``test_limit``,
and :mod:`course_utils.data.embedded` to split the 5,000-image subset 4,000 / 1,000.

Introduced in notebooks/01_data.ipynb.
"""

from __future__ import annotations

import numpy as np


def stratified_split(
    labels: np.ndarray, n_first: int, *, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Split indices into ``n_first`` and the rest, keeping class proportions.

    Each class gets its share by largest remainder, so 5,000 images with 500
    per digit give exactly 400 per digit for ``n_first=4000``. Both index
    arrays come back shuffled with ``seed``.

    Parameters
    ----------
    labels : int array of shape (N,)
        The class of each image, such as digits 0–9.
    n_first : int
        Size of the first part, 1 to N.
    seed : int
        The same seed gives the same split.

    Returns
    -------
    first, rest : int arrays of shape (n_first,) and (N − n_first,)
        Indices into ``labels``; together they hold each index once.

    Raises
    ------
    ValueError
        If ``n_first`` is not between 1 and N.

    Examples
    --------
    >>> labels = np.repeat([0, 1], 5)
    >>> first, rest = stratified_split(labels, 4, seed=0)
    >>> np.bincount(labels[first]), len(rest)
    (array([2, 2]), 6)
    """
    labels = np.asarray(labels)
    if not 0 < n_first <= len(labels):
        raise ValueError(f"n_first must be between 1 and {len(labels)}; got {n_first}.")
    rng = np.random.default_rng(seed)
    classes, counts = np.unique(labels, return_counts=True)
    quotas = _largest_remainder(counts, n_first)
    first, rest = [], []
    for label, quota in zip(classes, quotas):
        members = rng.permutation(np.flatnonzero(labels == label))
        first.append(members[:quota])
        rest.append(members[quota:])
    return rng.permutation(np.concatenate(first)), rng.permutation(np.concatenate(rest))


def _largest_remainder(counts: np.ndarray, total: int) -> np.ndarray:
    exact = counts * total / counts.sum()
    quotas = np.floor(exact).astype(int)
    leftover = total - quotas.sum()
    order = np.argsort(-(exact - quotas), kind="stable")
    quotas[order[:leftover]] += 1
    return quotas
