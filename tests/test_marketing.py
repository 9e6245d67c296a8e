"""Marketing strategies do what the domain says: each component checked on its own and in a run."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.config import CHANNEL_NAMES, STAGES, BudgetConfig, ChannelConfig, TimingConfig
from sim.config.vocabulary import PROMOTIONS
from sim.marketing.budget import Budget, by_seller_best_first
from sim.marketing.channels import ChannelChoice, ChannelTable, ThompsonChannels
from sim.marketing.customers import CustomerBook, stages
from sim.marketing.segmentation import KeptLabels
from sim.marketing.timing import NEVER, Timing, event_starts
from sim.mechanisms.shopping import Offered
from sim.simulation.model import MarketModel
from sim.simulation.run import simulate
from sim.state.beliefs import variance
from sim.state.holdout import in_holdout
from tests.helpers import run_model, small_config


def contacts_of(result) -> pd.DataFrame:
    return result.events[result.events["kind"] == "contact"]


# --- promotions --------------------------------------------------------------------------------


def test_a_sample_narrows_the_receiving_buyers_belief() -> None:
    model = run_model(small_config("strategy=rfm", "strategy/promotion=sample", days=30))
    campaign, r = model.marketing.strategies[0], model.state.relations
    book = CustomerBook.of(r, model.traders.is_seller)
    assert len(book) > 0
    before = variance(*model.state.beliefs.of(book.buyer, book.seller, book.slot))
    campaign._send_samples(book, np.ones(len(book), bool), np.ones(len(book), bool))
    after = variance(*model.state.beliefs.of(book.buyer, book.seller, book.slot))
    # a sample adds sample_weight = 4 pseudo-observations: the Beta variance must fall
    assert (after < before).all()


def test_a_coupon_lowers_the_landed_price_by_its_discount() -> None:
    model = MarketModel(small_config(n_traders=300, days=5))
    t = model.traders
    buyer = np.flatnonzero(~t.is_seller)[:1]
    seller = np.flatnonzero(t.is_seller)[:1]
    candidates, slots = seller[None, :], np.full((1, 1), -1)
    offers = {}
    for share in (0.0, 0.2):
        offered = Offered.nothing(1)
        offered.seller[:] = seller
        offered.promotion[:] = PROMOTIONS.index("coupon")
        offered.discount_share[:] = share
        _, extra = model.shopping._features(
            0, buyer, np.zeros(1, dtype=np.int64), candidates, slots, np.ones((1, 1), bool), offered
        )
        offers[share] = extra
    # 20% off: the price falls to 0.8 of the list price, and the discount is the other 0.2
    assert offers[0.2]["price"][0, 0] == pytest.approx(0.8 * offers[0.0]["price"][0, 0])
    assert offers[0.2]["discount"][0, 0] == pytest.approx(0.2 * offers[0.0]["price"][0, 0])


def test_coupon_cost_is_booked_only_when_redeemed() -> None:
    result = simulate(small_config("strategy=segmented", n_traders=2000, days=120))
    orders, sent = result.orders, contacts_of(result)
    coupons = orders[orders["promotion"] == "coupon"]
    assert len(coupons) > 0 and (coupons["discount"] > 0).all()
    assert (orders.loc[orders["promotion"] != "coupon", "discount"] == 0).all()
    assert (sent["tool"] == "coupon").sum() > len(coupons)  # most coupons are never redeemed
    window = orders["day"] >= result.summary["warm_up_days"]
    contact_cost = sent.loc[sent["day"] >= result.summary["warm_up_days"], "value"].sum()
    expected = contact_cost + orders.loc[window, "discount"].sum()
    assert result.summary["marketing_cost"] == pytest.approx(expected)


# --- who is contacted, and how often -------------------------------------------------------------


def test_holdout_customers_receive_no_contact() -> None:
    config = small_config("strategy=rfm", "strategy.holdout_share=0.3", n_traders=2000, days=120)
    model = run_model(config)
    result_events = model.state.events
    kind = result_events.view("kind")
    contact = kind == 4  # sim.logs.EVENT_KINDS.index("contact")
    buyers, sellers = result_events.view("other")[contact], result_events.view("trader")[contact]
    assert len(buyers) > 100
    assert not in_holdout(buyers, sellers, 0.3, model.state.holdout_salt).any()
    # ... while a holdout exists among the customers the sellers know
    book = CustomerBook.of(model.state.relations, model.traders.is_seller)
    held = in_holdout(book.buyer, book.seller, 0.3, model.state.holdout_salt)
    assert 0.2 < held.mean() < 0.4


def test_a_spend_cap_in_fractions_of_a_cent_is_cut_to_the_cent_below() -> None:
    # 4.515625 USD is 451.5625 cents: 451 may be spent, not 452; 0.29 USD is 29 cents even
    # though 0.29 * 100 is 28.999999999999996 in floating point
    assert Budget(BudgetConfig(spend_cap=4.515625), 1).cap == 451
    assert Budget(BudgetConfig(spend_cap=0.29), 1).cap == 29
    assert Budget(BudgetConfig(spend_cap=25.0), 1).cap == 2500


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    strategy=st.sampled_from(["segmented", "rfm", "personalized", "full"]),
    spend_cap=st.floats(0.0, 5.0),
    frequency_cap=st.integers(0, 3),
    period_days=st.integers(1, 20),
    seed=st.integers(0, 1000),
)
def test_budgets_and_frequency_caps_are_never_exceeded(
    strategy: str, spend_cap: float, frequency_cap: int, period_days: int, seed: int
) -> None:
    config = small_config(f"strategy={strategy}", n_traders=600, days=50)
    config.seed = seed
    config.strategy.budget.spend_cap = spend_cap
    config.strategy.budget.frequency_cap = frequency_cap
    config.strategy.budget.period_days = period_days
    sent = contacts_of(simulate(config))
    period = sent["day"] // period_days
    spend = sent.groupby([sent["trader"], period])["value"].sum()
    assert (spend <= spend_cap + 1e-9).all()
    per_customer = sent.groupby([sent["trader"], sent["other"], period]).size()
    assert (per_customer <= frequency_cap).all()


# --- channels ------------------------------------------------------------------------------------


def test_by_stage_uses_the_mapped_channel_for_each_stage() -> None:
    config = ChannelConfig(kind="by_stage")
    table = ChannelTable.from_config(small_config().platform.channels)
    choice = ChannelChoice(config, table, None)
    stage = np.arange(len(STAGES))
    chosen = choice.choose(np.zeros(len(STAGES), int), np.zeros(len(STAGES), int), stage, None)
    assert [CHANNEL_NAMES[c] for c in chosen] == [config.by_stage[s] for s in STAGES]


def test_instant_messengers_need_a_prior_relationship() -> None:
    table = ChannelTable.from_config(small_config().platform.channels)
    choice = ChannelChoice(ChannelConfig(kind="fixed", fixed="whatsapp"), table, None)
    stage = np.array([STAGES.index("prospect"), STAGES.index("loyal")])
    chosen = choice.choose(np.zeros(2, int), np.zeros(2, int), stage, None)
    assert [CHANNEL_NAMES[c] for c in chosen] == ["edm", "whatsapp"]  # a prospect gets e-mail


def test_learned_channels_converge_to_the_best_channel() -> None:
    rng = np.random.default_rng(5)
    bandit = ThompsonChannels(n_traders=1, n_segments=2)
    response = np.array([[0.02, 0.05, 0.15, 0.08], [0.20, 0.05, 0.02, 0.02]])  # per segment
    allowed = np.ones((50, len(CHANNEL_NAMES)), bool)
    picks = {0: [], 1: []}
    for _ in range(60):
        for segment in (0, 1):
            seg = np.full(50, segment)
            channel = bandit.choose(np.zeros(50, int), seg, allowed, rng)
            bandit.update(
                np.zeros(50, int), seg, channel, rng.random(50) < response[segment, channel]
            )
            picks[segment].append(channel)
    late = {s: np.concatenate(picks[s][-10:]) for s in picks}
    # the best arm of segment 0 is skype (0.15), of segment 1 on-site (0.20)
    assert (late[0] == CHANNEL_NAMES.index("skype")).mean() > 0.8
    assert (late[1] == CHANNEL_NAMES.index("onsite")).mean() > 0.8


# --- timing --------------------------------------------------------------------------------------


def test_life_cycle_stages_follow_frequency_then_lateness() -> None:
    # at_risk after 60 quiet days, churned after 180; recency counts days since the last order
    timing = TimingConfig(at_risk_days=60, churned_days=180)
    orders = np.array([0, 0, 1, 1, 2, 3, 4, 9, 4, 1, 2, 9, 1, 4])
    recency = np.array([5, 400, 10, 60, 30, 60, 1, 60, 61, 180, 180, 181, 500, 250])
    expected = ["prospect", "prospect", "new", "new", "active", "active", "loyal", "loyal"]
    expected += ["at_risk", "at_risk", "at_risk", "churned", "churned", "churned"]
    assert [STAGES[s] for s in stages(orders, recency, timing)] == expected


def test_calendar_timing_contacts_in_the_days_before_festivals_and_sales() -> None:
    boost = np.ones((1, 365))
    boost[0, 100:103] = 2.0  # a festival starting on day 100
    timing = Timing(TimingConfig(kind="calendar", lead_days=3), boost)
    loyal = np.array([STAGES.index("loyal")])
    due = [
        bool(
            timing.due(
                d,
                loyal,
                np.array([3]),
                np.array([0]),
                np.array([50]),
                np.array([10]),
                np.array([0]),
            )[0]
        )
        for d in range(90, 105)
    ]
    # due on days 97, 98 and 99: one to three days before the start, never on or after it
    assert [d for d, ok in zip(range(90, 105), due, strict=True) if ok] == [97, 98, 99]


def test_a_calendar_campaign_sends_its_contacts_before_events() -> None:
    config = small_config("strategy=rfm", "strategy/timing=calendar", n_traders=2000, days=200)
    model = run_model(config)
    log = model.state.events
    contact = log.view("kind") == 4
    day, buyer = log.view("day")[contact], log.view("other")[contact]
    seller = log.view("trader")[contact]
    country = model.traders.country[buyer]
    starts = event_starts(model.world.festival_boost)
    lead = config.strategy.timing.lead_days
    ahead = np.zeros(len(day), bool)
    for k in range(1, lead + 1):
        ahead |= starts[country, (day + k) % 365]
    welcome = ~ahead  # the only other contacts are one-off welcomes to prospects
    assert ahead.sum() > 100
    assert ahead.mean() > 0.5
    pairs = buyer[welcome].astype(np.int64) * len(model.traders) + seller[welcome]
    assert len(np.unique(pairs)) >= 0.95 * welcome.sum()  # once per customer and seller


# --- segmentation and products -------------------------------------------------------------------


def test_kmeans_recovers_hidden_types_when_signals_are_clean_and_degrades_with_noise() -> None:
    def accuracy(noise: float) -> float:
        config = small_config(
            "strategy=segmented",
            "strategy/promotion=coupon",  # one tool: response rates read the customer, not it
            f"platform.behaviour_noise={noise}",
            n_traders=3000,
            days=100,
        )
        return simulate(config).summary["segmentation_accuracy"]

    clean, noisy = accuracy(0.05), accuracy(2.0)
    assert clean > 0.2  # adjusted Rand index: 0 is chance (0.27 on this market)
    assert noisy < 0.5 * clean


def test_tag_matching_raises_the_match_score_of_orders() -> None:
    def offer_match(product: str) -> float:
        config = small_config(
            "strategy=segmented", f"strategy/product={product}", n_traders=5000, days=200
        )
        orders = simulate(config).orders
        return orders.loc[orders["promotion"] != "none", "match"].mean()

    assert offer_match("tag_matching") > offer_match("bestseller") + 0.01


# --- mixes ---------------------------------------------------------------------------------------


def test_half_the_sellers_on_a_strategy_are_reported_against_the_other_half() -> None:
    result = simulate(small_config("strategy=rfm", "strategy.share=0.5", n_traders=2000, days=120))
    groups = result.summary["groups"]
    assert set(groups) == {"no_marketing", "rfm"}
    sellers = groups["rfm"]["sellers"] + groups["no_marketing"]["sellers"]
    assert 0.35 < groups["rfm"]["sellers"] / sellers < 0.65
    assert groups["no_marketing"]["contacts"] == 0 and groups["rfm"]["contacts"] > 0
    traders = result.traders.set_index("trader")
    senders = traders.loc[contacts_of(result)["trader"].unique(), "group"]
    assert (senders == "rfm").all()


def test_two_strategies_share_one_market_and_are_reported_per_group() -> None:
    result = simulate(small_config("mix=rfm_vs_personalized", n_traders=2000, days=120))
    groups = result.summary["groups"]
    assert set(groups) == {"rfm", "personalized"}  # shares 0.5 + 0.5: no seller is left out
    traders = result.traders.set_index("trader")
    sent = contacts_of(result)
    sender_group = traders.loc[sent["trader"], "group"].to_numpy()
    # rfm sends segment codes of RFM tiers, personalized of k-means clusters
    rfm_segments = set(sent.loc[sender_group == "rfm", "segment"].astype(str))
    personalized_segments = set(sent.loc[sender_group == "personalized", "segment"].astype(str))
    assert rfm_segments and all(not s.startswith("cluster_") for s in rfm_segments)
    assert personalized_segments and all(s.startswith("cluster_") for s in personalized_segments)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 4), st.integers(0, 900), st.floats(0, 1)),
        min_size=0,
        max_size=80,
    ),
    st.lists(st.integers(0, 2500), min_size=5, max_size=5),
    st.integers(0, 1000),
)
def test_the_budget_cut_is_each_sellers_best_ranked_prefix_within_its_cap(
    rows: list[tuple[int, int, float]], spent: list[int], dearest_extra: int
) -> None:
    """Whether a seller's records all fit or its budget binds, `spend` keeps, per seller, its
    records in order of priority until the next one would overrun the cap, with their costs;
    it prices each record at most once, and past a seller's cut only what the round that
    reached the cut priced."""
    sellers = np.array([r[0] for r in rows], dtype=np.int64)
    cost = np.array([r[1] for r in rows], dtype=np.int64)
    priority = np.array([r[2] for r in rows]) + 1e-9 * np.arange(len(rows))  # no exact ties
    budget = Budget(BudgetConfig(spend_cap=25.0, frequency_cap=2), 5)
    budget.spent[:] = spent
    expected, spend = [], np.array(spent)
    for seller in range(5):
        for i in sorted(np.flatnonzero(sellers == seller), key=lambda i: -priority[i]):
            if spend[seller] + cost[i] > 2500:
                break
            spend[seller] += cost[i]
            expected.append(i)
    asked: list[int] = []

    def price(rows: np.ndarray) -> np.ndarray:
        asked.extend(rows.tolist())
        return cost[rows]

    dearest = int(cost.max(initial=0)) + dearest_extra  # any bound on the costs
    chosen = budget.spend(sellers, priority, dearest, price)
    assert chosen.rows.tolist() == sorted(expected)
    assert chosen.cost.tolist() == cost[sorted(expected)].tolist()
    assert budget.spent.tolist() == spend.tolist()
    assert len(asked) == len(set(asked))  # each record's offer is drawn once
    assert set(expected) <= set(asked)


def test_offers_are_drawn_for_the_records_a_seller_can_pay_not_all_it_could_at_the_cheapest():
    """A seller with 10,000 due records and room for 2,500 cents of 1-cent contacts, whose
    contacts cost 25 cents: about 100 are contacted, and offers are drawn for not many more
    (the rounds follow the mean cost), not for the 2,500 it could pay at the cheapest."""
    n = 10_000
    sellers, priority = np.zeros(n, dtype=np.int64), np.linspace(1.0, 0.0, n)
    asked: list[int] = []

    def price(rows: np.ndarray) -> np.ndarray:
        asked.extend(rows.tolist())
        return np.full(len(rows), 25, dtype=np.int64)

    chosen = Budget(BudgetConfig(spend_cap=25.0), 1).spend(sellers, priority, 430, price)
    assert chosen.rows.tolist() == list(range(100))  # the 100 best-ranked
    assert 100 < len(asked) <= 2 * 100


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 70_000), st.sampled_from([0.1, 0.25, 0.5, 1.0])), max_size=80)
)
def test_ranking_by_seller_then_priority_matches_lexsort(rows: list[tuple[int, float]]) -> None:
    """Sellers with large numbers, and equal priorities, which must keep their row order."""
    sellers = np.array([r[0] for r in rows], dtype=np.int64)
    priority = np.array([r[1] for r in rows])
    expected = np.lexsort((-priority, sellers))
    assert by_seller_best_first(sellers, priority).tolist() == expected.tolist()
    levels = np.round(priority * 4).astype(np.int64)  # whole-number levels take the radix path
    expected = np.lexsort((-levels, sellers))
    assert by_seller_best_first(sellers, levels).tolist() == expected.tolist()


def test_ranking_with_more_sellers_than_16_bits_number_matches_lexsort() -> None:
    rng = np.random.default_rng(1)
    sellers = rng.permutation(50_000).repeat(2)  # 50,000 sellers: numbered past 2**15
    priority = rng.choice([0.2, 0.4, 0.6], len(sellers))  # ties, kept in row order
    expected = np.lexsort((-priority, sellers))
    assert np.array_equal(by_seller_best_first(sellers, priority), expected)


# --- the due index -------------------------------------------------------------------------------


@dataclass
class TimingCase:
    """Two records alike but for their country (country 1 has no festival at all), unchanged
    from `start` on, under a drawn timing rule."""

    config: TimingConfig
    timing: Timing
    record: tuple  # orders, first day, last day, last contact
    country: np.ndarray
    start: int

    def stage(self, day: int) -> np.ndarray:
        orders, _, last_day, _ = self.record
        return stages(orders, np.where(orders > 0, day - last_day, day + 1), self.config)

    def due(self, day: int) -> np.ndarray:
        return self.timing.due(day, self.stage(day), *self.record, self.country)


@st.composite
def timing_cases(draw) -> TimingCase:
    at_risk = draw(st.integers(1, 60))
    config = TimingConfig(
        kind=draw(st.sampled_from(["cadence", "lifecycle", "calendar", "combined"])),
        cadence_days=draw(st.integers(1, 40)),
        lead_days=draw(st.integers(1, 10)),
        repurchase_days=draw(st.floats(1.0, 60.0)),
        at_risk_days=at_risk,
        churned_days=at_risk + draw(st.integers(1, 120)),  # the schema wants more than at_risk
    )
    start = draw(st.integers(0, 150))
    # a festival soon after `start` as often as anywhere in the year
    festival = (start + draw(st.one_of(st.integers(0, 15), st.integers(0, 364)))) % 365
    boost = np.ones((2, 365))
    boost[0, festival : festival + draw(st.integers(1, 3))] = 2.0
    orders, first = draw(st.integers(0, 6)), draw(st.integers(0, 50))
    first_day = np.array([first if orders else -1] * 2)
    last_day = np.array([first + draw(st.integers(0, 60)) if orders else -1] * 2)
    contact = np.array([draw(st.integers(-1, 120))] * 2)
    record = (np.array([orders] * 2), first_day, last_day, contact)
    return TimingCase(config, Timing(config, boost), record, np.array([0, 1]), start)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(timing_cases())
def test_next_due_is_the_first_day_on_which_due_holds(case: TimingCase) -> None:
    # a record unchanged from `start` on: next_due names the first day due holds, or NEVER when
    # it holds on none of the next two years (every rule's windows repeat within a year)
    start = case.start
    due_days = [[d for d in range(start, start + 730) if case.due(d)[b]] for b in range(2)]
    got = case.timing.next_due(start, *case.record, case.country)
    for buyer in range(2):
        if not due_days[buyer]:
            assert got[buyer] == NEVER or got[buyer] >= start + 730
        else:
            assert got[buyer] == due_days[buyer][0]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(timing_cases())
def test_due_until_is_a_day_through_which_due_holds_every_day(case: TimingCase) -> None:
    # a record unchanged from `start` on: due holds on every day from start through due_until
    # (which the due index lets it pass unread), and due_until is start - 1 when it is not due
    start = case.start
    until = case.timing.due_until(start, case.stage(start), *case.record, case.country)
    today = case.due(start)
    for buyer in range(2):
        assert (until[buyer] >= start) == today[buyer]
        for d in range(start, int(min(until[buyer], start + 730)) + 1):
            assert case.due(d)[buyer], (buyer, d, until[buyer])


def test_due_until_of_a_repurchase_window_is_its_expected_day() -> None:
    # two orders, on days 10 and 30: a mean gap of 20, the next expected on day 50, due on the
    # 5 days before it and on it (45 to 50); on day 46, never contacted and not yet at risk
    # (16 days since the last order, fewer than 30), the window is all that holds: through 50
    config = TimingConfig(kind="lifecycle", lead_days=5, at_risk_days=30, churned_days=90)
    timing = Timing(config, np.ones((1, 365)))
    orders, first, last, contact = np.array([2]), np.array([10]), np.array([30]), np.array([-1])
    stage = stages(orders, 46 - last, config)
    assert timing.due_until(46, stage, orders, first, last, contact, np.array([0]))[0] == 50
    assert timing.due_until(44, stage, orders, first, last, contact, np.array([0]))[0] == 43


def test_due_until_before_a_festival_is_the_day_before_it_starts() -> None:
    # a festival from day 100, 3 days' lead: due (calendar) on days 97, 98 and 99, for a customer
    # last contacted on day 50 (more than the lead ago); on day 97 it holds through day 99
    config = TimingConfig(kind="calendar", lead_days=3)
    boost = np.ones((1, 365))
    boost[0, 100:102] = 2.0
    timing = Timing(config, boost)
    orders, first, last, contact = np.array([1]), np.array([20]), np.array([20]), np.array([50])
    stage = stages(orders, 97 - last, config)
    assert timing.due_until(97, stage, orders, first, last, contact, np.array([0]))[0] == 99


@pytest.mark.parametrize(
    "overrides",
    [
        ["strategy=full"],  # combined timing
        ["strategy=rfm", "strategy.budget.spend_cap=2"],  # lifecycle; a cap leaves some unsent
        ["strategy=segmented", "strategy.budget.spend_cap=2"],  # cadence
        ["strategy=full", "strategy/timing=calendar"],
    ],
)
def test_the_due_index_screens_exactly_what_a_scan_of_every_book_would(overrides) -> None:
    # each day, the records that pass a campaign's screens through its due index, letting the
    # records that passed unchanged and are still due pass unread, are those a full scan of its
    # sellers' books, reading every record afresh, would have passed: due, affordable, under
    # the cap, reachable
    config = small_config(*overrides, n_traders=3000, days=160)
    model = MarketModel(config)
    campaign = model.marketing.strategies[0]
    passing = campaign._passing
    checked, carried = [], []

    def both(day, in_group, cheapest, period):
        t = model.state.traders
        scan = CustomerBook.of(model.state.relations, t.is_seller & (t.group == campaign.group))
        index = campaign.due
        kept = (index.next_read, index.passes_until)
        saved = [array.copy() for array in kept]
        index.passes_until[:] = -1  # nothing passes unread: every record is read afresh
        full = campaign._screen(scan, day, cheapest, period)
        for array, before in zip(kept, saved, strict=True):
            array[:] = before
        result, unread = passing(day, in_group, cheapest, period)
        assert np.array_equal(result.flat, full.flat)
        assert np.array_equal(result.seller, full.seller)
        checked.append(len(result))
        carried.append(int(unread.sum()))
        return result, unread

    campaign._passing = both
    for _ in range(config.days):
        model.step()
    assert sum(checked) > 1000 and sum(carried) > 500  # records to compare, some passed unread


def test_the_due_index_gathers_what_a_scan_of_every_record_would() -> None:
    # a day's read gathers its records from those kept by the day they wait for, the
    # relations' change feed and the records standing or held from the last read: exactly the
    # records whose day has come, that changed since the last read, that stand or are held, in
    # flat order, as a scan of every record's next-read and changed days and of the two lists
    # finds; those it lets pass unread stand unchanged, still passing, and those it holds are
    # of sellers buying today
    config = small_config("mix=rfm_vs_personalized", n_traders=3000, days=160)
    model = MarketModel(config)
    checked, unread, kept_aside = [], [], []
    for campaign in model.marketing.strategies:
        index, read = campaign.due, campaign.due.today

        def both(day, in_group, selling, affords, index=index, read=read):
            changed = model.state.relations.changed_day.ravel() >= index.last_read
            scan = (index.next_read <= day) | changed
            scan[index.standing.flat] = scan[index.held.flat] = True
            scan = np.flatnonzero(scan)
            seller = model.state.relations.seller.ravel()[scan]
            scan = scan[(seller >= 0) & in_group[np.maximum(seller, 0)]]
            scan = scan[selling[model.state.relations.seller.ravel()[scan]]]
            standing = index.standing
            book, carried = read(day, in_group, selling, affords)
            assert np.array_equal(np.union1d(book.flat, carried.flat), scan)
            assert not np.intersect1d(book.flat, carried.flat).size
            stood = np.searchsorted(standing.flat, carried.flat)
            assert np.array_equal(standing.flat[stood], carried.flat)
            assert not changed[carried.flat].any() and (carried.until >= day).all()
            assert affords(carried.seller).all()
            held = index.held  # the group's, their sellers buying today
            assert in_group[held.seller].all() and not selling[held.seller].any()
            checked.append(len(book) + len(carried))
            unread.append(len(carried))
            kept_aside.append(len(held))
            return book, carried

        index.today = both
    for _ in range(config.days):
        model.step()
    assert len(checked) == 2 * config.days and sum(checked) > 1000
    assert sum(unread) > 100 and sum(kept_aside) > 100


def test_kept_kmeans_labels_are_those_a_daily_relabelling_gives() -> None:
    # a k-means label depends on the record and the fit alone, so keeping it until either
    # changes gives each day the labels that labelling every screened record afresh would
    config = small_config("strategy=full", n_traders=3000, days=160)
    model = MarketModel(config)
    campaign = model.marketing.strategies[0]
    kept = campaign.kept
    checked = []

    def both(book, changed_day, day, observe, unchanged=None):
        fresh = campaign.segmentation.labels(observe(book, day), day)
        labels = KeptLabels.of(kept, book, changed_day, day, observe, unchanged)
        assert np.array_equal(labels, fresh)
        checked.append(len(book))
        return labels

    kept.of = both
    for _ in range(config.days):
        model.step()
    assert campaign.segmentation.fitted_on > 0 and sum(checked) > 1000
