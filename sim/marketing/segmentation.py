"""Customer segmentation: none, RFM tiers, or k-means on what sellers observe.

Each segmentation turns customer records into segment labels: a local index (used by learned
channels and segment statistics) and a code in vocabulary.SEGMENTS (used in the logs). K-means is
refitted every `refresh_days` on the records of all sellers running the strategy, as a
platform's CRM tool would, and its agreement with the buyers' hidden types (adjusted Rand index)
is recorded at each refit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Protocol

import numpy as np
from threadpoolctl import ThreadpoolController

from sim.config import SegmentationConfig
from sim.config.vocabulary import RFM_TIERS, SEGMENTS
from sim.marketing.customers import CustomerBook, rfm_tiers


@dataclass
class Observed:
    """What sellers observe of a set of customer records, as arrays of one length."""

    orders: np.ndarray
    recency: np.ndarray
    spend: np.ndarray
    behaviour: np.ndarray  # (R, 4) the platform's behaviour tags
    country: np.ndarray
    response_rate: np.ndarray  # share of past contacts the customer took up
    hidden_type: np.ndarray  # for measuring accuracy only; never used to segment


@cache
def thread_pools() -> ThreadpoolController:
    """The process's thread pools (OpenMP, BLAS) with scikit-learn's among them, found once:
    finding them reads every loaded library, several milliseconds that a fresh
    `threadpool_limits` would pay at each refit. Imports scikit-learn first, as a pool loaded
    after the controller is made would escape its limits."""
    import sklearn.cluster  # noqa: F401

    return ThreadpoolController()


class Segmentation(Protocol):
    """How a seller groups its customers, as a campaign uses it: labels for the customers it
    sees (0 .. n_segments - 1), their codes in the event log, and when it learns. A
    `timeless` one labels a record by the record and its latest fit alone (no recency), so a
    label can be kept until either changes; `fitted_on` is the day of that fit."""

    n_segments: int
    timeless: bool
    fitted_on: int

    def wants_refit(self, day: int) -> bool:
        """Whether the segmentation is due to be refitted on all customer records today."""
        ...

    def fit_rows(self, n: int, day: int) -> np.ndarray:
        """Which of `n` records today's refit reads (all, or its sample of them)."""
        ...

    def fit(self, seen: Observed, day: int) -> None:
        """Refit on all customer records (or the rows `fit_rows` picked of them)."""
        ...

    def labels(self, seen: Observed, day: int) -> np.ndarray:
        """Each customer record's segment, 0 .. n_segments - 1."""
        ...

    def codes(self, labels: np.ndarray) -> np.ndarray:
        """Segments as the codes of `SEGMENTS`, for the event log."""
        ...

    def accuracy(self) -> float | None:
        """Agreement of the latest fit with the buyers' hidden types (adjusted Rand index);
        None for a segmentation that learns nothing."""
        ...


class NoSegments:
    """Every customer in one segment."""

    n_segments = 1
    timeless = True
    fitted_on = -1

    def wants_refit(self, day: int) -> bool:
        return False

    def fit_rows(self, n: int, day: int) -> np.ndarray:
        return np.arange(n)

    def fit(self, seen: Observed, day: int) -> None:
        """Nothing to learn."""

    def labels(self, seen: Observed, day: int) -> np.ndarray:
        return np.zeros(len(seen.orders), dtype=np.int64)

    def codes(self, labels: np.ndarray) -> np.ndarray:
        return np.full(len(labels), SEGMENTS.index("all"))

    def accuracy(self) -> float | None:
        return None


class RFMSegments:
    """RFM tiers with configurable cut points: fixed rules, nothing to learn."""

    n_segments = len(RFM_TIERS)
    timeless = False  # recency moves every day
    fitted_on = -1

    def __init__(self, config: SegmentationConfig) -> None:
        self.config = config

    def wants_refit(self, day: int) -> bool:
        return False

    def fit_rows(self, n: int, day: int) -> np.ndarray:
        return np.arange(n)

    def fit(self, seen: Observed, day: int) -> None:
        """Nothing to learn."""

    def accuracy(self) -> float | None:
        return None

    def labels(self, seen: Observed, day: int) -> np.ndarray:
        return rfm_tiers(seen.orders, seen.recency, seen.spend, self.config)

    def codes(self, labels: np.ndarray) -> np.ndarray:
        return SEGMENTS.index(RFM_TIERS[0]) + labels


class KMeansSegments:
    """K-means on standardised observed features, refitted on its interval."""

    def __init__(self, config: SegmentationConfig, n_countries: int, seed: int) -> None:
        # scikit-learn takes seconds to import: only runs that segment with k-means pay, and
        # they pay while the model is built rather than on the first refit day
        thread_pools()
        self.config = config
        self.n_segments = config.k
        self.n_countries = n_countries
        self.seed = seed
        self.centroids: np.ndarray | None = None  # (k, features), in standardised units
        self.mean = self.scale = np.zeros(0)
        self.last_fit = -(10**9)
        self.last_ari: float | None = None

    timeless = True  # country, spend, orders, behaviour tags and responses: no recency

    @property
    def fitted_on(self) -> int:
        return self.last_fit

    def features(self, seen: Observed) -> np.ndarray:
        """(features, records): basic info (country, spend level), behaviour tags, and
        response history. One row a feature, so that standardising runs along the records."""
        country = np.arange(self.n_countries)[:, None] == seen.country[None, :]
        return np.vstack(
            [
                country,
                np.log1p(seen.spend),
                np.log1p(seen.orders),
                seen.behaviour.T,
                seen.response_rate,
            ]
        )

    def wants_refit(self, day: int) -> bool:
        return day - self.last_fit >= self.config.refresh_days

    def fit_rows(self, n: int, day: int) -> np.ndarray:
        """All `n` records, or a random `fit_sample` of them (in row order) when there are
        more: a caller that observes only these pays for the sample, not the whole base."""
        if n <= self.config.fit_sample:
            return np.arange(n)
        draw = np.random.default_rng(self.seed + day)
        return np.sort(draw.choice(n, self.config.fit_sample, replace=False))

    def fit(self, seen: Observed, day: int) -> None:
        """Refit on all records (a random `fit_sample` of them when there are more, which is
        how CRM tools fit large bases: the cost stays flat as the market grows), once there
        are at least k of them."""
        from sklearn.cluster import KMeans
        from sklearn.metrics import adjusted_rand_score
        from sklearn.preprocessing import StandardScaler

        x, hidden = np.ascontiguousarray(self.features(seen).T), seen.hidden_type
        if len(x) < self.config.k:
            return
        if len(x) > self.config.fit_sample:
            rows = self.fit_rows(len(x), day)
            x, hidden = x[rows], hidden[rows]
        scaler = StandardScaler().fit(x)
        # one k-means++ start (scikit-learn's default): monthly refits make up for a poor one;
        # one thread, here where scikit-learn's OpenMP and BLAS are loaded (a caller's limit
        # set before they were loaded misses them): its sums then run in one order, giving the
        # same centroids on any machine, and parallel runs do not fight over the cores
        with thread_pools().limit(limits=1):
            model = KMeans(
                n_clusters=self.config.k, n_init=1, random_state=self.seed + day, max_iter=100
            ).fit(scaler.transform(x))
        self.mean, self.scale = scaler.mean_, scaler.scale_
        self.centroids = model.cluster_centers_
        self.last_fit = day
        self.last_ari = float(adjusted_rand_score(hidden, model.labels_))

    def labels(self, seen: Observed, day: int) -> np.ndarray:
        """The nearest centroid of each record (what KMeans.predict computes, without its
        per-call validation, which costs more than the work at a few records a day). The
        record's own squared length is left out of the distances: it is the same for every
        centroid."""
        if self.centroids is None or len(seen.orders) == 0:
            return np.zeros(len(seen.orders), dtype=np.int64)
        x = (self.features(seen) - self.mean[:, None]) / self.scale[:, None]
        distance = (self.centroids**2).sum(axis=1)[:, None] - 2.0 * (self.centroids @ x)
        return distance.argmin(axis=0)

    def codes(self, labels: np.ndarray) -> np.ndarray:
        return SEGMENTS.index("cluster_0") + labels

    def accuracy(self) -> float | None:
        """Adjusted Rand index of the latest fit against hidden buyer types."""
        return self.last_ari


class KeptLabels:
    """Segment labels kept per customer record (flat buyer-by-slot position) until the record
    changes (`Relations.changed_day`) or the segmentation is refitted, for a timeless
    segmentation; re-derived each day otherwise. A day then labels the records that changed,
    not every record due (issue 25): k-means labels are the same either way."""

    def __init__(self, segmentation: Segmentation, n_records: int) -> None:
        self.segmentation = segmentation
        self.label = np.zeros(n_records if segmentation.timeless else 0, dtype=np.int16)
        self.labelled_on = np.full(len(self.label), -1, dtype=np.int32)
        self.last_fit = segmentation.fitted_on  # the fit of the last call's labels

    def of(
        self,
        book: CustomerBook,
        changed_day: np.ndarray,
        day: int,
        observe: Callable[[CustomerBook, int], Observed],
        unchanged: np.ndarray | None = None,
    ) -> np.ndarray:
        """The segments of `book`'s records today; `changed_day` is per flat record. Rows
        flagged in `unchanged` were in the last call's book and have not changed since: their
        labels stand unless the segmentation was refitted since, and are not checked."""
        if not self.segmentation.timeless:
            return self.segmentation.labels(observe(book, day), day)
        fit = self.segmentation.fitted_on
        if unchanged is None or fit != self.last_fit:
            rows = np.arange(len(book))
        else:
            rows = np.flatnonzero(~unchanged)
        self.last_fit = fit
        flat = book.flat[rows]
        labelled_on = self.labelled_on[flat]
        stale = rows[(labelled_on <= changed_day[flat]) | (labelled_on < fit)]
        redo = book.subset(stale)
        self.label[redo.flat] = self.segmentation.labels(observe(redo, day), day)
        self.labelled_on[redo.flat] = day
        return self.label[book.flat].astype(np.int64)


def make_segmentation(config: SegmentationConfig, n_countries: int, seed: int) -> Segmentation:
    if config.kind == "rfm":
        return RFMSegments(config)
    if config.kind == "kmeans":
        return KMeansSegments(config, n_countries, seed)
    return NoSegments()
