"""Normalization: pure functions over single values, readable data tables, and their SQL twins.

Modules, one job each:

* `skills` - skill tokens and aliases (`skill_aliases.csv`);
* `seniority` - level from title rules (`seniority_rules.csv`) or years (`seniority_years.csv`);
* `companies` - company names without legal suffixes (`legal_suffixes.csv`);
* `identity` - normalized email and profile URL (SPEC 6.1);
* `signals` - not-open phrases, open-to-work flag, years of experience;
* `locations` - countries, regions and cities (pycountry + GeoNames), distances;
* `names` - first names for greetings;
* `enrich` - the step that turns the `rows` table into `people` with all of the above.

Every normalization that runs in SQL over all rows has a Python twin used for single values and by
the tests, which check that the two agree on random input.
"""
