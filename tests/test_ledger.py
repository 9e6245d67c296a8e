"""Tests of sim.ledger: integer cents, exact conservation and summed repeated traders.

Every expected number is worked out by hand in the comment beside its assertion.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.state.ledger import ACCOUNTS, Ledger, to_cents

N_TRADERS = 4


def ints(*values: int) -> np.ndarray:
    return np.array(values, dtype=np.int64)


# --- to_cents --------------------------------------------------------------------------------


def test_to_cents_rounds_to_whole_cents():
    cents = to_cents(np.array([19.99, 0.1 + 0.2, -1.234, 5.0, 0.004]))
    # 1998.9999... -> 1999; 30.000000000000004 -> 30; -123.4 -> -123; 500; 0.4 -> 0
    assert cents.tolist() == [1999, 30, -123, 500, 0]
    assert cents.dtype == np.int64


def test_to_cents_of_a_scalar():
    assert int(to_cents(12.5)) == 1250


# --- Ledger ----------------------------------------------------------------------------------


def test_a_new_ledger_balances_the_starting_cash_against_the_income_account():
    ledger = Ledger(ints(1000, 2500, 0))
    assert ledger.cash.tolist() == [1000, 2500, 0]
    assert ledger.accounts["income"] == -3500  # -(1000 + 2500 + 0)
    assert all(ledger.accounts[name] == 0 for name in ACCOUNTS if name != "income")
    assert ledger.total() == 0


def test_the_ledger_copies_the_initial_cash():
    start = ints(100, 200)
    ledger = Ledger(start)
    ledger.transfer(ints(0), ints(1), ints(50))
    assert start.tolist() == [100, 200]  # the caller's array is untouched


def test_repeated_payers_and_payees_in_one_transfer_are_summed():
    ledger = Ledger(ints(1000, 1000, 1000, 1000))
    ledger.transfer(ints(0, 0, 1), ints(2, 2, 2), ints(100, 250, 5))
    # trader 0 pays 100 + 250 = 350; trader 1 pays 5; trader 2 receives 355
    assert ledger.cash.tolist() == [650, 995, 1355, 1000]
    assert ledger.total() == 0


def test_a_trader_can_pay_itself_and_nothing_changes():
    ledger = Ledger(ints(1000, 1000))
    ledger.transfer(ints(0, 1), ints(0, 0), ints(70, 30))
    # trader 0: -70 + 70 + 30 = +30; trader 1: -30
    assert ledger.cash.tolist() == [1030, 970]


def test_pay_out_and_pay_in_sum_repeated_traders():
    ledger = Ledger(ints(1000, 1000, 1000))
    ledger.pay_out(ints(0, 0, 2), "platform", ints(100, 200, 50))
    # trader 0 pays 300, trader 2 pays 50; the platform receives 350
    assert ledger.cash.tolist() == [700, 1000, 950]
    assert ledger.accounts["platform"] == 350
    ledger.pay_in("platform", ints(1, 1), ints(20, 30))
    # the platform pays trader 1 twice: 20 + 30 = 50
    assert ledger.cash.tolist() == [700, 1050, 950]
    assert ledger.accounts["platform"] == 300  # 350 - 50
    assert ledger.total() == 0


def test_cash_may_go_negative_and_is_still_counted():
    ledger = Ledger(ints(100, 0))
    ledger.pay_out(ints(1), "shipping", ints(250))
    assert ledger.cash.tolist() == [100, -250]
    assert ledger.accounts["shipping"] == 250
    assert ledger.total() == 0


def test_paying_an_unknown_account_fails_loudly():
    ledger = Ledger(ints(100))
    with pytest.raises(KeyError):
        ledger.pay_out(ints(0), "nowhere", ints(1))


# --- conservation (property) -----------------------------------------------------------------

traders = st.integers(0, N_TRADERS - 1)
cents = st.integers(-(10**9), 10**9)
accounts = st.sampled_from(ACCOUNTS)


@st.composite
def operations(draw):
    """One ledger call with 0-6 rows, traders drawn with repeats."""
    kind = draw(st.sampled_from(["transfer", "pay_out", "pay_in"]))
    n = draw(st.integers(0, 6))
    rows = {
        "payers": draw(st.lists(traders, min_size=n, max_size=n)),
        "payees": draw(st.lists(traders, min_size=n, max_size=n)),
        "cents": draw(st.lists(cents, min_size=n, max_size=n)),
    }
    return kind, draw(accounts), rows


@settings(max_examples=200, deadline=None)
@given(
    start=st.lists(st.integers(0, 10**9), min_size=N_TRADERS, max_size=N_TRADERS),
    ops=st.lists(operations(), max_size=20),
)
def test_any_sequence_of_payments_conserves_money_to_the_cent(start, ops):
    ledger = Ledger(np.array(start, dtype=np.int64))
    cash = list(start)  # an independent, one-row-at-a-time model of the traders' cash
    for kind, account, rows in ops:
        payers = np.array(rows["payers"], dtype=np.int64)
        payees = np.array(rows["payees"], dtype=np.int64)
        amount = np.array(rows["cents"], dtype=np.int64)
        if kind == "transfer":
            ledger.transfer(payers, payees, amount)
        elif kind == "pay_out":
            ledger.pay_out(payers, account, amount)
        else:
            ledger.pay_in(account, payees, amount)
        for payer, payee, c in zip(rows["payers"], rows["payees"], rows["cents"], strict=True):
            if kind in ("transfer", "pay_out"):
                cash[payer] -= c
            if kind in ("transfer", "pay_in"):
                cash[payee] += c
        assert ledger.total() == 0  # after every call, not only at the end
    assert ledger.cash.tolist() == cash  # every repeated trader's rows were all applied


def test_one_amount_for_several_payers_is_charged_to_each_and_conserved():
    ledger = Ledger(np.array([1000, 1000, 1000]))
    ledger.pay_out(np.array([0, 2]), "platform", 150)  # 150 from each of two traders
    assert ledger.cash.tolist() == [850, 1000, 850]
    assert ledger.accounts["platform"] == 300  # 2 x 150
    assert ledger.total() == 0


def test_unknown_account_is_refused_before_any_cash_moves():
    ledger = Ledger(np.array([1000]))
    with pytest.raises(KeyError, match="unknown account 'bank'"):
        ledger.pay_out(np.array([0]), "bank", np.array([5]))
    assert ledger.cash.tolist() == [1000]
