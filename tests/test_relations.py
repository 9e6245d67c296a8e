"""Tests of sim.relations: conflict-free rounds, memory slots, ties and customer counts.

Every expected number is worked out by hand in the comment beside its assertion.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.state.relations import Relations, rounds

HALF_LIFE = 10.0


def arr(*values: int) -> np.ndarray:
    return np.array(values, dtype=np.int64)


def memory(n_traders: int = 12, slots: int = 2) -> Relations:
    return Relations(n_traders, slots, HALF_LIFE)


def set_tie(r: Relations, buyer: int, seller: int, tie: float, day: int) -> int:
    """Give the pair a slot and a tie of `tie` on `day` (a satisfied delivery from tie 0)."""
    slot = r.ensure(arr(buyer), arr(seller), day)
    r.record_experience(arr(buyer), slot, day, np.array([0.5]), np.array([True]), 1.0, tie, 0.0)
    return int(slot[0])


# --- rounds -----------------------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 6), max_size=40))
def test_rounds_never_repeat_a_key_and_cover_every_position_once(keys):
    keys = np.array(keys, dtype=np.int64)
    batches = rounds(keys)
    for batch in batches:
        assert len(np.unique(keys[batch])) == len(batch)  # no key twice in a round
    covered = np.concatenate(batches) if batches else np.empty(0, dtype=np.int64)
    assert sorted(covered.tolist()) == list(range(len(keys)))  # each position exactly once
    # a key's repeats go to successive rounds in their original order, so writes that are
    # applied round by round happen in the order they were given
    round_of = {int(i): r for r, batch in enumerate(batches) for i in batch}
    for key in np.unique(keys):
        positions = np.flatnonzero(keys == key)
        assert [round_of[int(i)] for i in positions] == list(range(len(positions)))


def test_rounds_of_a_small_example():
    batches = rounds(arr(7, 3, 7, 7, 3))
    # 7 occurs at 0, 2, 3 and 3 at 1, 4: three rounds {0, 1}, {2, 4}, {3}
    assert [b.tolist() for b in batches] == [[0, 1], [2, 4], [3]]
    assert rounds(arr()) == []


# --- find / ensure ---------------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.lists(st.integers(-1, 5), min_size=3, max_size=3), min_size=4, max_size=4),
    st.lists(st.tuples(st.integers(0, 3), st.lists(st.integers(-1, 6), min_size=1, max_size=5))),
)
def test_find_returns_the_first_slot_holding_each_seller(memories, queries):
    r = memory(n_traders=4, slots=3)
    r.seller[:] = memories  # any memory, repeats and empty slots included
    for buyer, sellers in queries:
        expected = [
            memories[buyer].index(s) if s >= 0 and s in memories[buyer] else -1 for s in sellers
        ]
        assert r.find(arr(*[buyer] * len(sellers)), arr(*sellers)).tolist() == expected
        assert r.find(arr(buyer), np.array([sellers])).tolist() == [expected]


def test_find_gives_minus_one_for_sellers_the_buyer_does_not_remember():
    r = memory()
    assert r.find(arr(0, 1), arr(5, 6)).tolist() == [-1, -1]


def test_ensure_gives_a_slot_that_find_then_returns():
    r = memory()
    slots = r.ensure(arr(0, 1, 2), arr(5, 6, 5), day=3)
    assert ((slots >= 0) & (slots < 2)).all()
    assert np.array_equal(r.find(arr(0, 1, 2), arr(5, 6, 5)), slots)
    assert r.seller[arr(0, 1, 2), slots].tolist() == [5, 6, 5]
    # a buyer remembers only its own sellers
    assert r.find(arr(1), arr(5)).tolist() == [-1]


def test_ensure_gives_one_buyer_several_sellers_in_one_call():
    r = memory(slots=3)
    slots = r.ensure(arr(0, 0, 0), arr(5, 6, 7), day=0)
    assert sorted(slots.tolist()) == [0, 1, 2]  # three sellers, three different slots
    assert r.find(arr(0, 0, 0), arr(5, 6, 7)).tolist() == slots.tolist()


def test_ensure_keeps_the_slot_and_history_of_a_remembered_seller():
    r = memory()
    slot = r.ensure(arr(0), arr(5), day=0)
    r.record_order(arr(0), slot, day=0, spend=np.array([12.5]))
    again = r.ensure(arr(0), arr(5), day=4)
    assert again.tolist() == slot.tolist()
    assert r.orders[0, slot[0]] == 1  # not reset
    assert r.spend[0, slot[0]] == pytest.approx(12.5)


def test_find_with_several_candidates_per_buyer():
    r = memory(slots=3)
    r.ensure(arr(0, 0, 1), arr(5, 6, 6), day=0)
    slots = r.find(arr(0, 1), np.array([[6, 5, 9], [5, 6, 9]]))
    s5, s6 = r.find(arr(0, 0), arr(5, 6))
    assert slots.tolist() == [[s6, s5, -1], [-1, r.find(arr(1), arr(6))[0], -1]]


def test_ensure_on_a_full_memory_evicts_the_weakest_tie():
    r = memory(slots=2)
    strong = set_tie(r, buyer=0, seller=5, tie=0.8, day=0)
    weak = set_tie(r, buyer=0, seller=6, tie=0.2, day=0)
    slot = r.ensure(arr(0), arr(7), day=0)
    assert slot.tolist() == [weak]  # 0.2 < 0.8: seller 6 is forgotten
    assert r.find(arr(0, 0, 0), arr(5, 6, 7)).tolist() == [strong, -1, weak]
    # the new slot starts afresh
    assert r.tie[0, weak] == 0.0
    assert r.orders[0, weak] == 0
    assert r.experience_a[0, weak] == 0.0


def test_eviction_compares_ties_after_decay():
    r = memory(slots=2)
    old = set_tie(r, buyer=0, seller=5, tie=0.8, day=0)
    set_tie(r, buyer=0, seller=6, tie=0.2, day=30)
    # on day 30 the old tie has decayed three half-lives: 0.8 / 2**3 = 0.1 < 0.2
    assert r.ensure(arr(0), arr(7), day=30).tolist() == [old]
    assert r.find(arr(0), arr(5)).tolist() == [-1]


def test_customers_count_buyers_with_an_order_and_drop_when_an_ordered_slot_is_evicted():
    r = memory(slots=2)
    slots = r.ensure(arr(0, 1), arr(5, 5), day=0)
    r.record_order(arr(0, 1), slots, day=0, spend=np.array([10.0, 20.0]))
    assert r.customers[5] == 2  # two buyers ordered from seller 5
    slot = r.ensure(arr(0), arr(5), day=1)
    r.record_order(arr(0), slot, day=1, spend=np.array([5.0]))
    assert r.customers[5] == 2  # a repeat order is not a new customer
    assert r.orders[0, slot[0]] == 2
    assert r.spend[0, slot[0]] == pytest.approx(15.0)  # 10 + 5
    assert (r.first_day[0, slot[0]], r.last_day[0, slot[0]]) == (0, 1)
    # buyer 0 fills its memory with two stronger ties: seller 5 (tie 0) is evicted
    set_tie(r, buyer=0, seller=6, tie=0.5, day=2)
    set_tie(r, buyer=0, seller=7, tie=0.5, day=2)
    assert r.find(arr(0), arr(5)).tolist() == [-1]
    assert r.customers[5] == 1  # 2 - 1: only buyer 1 still has seller 5 with an order


def test_evicting_a_slot_without_orders_leaves_customer_counts_alone():
    r = memory(slots=1)
    r.ensure(arr(0), arr(5), day=0)  # remembered but never ordered
    slot = r.ensure(arr(1), arr(5), day=0)
    r.record_order(arr(1), slot, day=0, spend=np.array([1.0]))
    assert r.customers[5] == 1
    r.ensure(arr(0), arr(6), day=1)  # evicts buyer 0's order-less slot of seller 5
    assert r.find(arr(0), arr(5)).tolist() == [-1]
    assert r.customers[5] == 1  # unchanged


# --- ties -------------------------------------------------------------------------------------


def test_tie_now_halves_after_each_half_life():
    r = memory()
    slot = set_tie(r, buyer=0, seller=5, tie=0.8, day=0)
    now = [r.tie_now(arr(0), arr(slot), day)[0] for day in (0, 10, 20)]
    assert now == pytest.approx([0.8, 0.4, 0.2])  # 0.8, 0.8/2, 0.8/4 (half-life 10 days)
    assert r.tie_now(arr(0), arr(slot), 5)[0] == pytest.approx(0.5657, abs=1e-4)  # 0.8/sqrt2
    assert r.tie_now(arr(0), arr(-1), 0).tolist() == [0.0]  # no slot, no tie


def test_a_satisfying_delivery_grows_the_tie_towards_one():
    r = memory()
    slot = set_tie(r, buyer=0, seller=5, tie=0.8, day=0)
    r.record_experience(arr(0), arr(slot), 10, np.array([0.7]), np.array([True]), 3.0, 0.3, 0.5)
    # decayed tie on day 10: 0.8/2 = 0.4; grown: 0.4 + 0.3 * (1 - 0.4) = 0.58
    assert r.tie_now(arr(0), arr(slot), 10)[0] == pytest.approx(0.58)
    # and it decays from day 10 on: 0.58/2 = 0.29 on day 20
    assert r.tie_now(arr(0), arr(slot), 20)[0] == pytest.approx(0.29)


def test_an_unsatisfying_delivery_weakens_the_tie():
    r = memory()
    slot = set_tie(r, buyer=0, seller=5, tie=0.8, day=0)
    r.record_experience(arr(0), arr(slot), 10, np.array([0.7]), np.array([False]), 3.0, 0.3, 0.5)
    # decayed tie 0.4; weakened: 0.4 * (1 - 0.5) = 0.2
    assert r.tie_now(arr(0), arr(slot), 10)[0] == pytest.approx(0.2)


def test_experience_adds_weighted_quality_counts():
    r = memory()
    slot = int(r.ensure(arr(0), arr(5), day=0)[0])
    r.record_experience(arr(0), arr(slot), 0, np.array([0.7]), np.array([True]), 3.0, 0.3, 0.5)
    assert r.experience_a[0, slot] == pytest.approx(2.1)  # 3 * 0.7
    assert r.experience_b[0, slot] == pytest.approx(0.9)  # 3 * (1 - 0.7)
    r.add_experience(arr(0), arr(slot), np.array([1.0]), np.array([0.5]))
    assert (r.experience_a[0, slot], r.experience_b[0, slot]) == pytest.approx((3.1, 1.4))


def test_duplicate_deliveries_to_one_slot_in_one_call_are_all_applied():
    r = memory()
    slot = int(r.ensure(arr(0), arr(5), day=0)[0])
    both = arr(slot, slot)
    r.record_experience(
        arr(0, 0), both, 0, np.array([0.9, 0.5]), np.array([True, True]), 3.0, 0.3, 0.5
    )
    # tie 0 -> 0 + 0.3 * 1 = 0.3 -> 0.3 + 0.3 * 0.7 = 0.51
    assert r.tie_now(arr(0), arr(slot), 0)[0] == pytest.approx(0.51)
    assert r.experience_a[0, slot] == pytest.approx(4.2)  # 3 * (0.9 + 0.5)
    assert r.experience_b[0, slot] == pytest.approx(1.8)  # 3 * (0.1 + 0.5)


def test_duplicate_deliveries_are_applied_in_the_order_given():
    r = memory()
    slot = int(r.ensure(arr(0), arr(5), day=0)[0])
    both = arr(slot, slot)
    r.record_experience(
        arr(0, 0), both, 0, np.array([0.5, 0.5]), np.array([True, False]), 1.0, 0.4, 0.5
    )
    # satisfied first: 0 + 0.4 * 1 = 0.4; then unsatisfied: 0.4 * (1 - 0.5) = 0.2
    # (the other order would give 0 * 0.5 = 0, then 0 + 0.4 * 1 = 0.4)
    assert r.tie_now(arr(0), arr(slot), 0)[0] == pytest.approx(0.2)


def test_deliveries_of_different_buyers_in_one_call_do_not_interfere():
    r = memory()
    slots = r.ensure(arr(0, 1), arr(5, 5), day=0)
    r.record_experience(
        arr(0, 1), slots, 0, np.array([1.0, 0.0]), np.array([True, False]), 2.0, 0.5, 0.5
    )
    assert r.tie_now(arr(0, 1), slots, 0) == pytest.approx([0.5, 0.0])  # 0 + 0.5*1; 0 * 0.5
    assert r.experience_a[arr(0, 1), slots] == pytest.approx([2.0, 0.0])  # 2 * 1.0, 2 * 0.0
    assert r.experience_b[arr(0, 1), slots] == pytest.approx([0.0, 2.0])


# --- repeated buyers in one ensure call ---------------------------------------------------


def test_ensure_with_a_repeated_new_pair_gives_it_one_slot():
    r = memory(slots=3)
    slots = r.ensure(arr(0, 0), arr(5, 5), day=0)
    assert slots[0] == slots[1]
    assert (r.seller[0] == 5).sum() == 1  # the seller occupies one slot of the memory


def test_ensure_on_a_full_memory_with_one_buyer_twice_returns_slots_of_the_right_sellers():
    r = memory(slots=2)
    set_tie(r, buyer=0, seller=5, tie=0.6, day=0)
    set_tie(r, buyer=0, seller=6, tie=0.5, day=0)
    slots = r.ensure(arr(0, 0), arr(7, 8), day=0)
    # whatever is evicted, each returned slot must hold the seller it was asked for
    assert r.seller[0, slots].tolist() == [7, 8]


def test_ensure_with_more_new_sellers_than_slots_leaves_the_overflow_without_a_slot():
    r = memory(slots=1)
    slots = r.ensure(arr(0, 0, 0), arr(7, 8, 7), day=0)
    # one slot: seller 7 (first asked) takes it; 8 cannot evict a slot this call uses -> -1
    assert slots.tolist() == [0, -1, 0]
    assert r.seller[0].tolist() == [7]


def test_find_never_matches_padding():
    r = memory(slots=3)
    # an empty slot holds -1, like padded candidates do; padding must not find it
    assert r.find(arr(0), arr(-1)).tolist() == [-1]


def test_a_reused_slot_forgets_everything_about_the_evicted_seller():
    r = memory(slots=1)
    slot = r.ensure(arr(0), arr(5), day=0)
    r.record_order(arr(0), slot, day=0, spend=np.array([20.0]))
    r.record_touch(
        arr(0),
        slot,
        day=1,
        channel=np.array([2]),
        segment=np.array([3]),
        tool=np.array([1]),
        reached=np.array([True]),
    )
    r.unsubscribed[0, slot] = True
    r.tool_tries[0, slot, 0] = 4
    new = r.ensure(arr(0), arr(6), day=2)  # the only slot goes to seller 6
    assert r.seller[0, new[0]] == 6
    assert r.orders[0, new[0]] == 0 and r.spend[0, new[0]] == 0.0
    assert r.contact_day[0, new[0]] == -1 and r.first_day[0, new[0]] == -1
    assert r.awareness_now(arr(0), new, day=2, half_life=3.0)[0] == 0.0  # not aware of seller 6
    assert r.last_touch(arr(0), new, day=2, window=30)["tool"][0] == 0  # no tool remembered
    assert not r.unsubscribed[0, new[0]] and r.tool_tries[0, new[0]].sum() == 0


# --- the change feed --------------------------------------------------------------------------


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["order", "touch", "ensure", "forget"]),
            st.lists(st.tuples(st.integers(0, 11), st.integers(0, 11)), min_size=1, max_size=6),
        ),
        max_size=25,
    )
)
def test_a_change_feed_names_exactly_the_records_changed_since_a_day(calls):
    # whatever mix of orders, contacts and new slots happens over the days, a feed gives the
    # records whose changed_day is on or after any day it still keeps, as a scan would find
    r = memory()
    feed = r.watch()
    kept_from = 0
    for day, (kind, pairs) in enumerate(calls):
        buyers = arr(*(b for b, _ in pairs))
        sellers = arr(*(s if s != b else (s + 1) % 12 for b, s in pairs))
        slots = r.ensure(buyers, sellers, day)
        first = np.unique(buyers, return_index=True)[1]  # each buyer once a call
        buyers, slots = buyers[first], slots[first]
        known = slots >= 0
        buyers, slots = buyers[known], slots[known]
        if kind == "order":
            r.record_order(buyers, slots, day, np.ones(len(buyers)))
        elif kind == "touch":
            none = np.zeros(len(buyers), dtype=np.int64)
            r.record_touch(buyers, slots, day, none, none, none, np.ones(len(buyers), bool))
        elif kind == "forget":
            feed.forget_before(day)
            kept_from = day
        for since in range(kept_from, day + 2):
            named = np.unique(np.concatenate([arr(), *feed.since(since)]))
            assert np.array_equal(named, np.flatnonzero(r.changed_day.ravel() >= since))
