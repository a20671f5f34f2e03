"""What outcomes do to later builds (SPEC 6.3): opted_out, not_interested, bounced."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planner.ledger.commands import cancel_run, import_outcomes
from tests.outcomes_support import days, dry_plan, real_build, write_campaign, write_csv
from tests.outcomes_support import write_people as people

D = date(2026, 3, 1)


@pytest.fixture()
def tmp(tmp_path: Path) -> Path:
    people(
        tmp_path / "people.csv",
        [
            ("jane", "Jane", "Doe", "jane@example.com", "linkedin.com/in/jane-doe", "Engineer"),
            ("omar", "Omar", "Haddad", "omar@example.com", None, "Engineer"),
        ],
    )
    return tmp_path


def _outcomes(tmp: Path, ledger: Path, rows: list[tuple[object, ...]], name: str = "o") -> str:
    path = write_csv(
        tmp / f"{name}.csv", ["email", "profile_url", "outcome", "date", "campaign"], rows
    )
    return str(import_outcomes(path, ledger)["run_id"])


def test_not_interested_blocks_every_campaign_for_disinterest_days(tmp: Path) -> None:
    ledger = tmp / "ledger.duckdb"
    a = write_campaign(tmp, "camp-a", ["people.csv"], disinterest=180)
    b = write_campaign(tmp, "camp-b", ["people.csv"], disinterest=180)
    real_build([a], ledger, days(D, -3), tmp / "out-a")
    # Jane says no to camp-a (by her URL, in another spelling) on D.
    _outcomes(
        tmp,
        ledger,
        [(None, "https://www.linkedin.com/in/Jane-Doe/", "not_interested", D, "camp-a")],
    )

    for day, blocked in ((1, True), (179, True), (180, False), (400, False)):
        planned = dry_plan([b], ledger, days(D, day))
        if blocked:
            row = planned.excluded["camp-b"]["jane"]
            assert row["reason"] == "disinterest_cooldown", day
            assert row["eligible_again_on"] == date(2026, 8, 28)  # D + 180
            assert row["detail"] == (
                "disinterest_cooldown: not interested on 2026-03-01; eligible again on 2026-08-28"
            )
            assert planned.recipients["camp-b"] == ["omar"]
        else:
            assert "jane" in planned.recipients["camp-b"], day
    # A campaign with a shorter cooldown uses its own.
    c = write_campaign(tmp, "camp-c", ["people.csv"], disinterest=30)
    assert "jane" in dry_plan([c], ledger, days(D, 30)).recipients["camp-c"]
    assert dry_plan([c], ledger, days(D, 29)).excluded["camp-c"]["jane"]["reason"] == (
        "disinterest_cooldown"
    )


def test_opted_out_is_suppressed_forever(tmp: Path) -> None:
    ledger = tmp / "ledger.duckdb"
    a = write_campaign(tmp, "camp-a", ["people.csv"])
    _outcomes(tmp, ledger, [("Omar@Example.com", None, "Unsubscribed", D, None)])
    for day in (0, 1, 365, 3650):
        row = dry_plan([a], ledger, days(D, day)).excluded["camp-a"]["omar"]
        assert (row["reason"], row["detail"]) == (
            "suppressed",
            "suppressed: opted out on 2026-03-01",
        )
        assert row["eligible_again_on"] is None


def test_cancelling_an_outcomes_import_withdraws_it(tmp: Path) -> None:
    ledger = tmp / "ledger.duckdb"
    a = write_campaign(tmp, "camp-a", ["people.csv"])
    run_id = _outcomes(tmp, ledger, [("omar@example.com", None, "opted_out", D, None)])
    assert dry_plan([a], ledger, D).excluded["camp-a"]["omar"]["reason"] == "suppressed"
    result = cancel_run(run_id, ledger)
    assert (result["kind"], result["status"], result["outcomes"]) == ("outcomes", "cancelled", 1)
    assert "omar" in dry_plan([a], ledger, D).recipients["camp-a"]


def test_bounced_blocks_that_address_for_the_email_channel_only(tmp: Path) -> None:
    ledger = tmp / "ledger.duckdb"
    email = write_campaign(tmp, "camp-mail", ["people.csv"], channel="email")
    inmail = write_campaign(tmp, "camp-inmail", ["people.csv"], channel="inmail")
    real_build([inmail], ledger, days(D, -10), tmp / "out-1")  # records Jane's email and URL
    _outcomes(tmp, ledger, [("JANE@example.com", None, "bounced", days(D, -5), "camp-inmail")])

    row = dry_plan([email], ledger, D).excluded["camp-mail"]["jane"]
    assert (row["reason"], row["detail"]) == (
        "suppressed",
        "suppressed: this email address bounced on 2026-02-24; the email channel cannot reach it",
    )
    assert dry_plan([email], ledger, D).recipients["camp-mail"] == ["omar"]
    # Other channels still reach her (another inmail campaign).
    other = write_campaign(tmp, "camp-inmail-2", ["people.csv"], channel="inmail")
    assert "jane" in dry_plan([other], ledger, D).recipients["camp-inmail-2"]
    # The same person with another address (recognized by her URL) can be emailed there.
    people(
        tmp / "people2.csv",
        [("jane2", "Jane", "Doe", "jane.new@example.net", "linkedin.com/in/jane-doe", "Eng")],
    )
    email2 = write_campaign(tmp, "camp-mail-2", ["people2.csv"], channel="email")
    assert dry_plan([email2], ledger, D).recipients["camp-mail-2"] == ["jane2"]
    # The ledger holds a salted hash of the bounced address, not the address.
    from tests.ledger_support import ledger_rows

    ((stored,),) = ledger_rows(ledger, "SELECT email_hash FROM outcomes")
    assert isinstance(stored, str) and len(stored) == 64 and "@" not in stored


def test_bounced_for_an_unknown_person_matches_later(tmp: Path) -> None:
    ledger = tmp / "ledger.duckdb"
    _outcomes(tmp, ledger, [("omar@example.com", None, "bounced", D, None)])
    email = write_campaign(tmp, "camp-mail", ["people.csv"], channel="email")
    assert dry_plan([email], ledger, days(D, 1)).recipients["camp-mail"] == ["jane"]


def _snoozes(tmp: Path, ledger: Path, rows: list[tuple[object, ...]], name: str = "s") -> str:
    path = write_csv(tmp / f"{name}.csv", ["email", "outcome", "date", "until", "after_days"], rows)
    return str(import_outcomes(path, ledger)["run_id"])


def test_not_now_snoozes_every_campaign_until_the_date_given(tmp: Path) -> None:
    ledger = tmp / "ledger.duckdb"
    a = write_campaign(tmp, "camp-a", ["people.csv"])
    # Jane: "check back in June"; Omar: "ask me again in 30 days".
    _snoozes(
        tmp,
        ledger,
        [
            ("jane@example.com", "Not now", D, "2026-06-01", None),
            ("omar@example.com", "not_now", D, None, 30),
        ],
    )
    for day, jane, omar in (
        (0, True, True),
        (29, True, True),
        (30, True, False),
        (92, False, False),
    ):
        planned = dry_plan([a], ledger, days(D, day))
        excluded = planned.excluded["camp-a"]
        assert ("jane" in excluded) is jane and ("omar" in excluded) is omar, day
        if jane:
            assert excluded["jane"]["reason"] == "snoozed"
            assert excluded["jane"]["eligible_again_on"] == date(2026, 6, 1)
            assert excluded["jane"]["detail"] == (
                "snoozed: not now on 2026-03-01; eligible again on 2026-06-01"
            )
            assert planned.funnel["camp-a"]["snoozed"] == 1 + omar
        if omar:
            assert excluded["omar"]["eligible_again_on"] == date(2026, 3, 31)  # D + 30
    # Any campaign, not only the one answered.
    b = write_campaign(tmp, "camp-b", ["people.csv"])
    assert dry_plan([b], ledger, days(D, 10)).recipients["camp-b"] == []


def test_not_now_without_a_date_is_90_days_and_cancel_lifts_it(tmp: Path) -> None:
    ledger = tmp / "ledger.duckdb"
    a = write_campaign(tmp, "camp-a", ["people.csv"])
    run_id = _snoozes(tmp, ledger, [("jane@example.com", "check back later", D, None, None)])
    row = dry_plan([a], ledger, days(D, 89)).excluded["camp-a"]["jane"]
    assert (row["reason"], row["eligible_again_on"]) == ("snoozed", date(2026, 5, 30))  # D + 90
    assert "jane" in dry_plan([a], ledger, days(D, 90)).recipients["camp-a"]
    from tests.ledger_support import ledger_rows

    assert ledger_rows(ledger, "SELECT outcome, outcome_on, until_on FROM outcomes") == [
        ("not_now", D, date(2026, 5, 30))
    ]
    cancel_run(run_id, ledger)
    assert "jane" in dry_plan([a], ledger, days(D, 1)).recipients["camp-a"]


@pytest.mark.parametrize(
    ("row", "problem"),
    [
        (
            ("jane@example.com", "replied", D, "2026-06-01", None),
            "until and after_days are only for the outcome not_now",
        ),
        (("jane@example.com", "not_now", D, "2026-06-01", 5), "give until or after_days, not both"),
        (("jane@example.com", "not_now", D, "June", None), "until is not a date (use YYYY-MM-DD)"),
        (("jane@example.com", "not_now", D, "2026-03-01", None), "until must be after the date"),
        (
            ("jane@example.com", "not_now", D, None, "soon"),
            "after_days must be a whole number of days from 1 to 3650",
        ),
        (
            ("jane@example.com", "not_now", D, None, 0),
            "after_days must be a whole number of days from 1 to 3650",
        ),
    ],
)
def test_not_now_bad_dates_refuse_the_file(
    tmp: Path, row: tuple[object, ...], problem: str
) -> None:
    from planner.errors import InputError

    ledger = tmp / "ledger.duckdb"
    with pytest.raises(InputError) as info:
        _snoozes(tmp, ledger, [("omar@example.com", "not_now", D, None, None), row])
    assert info.value.problems[1:] == [f"{tmp / 's.csv'}:3: {problem}"]
    assert not ledger.exists()  # nothing imported, not even the good row


snooze_rows = st.lists(
    st.tuples(
        st.sampled_from(["jane", "omar"]),
        st.integers(-120, 10),  # outcome day relative to D
        st.sampled_from(["until", "after", "default"]),
        st.integers(1, 150),
    ),
    min_size=1,
    max_size=4,
)


@settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(snooze_rows, st.integers(-30, 160))
def test_snooze_matches_a_reference_end_to_end(
    tmp_path_factory: pytest.TempPathFactory, rows: list[tuple[str, int, str, int]], day: int
) -> None:
    """Random "not now" imports, then a dry run at a random day: the reason and the date are
    those of the latest `until` (the reference), in every campaign."""
    tmp = tmp_path_factory.mktemp("snooze")
    people(
        tmp / "people.csv",
        [
            ("jane", "Jane", "Doe", "jane@example.com", None, "Engineer"),
            ("omar", "Omar", "Haddad", "omar@example.com", None, "Engineer"),
        ],
    )
    ledger = tmp / "ledger.duckdb"
    csv_rows: list[tuple[object, ...]] = []
    until: dict[str, date] = {}
    for who, on, how, n in rows:
        said = days(D, on)
        end = days(said, n if how != "default" else 90)
        given_until = end.isoformat() if how == "until" else None
        csv_rows.append(
            (f"{who}@example.com", "not_now", said, given_until, n if how == "after" else None)
        )
        until[who] = max(until.get(who, end), end)
    _snoozes(tmp, ledger, csv_rows)
    planned = dry_plan([write_campaign(tmp, "camp-a", ["people.csv"])], ledger, days(D, day))
    for who in ("jane", "omar"):
        if who in until and until[who] > days(D, day):
            row = planned.excluded["camp-a"][who]
            assert (row["reason"], row["eligible_again_on"]) == ("snoozed", until[who])
        else:
            assert who in planned.recipients["camp-a"]
