"""Names that are part of the contract (SPEC.md): reason codes, column orders, levels.

Everything else imports them from here so a name is spelled in one place only.
"""

from __future__ import annotations

from typing import Final

#: Reason codes in SPEC order: a row is excluded with the FIRST failing one.
REASONS: Final[tuple[str, ...]] = (
    "invalid_row",
    "duplicate_row",
    "suppressed",
    "already_in_ats",
    "not_open",
    "company_excluded",
    "off_limits",
    "skills_missing",
    "title_mismatch",
    "title_excluded",
    "seniority_mismatch",
    "experience_out_of_range",
    "location_mismatch",
    "not_open_to_work",
    "below_min_score",
    "disinterest_cooldown",
    "snoozed",
    "followup_not_due",
    "already_contacted_for_campaign",
    "frequency_cap",
    "assigned_to_other_campaign",
    "over_limit",
    "insufficient_personalization",
    "guardrail",
)

#: The SQL type of a reason column in a build's working tables: an ENUM of REASONS, one byte a
#: row where a string took up to 40 (25 campaigns over 1M rows are 25M decision and segment
#: rows, which the memory budget must hold). Compared and assigned as text; read out as VARCHAR.
REASON_SQL_TYPE: Final[str] = "ENUM(" + ", ".join(f"'{code}'" for code in REASONS) + ")"

#: Seniority levels (SPEC 5.3), lowest to highest.
LEVELS: Final[tuple[str, ...]] = (
    "intern",
    "junior",
    "mid",
    "senior",
    "staff",
    "principal",
    "manager",
    "director",
    "vp",
    "executive",
)

#: Canonical candidate fields (SPEC 3).
CANONICAL_FIELDS: Final[tuple[str, ...]] = (
    "candidate_id",
    "first_name",
    "last_name",
    "full_name",
    "email",
    "profile_url",
    "title",
    "headline",
    "company",
    "location",
    "city",
    "region",
    "country",
    "skills",
    "years_experience",
    "open_to_work",
    "summary",
    "seniority_level",
)

#: send_list.csv columns, in order (SPEC 8).
SEND_LIST_COLUMNS: Final[tuple[str, ...]] = (
    "run_id",
    "campaign_id",
    "person_key",
    "candidate_id",
    "first_name",
    "last_name",
    "full_name",
    "email",
    "profile_url",
    "current_title",
    "current_company",
    "city",
    "country",
    "seniority",
    "years_experience",
    "matched_skills",
    "top_skill",
    "fit_score",
    "reasons",
    "subject",
    "message",
    "personal_fields",
    "personal_share",
    "step",
    "variant",
)

#: excluded.csv columns, in order (SPEC 8).
EXCLUDED_COLUMNS: Final[tuple[str, ...]] = (
    "campaign_id",
    "person_key",
    "candidate_id",
    "full_name",
    "reason",
    "detail",
    "eligible_again_on",
)

#: rejects.csv columns, in order.
REJECT_COLUMNS: Final[tuple[str, ...]] = ("file", "line", "error", "column")

#: Export formats (SPEC 8).
FORMATS: Final[tuple[str, ...]] = (
    "csv",
    "jsonl",
    "parquet",
    "greenhouse",
    "lever",
    "ashby",
    "linkedin_recruiter",
)

#: Multi-value fields are joined with this in send_list.csv.
LIST_JOINER: Final[str] = "; "
