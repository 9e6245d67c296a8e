"""Tests of sim.state.arrays: `scatter` (`ufunc.at` at numpy's fast path) gives numpy's
result, `group_by` groups positions by key as `np.unique` and `np.split` would, and the
searches and merges of sorted positions agree with `np.isin` and a sort.

The simulator's ledger, counters and beliefs accumulate with `scatter`; a difference in one
bit would change every later random draw, so the test asks for the very same array, not a
close one, over the dtypes the state uses, repeated indices, and scalar or array values.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from sim.state.arrays import (
    group_by,
    merge_positions,
    scatter,
    sorted_positions,
    stable_order,
)

TABLE_DTYPES = [np.int16, np.int32, np.int64, np.float32, np.float64]
VALUE_DTYPES = [np.bool_, np.int16, np.int32, np.int64, np.float32, np.float64]


def elements(dtype, bound: int = 5) -> st.SearchStrategy:
    """Small values of `dtype`: fractions for floats, so float32 rounding is exercised."""
    if dtype is np.bool_:
        return st.booleans()
    if np.issubdtype(dtype, np.floating):
        return st.floats(-bound, bound, width=32)
    return st.integers(-bound, bound)


@st.composite
def scatters(draw):
    """A table, an index tuple into it (repeats likely) or one index into a 1-D table, and
    values: a Python scalar, or an array of any of the state's dtypes that numpy accepts."""
    dtype = draw(st.sampled_from(TABLE_DTYPES))
    shape = draw(st.lists(st.integers(1, 4), min_size=1, max_size=3))
    table = draw(hnp.arrays(dtype, shape, elements=elements(dtype, 100)))
    n = draw(st.integers(0, 12))
    axes = [draw(hnp.arrays(np.int64, n, elements=st.integers(0, size - 1))) for size in shape]
    index = tuple(axes) if len(shape) > 1 or draw(st.booleans()) else axes[0]
    if draw(st.booleans()):
        values = draw(st.integers(-5, 5) | st.floats(-5, 5, width=32) | st.booleans())
    else:
        value_dtype = draw(st.sampled_from(VALUE_DTYPES))
        values = draw(hnp.arrays(value_dtype, n, elements=elements(value_dtype)))
    return table, index, values


@settings(max_examples=300, deadline=None)
@given(case=scatters(), ufunc=st.sampled_from([np.add, np.subtract]))
def test_scatter_gives_the_very_array_ufunc_at_gives(case, ufunc) -> None:
    table, index, values = case
    expected = table.copy()
    try:
        ufunc.at(expected, index, values)
    except (TypeError, ValueError) as error:  # numpy refuses the cast: so must scatter
        with pytest.raises(type(error)):
            scatter(ufunc, table.copy(), index, values)
        return
    got = table.copy()
    scatter(ufunc, got, index, values)
    assert got.dtype == expected.dtype
    assert got.tobytes() == expected.tobytes()


def test_repeated_indices_add_up() -> None:
    counts = np.zeros((2, 3), dtype=np.int32)
    scatter(np.add, counts, (np.array([1, 1, 0, 1]), np.array([2, 2, 0, 2])), 1)
    assert counts.tolist() == [[1, 0, 0], [0, 0, 3]]


def test_a_view_that_is_not_contiguous_is_updated_in_place() -> None:
    table = np.zeros((3, 4))
    column_view = table[:, ::2]  # not contiguous: the fast path's flat view would be a copy
    scatter(np.add, column_view, (np.array([0, 2]), np.array([1, 1])), 2.5)
    assert table[:, 2].tolist() == [2.5, 0.0, 2.5]


@given(keys=hnp.arrays(np.int64, st.integers(0, 30), elements=st.integers(-3, 40)))
def test_group_by_gives_each_key_once_with_its_positions_in_order(keys) -> None:
    groups = group_by(keys)
    days = np.unique(keys)
    assert [key for key, _ in groups] == days.tolist()
    for key, rows in groups:
        assert rows.tolist() == np.flatnonzero(keys == key).tolist()
    assert sum(len(rows) for _, rows in groups) == len(keys)


def test_group_by_hand_case() -> None:
    groups = group_by(np.array([3, 1, 3, 2, 1]))
    assert [(key, rows.tolist()) for key, rows in groups] == [(1, [1, 4]), (2, [3]), (3, [0, 2])]


def test_a_negative_index_into_a_table_of_two_axes_is_refused() -> None:
    with pytest.raises(ValueError):
        scatter(np.add, np.zeros((2, 3)), (np.array([-1]), np.array([0])), 1.0)


sorted_sets = st.sets(st.integers(0, 60), max_size=30).map(
    lambda s: np.array(sorted(s), dtype=np.int64)
)


@settings(max_examples=200, deadline=None)
@given(sorted_sets, hnp.arrays(np.int64, st.integers(0, 30), elements=st.integers(-5, 70)))
def test_sorted_positions_find_what_isin_finds(ordered, values) -> None:
    found = sorted_positions(ordered, values)
    assert np.array_equal(ordered[found], values[np.isin(values, ordered)])


@settings(max_examples=200, deadline=None)
@given(st.sets(st.integers(0, 60), max_size=40), st.data())
def test_merge_positions_place_each_item_where_a_sort_puts_it(items, data) -> None:
    items = sorted(items)
    first = np.array(sorted(data.draw(st.sets(st.sampled_from(items)))) if items else [], int)
    second = np.setdiff1d(np.array(items, dtype=np.int64), first)
    into_first, into_second = merge_positions(first, second)
    merged = np.empty(len(first) + len(second), dtype=np.int64)
    merged[into_first], merged[into_second] = first, second
    assert np.array_equal(merged, np.sort(np.r_[first, second]))
    assert len(np.union1d(into_first, into_second)) == len(merged)


def test_merge_positions_hand_case() -> None:
    into_first, into_second = merge_positions(np.array([2, 9]), np.array([1, 5, 7]))
    assert into_first.tolist() == [1, 4] and into_second.tolist() == [0, 2, 3]


@settings(max_examples=200, deadline=None)
@given(st.sampled_from([np.int16, np.int32, np.int64]), st.data())
def test_stable_order_is_a_stable_argsort(dtype, data) -> None:
    # narrow and wide keys, negative ones, many repeats (which keep their row order)
    top, least = int(np.iinfo(dtype).max), int(np.iinfo(dtype).min)
    values = st.integers(0, 3) | st.integers(-5, min(top, 2**15 - 1)) | st.integers(least, top)
    keys = data.draw(hnp.arrays(dtype, st.integers(0, 60), elements=values))
    assert np.array_equal(stable_order(keys), np.argsort(keys, kind="stable"))
