"""Money: every trader's cash and the accounts outside the traders, in integer cents.

Integer cents make conservation exact: a payment only ever moves cents from one place to another,
so the sum over traders and accounts stays what it was at the start (docs/model.md section 7.2).
Income enters from the `income` account, whose balance goes negative by what it has paid out.
"""

from __future__ import annotations

import numpy as np

from sim.state.arrays import scatter

# customs takes duty and VAT; payments, the payment provider, takes conversion fees; services
# takes what sellers pay for service better than the standard (sim/mechanisms/service_cost.py)
ACCOUNTS = (
    "income",
    "platform",
    "shipping",
    "customs",
    "payments",
    "suppliers",
    "marketing",
    "services",
)


def to_cents(amount: np.ndarray | float) -> np.ndarray:
    """Round reference-currency amounts to whole cents."""
    return np.round(np.asarray(amount, dtype=float) * 100.0).astype(np.int64)


class Ledger:
    """Cash by trader and balances of the outside accounts."""

    def __init__(self, initial_cash: np.ndarray) -> None:
        self.cash = np.asarray(initial_cash, dtype=np.int64).copy()
        self.accounts = dict.fromkeys(ACCOUNTS, 0)
        self.accounts["income"] = -int(self.cash.sum())

    def total(self) -> int:
        """Sum of all money in cents: zero at the start, and forever if money is conserved."""
        return int(self.cash.sum()) + sum(self.accounts.values())

    def transfer(self, payers: np.ndarray, payees: np.ndarray, cents: np.ndarray) -> None:
        """Move cents from trader to trader (repeated traders are summed, not overwritten)."""
        scatter(np.subtract, self.cash, payers, cents)
        scatter(np.add, self.cash, payees, cents)

    def pay_out(self, payers: np.ndarray, account: str, cents: np.ndarray | int) -> None:
        """Move cents (an amount per payer, or one amount for each) to an outside account."""
        cents = self._per_trader(payers, account, cents)
        scatter(np.subtract, self.cash, payers, cents)
        self.accounts[account] += int(cents.sum())

    def pay_in(self, account: str, payees: np.ndarray, cents: np.ndarray | int) -> None:
        """Move cents (an amount per payee, or one amount for each) from an outside account."""
        cents = self._per_trader(payees, account, cents)
        scatter(np.add, self.cash, payees, cents)
        self.accounts[account] -= int(cents.sum())

    def _per_trader(self, traders: np.ndarray, account: str, cents) -> np.ndarray:
        if account not in self.accounts:
            raise KeyError(f"unknown account {account!r}; accounts are {', '.join(ACCOUNTS)}")
        return np.broadcast_to(np.asarray(cents, dtype=np.int64), np.shape(traders))
