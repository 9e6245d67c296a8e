"""The sweeper checks one job of each kind before a sweep starts: jobs alike but for the numbers
given to plain keys compose once (that a bad override still stops a sweep is in test_sweep)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from hydra_plugins.sim_sweeper.one_of_each import one_of_each

GROUPS = {"strategy", "mix", "hydra/launcher"}


def is_group(key: str) -> bool:
    return key in GROUPS


def test_a_seed_sweep_is_checked_by_its_first_job() -> None:
    batch = [[f"seed={seed}"] for seed in range(300)]
    assert one_of_each(batch, is_group) == [["seed=0"]]


def test_every_group_choice_is_checked() -> None:
    batch = [[f"strategy={name}", f"seed={seed}"] for name in ("rfm", "full") for seed in range(3)]
    # seeds 0 to 2 are alike under rfm, and under full: the first job of each strategy
    assert one_of_each(batch, is_group) == [["strategy=rfm", "seed=0"], ["strategy=full", "seed=0"]]


def test_a_value_of_another_type_is_checked_on_its_own() -> None:
    batch = [["seed=0"], ["seed=1"], ["seed=abc"], ["days=2.5"], ["days=3"], ["days=4"]]
    # seed: int, int, str; days: float, int, int
    assert one_of_each(batch, is_group) == [["seed=0"], ["seed=abc"], ["days=2.5"], ["days=3"]]


def test_edits_lists_and_nulls_are_matched_as_written() -> None:
    batch = [["+extra=1"], ["+extra=2"], ["x=[1,2]"], ["x=[1,3]"], ["x=null"], ["x=null"]]
    expected = [["+extra=1"], ["+extra=2"], ["x=[1,2]"], ["x=[1,3]"], ["x=null"]]
    assert one_of_each(batch, is_group) == expected


def test_strings_are_matched_as_written() -> None:
    # on an int key '5' composes and abc does not, and ${seed} is an interpolation: no two
    # strings are alike, so each distinct one is checked
    batch = [["days='5'"], ["days=abc"], ["days=${seed}"], ["days=abc"]]
    assert one_of_each(batch, is_group) == batch[:3]


PLAIN_VALUES = st.one_of(
    st.integers(-5, 5), st.sampled_from([0.5, 2.5]), st.sampled_from(["abc", "x"]), st.booleans()
)
JOBS = st.lists(
    st.tuples(st.sampled_from(["rfm", "full", "nope"]), PLAIN_VALUES, PLAIN_VALUES),
    min_size=1,
    max_size=30,
)


def render(value: object) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


@given(JOBS)
def test_every_job_has_a_checked_job_of_its_kind(jobs: list[tuple]) -> None:
    batch = [[f"strategy={s}", f"seed={render(a)}", f"days={render(b)}"] for s, a, b in jobs]
    chosen = one_of_each(batch, is_group)
    # checked jobs are jobs of the batch, in its order, each of a kind of its own
    positions = [batch.index(job) for job in chosen]
    assert positions == sorted(positions) and positions[0] == 0

    def kind(job: tuple) -> tuple:
        # numbers and booleans by type, strings as written
        return tuple(v if isinstance(v, str) else type(v) for v in job)

    kinds = [kind(jobs[i]) for i in positions]
    assert len(set(kinds)) == len(kinds)
    assert {kind(job) for job in jobs} == set(kinds)
