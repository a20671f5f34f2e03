"""Ledger schema (SPEC 6.5) and its migrations.

The ledger is always reached as the catalog `ledger` (the file is ATTACHed under that name), so
the same SQL works in a build connection, a command's session, or an in-memory empty ledger.

Tables (version 1, and the columns later versions add):

- `meta(key, value)`: `application = planner-ledger` (tells a ledger from any DuckDB file) and
  `generation`, a counter every write transaction increments (a build checks it did not change
  between reading and recording).
- `schema_info(version, applied_at, tool_version)`: one row per applied migration.
- `runs`: one row per build or import. `status`: `pending` (a build announced its staged
  outputs, nothing counted yet), `committed`, `cancelled`, `aborted` (a pending run whose build
  died before committing; its staged files were removed). `outputs_placed` is false while a
  committed build's files are still in their staging directories.
- `run_outputs(run_id, campaign_id, staging_dir, out_dir)`: where a build stages and publishes.
- `run_campaigns`: the campaigns of a run with the caps they were planned under, and the
  validated campaign itself (`campaign_json`) so a past run can be exported again.
- `send_rows(run_id, campaign_id, position, person_key, row_json)`: each build's send list as
  written, one JSON object per recipient in send-list order (`planner export RUN_ID`);
  `planner ledger forget` deletes a person's rows.
- `persons(person_key, canonical_key, first_seq, first_seen)`: every recorded key. A key never
  changes; when a build proves two recorded keys are one human, the later one's
  `canonical_key` points to the earliest (`first_seq`) and caps count the touches of both.
- `identities(kind, value, person_key, first_seq)`: normalized email (`kind = 'email'`) or
  profile URL (`'url'`) -> the key it was first recorded with; one row per identifier, forever.
- `touches(run_id, person_key, campaign_id, touched_on, channel, sender_id, fit_score, status,
  step, counts_in_caps, variant)`: `status` is `counted` or `cancelled`. Imported touches may
  have no campaign. `step` (version 3) is 0 for a campaign's first message and k for its follow-up k
  (NULL, read as 0, for imported touches and those recorded before version 3);
  `counts_in_caps` is false for a follow-up of a campaign with `caps.followups_count: false`
  (the caps neither check nor count it; the guardrail still counts it as a message sent).
  `variant` (version 4) is the id of the `message.variants` entry the person was assigned (on
  their first message and each follow-up of the campaign); NULL without variants.
- `outcomes(run_id, person_key, campaign_id, outcome, outcome_on, email_hash, recorded_at,
  until_on)`: replies and refusals (`replied, interested, not_interested, not_now, opted_out,
  bounced`), written by `planner ledger import-outcomes` (run kind `outcomes`), read by the caps
  step (`suppressed`, `disinterest_cooldown`, `snoozed`), the guardrail and `planner ledger
  stats`. `until_on` (version 2) is set for `not_now` only: the first day the person may be
  contacted again. Only outcomes of committed
  runs count (cancelling an import withdraws them). `email_hash` is set for `bounced` only: the
  salted hash (see `forgotten`) of the address that bounced, never the address itself.
- `forgotten(kind, hash, person_key, forgotten_at)`: what `planner ledger forget` keeps of an
  erased person: `sha256(salt || ':' || kind || ':' || value)` of each of their identifiers
  (`email`, `url`) and former keys (`key`), pointing at the anonymous key their touches and
  outcomes were moved to. A candidate row whose identifier hashes to one of them is that person
  again, so an opt-out keeps suppressing and caps keep counting.

`meta` also holds `salt`: 32 random bytes (hex) made when the ledger is created, used by every
salted hash above; it never leaves the ledger, so the hashes match nothing outside it.

Only `runs` has a primary key: the writer lock serializes writers and inserts anti-join on the
natural keys, so the big tables carry no index to maintain or load.
"""

from __future__ import annotations

from typing import Final

APPLICATION: Final = "planner-ledger"
SCHEMA_VERSION: Final = 4

#: MIGRATIONS[v] turns a version v-1 ledger (0: empty) into version v.
MIGRATIONS: Final[dict[int, tuple[str, ...]]] = {
    1: (
        "CREATE TABLE ledger.meta (key VARCHAR NOT NULL, value VARCHAR NOT NULL)",
        """CREATE TABLE ledger.schema_info (
            version INTEGER NOT NULL, applied_at TIMESTAMP NOT NULL, tool_version VARCHAR)""",
        """CREATE TABLE ledger.runs (
            run_id VARCHAR PRIMARY KEY,
            seq BIGINT NOT NULL,
            kind VARCHAR NOT NULL,
            status VARCHAR NOT NULL,
            as_of DATE NOT NULL,
            created_at TIMESTAMP NOT NULL,
            committed_at TIMESTAMP,
            cancelled_at TIMESTAMP,
            outputs_placed BOOLEAN NOT NULL DEFAULT FALSE,
            touches BIGINT NOT NULL DEFAULT 0,
            tool_version VARCHAR,
            source VARCHAR,
            source_sha256 VARCHAR)""",
        """CREATE TABLE ledger.run_outputs (
            run_id VARCHAR NOT NULL, campaign_id VARCHAR NOT NULL,
            staging_dir VARCHAR NOT NULL, out_dir VARCHAR NOT NULL)""",
        """CREATE TABLE ledger.run_campaigns (
            run_id VARCHAR NOT NULL, campaign_id VARCHAR NOT NULL, campaign_sha256 VARCHAR,
            sender_id VARCHAR, channel VARCHAR, window_days INTEGER, max_touches INTEGER,
            exempt_min_score DOUBLE, recipients BIGINT NOT NULL, campaign_json VARCHAR)""",
        """CREATE TABLE ledger.send_rows (
            run_id VARCHAR NOT NULL, campaign_id VARCHAR NOT NULL, position BIGINT NOT NULL,
            person_key VARCHAR NOT NULL, row_json VARCHAR NOT NULL)""",
        """CREATE TABLE ledger.persons (
            person_key VARCHAR NOT NULL, canonical_key VARCHAR NOT NULL,
            first_seq BIGINT NOT NULL, first_seen DATE)""",
        """CREATE TABLE ledger.identities (
            kind VARCHAR NOT NULL, value VARCHAR NOT NULL, person_key VARCHAR NOT NULL,
            first_seq BIGINT NOT NULL)""",
        """CREATE TABLE ledger.touches (
            run_id VARCHAR NOT NULL, person_key VARCHAR NOT NULL, campaign_id VARCHAR,
            touched_on DATE NOT NULL, channel VARCHAR, sender_id VARCHAR, fit_score DOUBLE,
            status VARCHAR NOT NULL)""",
        """CREATE TABLE ledger.outcomes (
            run_id VARCHAR NOT NULL, person_key VARCHAR NOT NULL, campaign_id VARCHAR,
            outcome VARCHAR NOT NULL, outcome_on DATE NOT NULL, email_hash VARCHAR,
            recorded_at TIMESTAMP NOT NULL)""",
        """CREATE TABLE ledger.forgotten (
            kind VARCHAR NOT NULL, hash VARCHAR NOT NULL, person_key VARCHAR NOT NULL,
            forgotten_at TIMESTAMP NOT NULL)""",
        "INSERT INTO ledger.meta VALUES ('application', 'planner-ledger'), ('generation', '0')",
    ),
    # "Not now, check back later": the date a `not_now` outcome snoozes the person until.
    2: ("ALTER TABLE ledger.outcomes ADD COLUMN until_on DATE",),
    # Issue 21, follow-ups: the step of each touch (0 = first message, k = follow-up k; NULL for
    # touches recorded before, and imported ones: step 0) and whether it counts for the caps
    # (false only for follow-ups of a campaign with `caps.followups_count: false`).
    3: (
        "ALTER TABLE ledger.touches ADD COLUMN step INTEGER",
        "ALTER TABLE ledger.touches ADD COLUMN counts_in_caps BOOLEAN DEFAULT TRUE",
    ),
    # Issue 21, message variants: the id of the variant (`message.variants`) a touch sent, kept
    # by the person's follow-ups; NULL for campaigns without variants, imported touches and
    # those recorded before.
    4: ("ALTER TABLE ledger.touches ADD COLUMN variant VARCHAR",),
}

#: Touch and run statuses.
COUNTED: Final = "counted"
CANCELLED: Final = "cancelled"
PENDING: Final = "pending"
COMMITTED: Final = "committed"
ABORTED: Final = "aborted"
