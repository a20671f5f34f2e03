"""Seeded synthetic data for the benchmarks (SPEC 10): candidates CSV, past touches, campaigns.

    python -m benchmarks.generate --rows 1000000 --seed 1 --out bench/candidates.csv \\
        --ledger-touches 1000000 --ledger-out bench/touches.csv \\
        --campaigns 25 --campaigns-dir bench/campaigns

Every value is a pure function of (seed, row index): a counter-based generator (splitmix64 over
the row index, one stream per field) evaluated as Polars expressions, so a chunk of rows is built
without a per-row Python loop, the output is byte-identical for a seed whatever the chunk size,
and the touches file can name people of the candidate file without re-generating it.

What the rows look like (all rates are per row, approximate):
- names with unicode, credentials, pronouns and emoji (~10% decorated); ~2% of rows are a
  duplicate of another person and share their email and/or profile URL (URL variants included);
- titles over every seniority, families (data, backend, frontend, devops, ml, mobile, qa,
  leadership, other); skills drawn from the title's family, with alias spellings, `;`-separated;
- free-text locations in LinkedIn's styles from a fixed gazetteer (bounded distinct count);
- years as ints, `N+` or empty; open_to_work true/false/empty; summaries, a few saying
  "not open to opportunities" / "no recruiters please", a few spanning lines;
- `--bad-share` of rows with the wrong column count (too few or too many fields).
Emails use reserved example domains only (RFC 2606 / RFC 6761).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
import time
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import polars as pl
import yaml

#: Header of the generated candidate CSV (snake_case canonical fields, SPEC 3).
HEADER: tuple[str, ...] = (
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
    "country",
    "skills",
    "years_experience",
    "open_to_work",
    "summary",
)

#: Header of the touches file, in the shape of `planner ledger import-touches`.
TOUCH_HEADER: tuple[str, ...] = ("email", "profile_url", "date", "campaign_id", "channel")

DEFAULT_AS_OF = dt.date(2026, 11, 1)
DEFAULT_CHUNK_ROWS = 500_000

# --------------------------------------------------------------------------------------------
# Vocabularies. Weights are relative; lists are ordered roughly from common to rare.
# --------------------------------------------------------------------------------------------

#: (display, ascii slug) - slugs build emails and profile URLs.
FIRST_NAMES: tuple[tuple[str, str], ...] = (
    ("Anna", "anna"), ("Lukas", "lukas"), ("Lena", "lena"), ("Jonas", "jonas"),
    ("Maximilian", "maximilian"), ("Sophie", "sophie"), ("Paul", "paul"), ("Marie", "marie"),
    ("Felix", "felix"), ("Laura", "laura"), ("Thomas", "thomas"), ("Julia", "julia"),
    ("Michael", "michael"), ("Sarah", "sarah"), ("David", "david"), ("Emma", "emma"),
    ("James", "james"), ("Olivia", "olivia"), ("Daniel", "daniel"), ("Hannah", "hannah"),
    ("Jan", "jan"), ("Katarzyna", "katarzyna"), ("Łukasz", "lukasz"),
    ("Małgorzata", "malgorzata"), ("Piotr", "piotr"), ("José", "jose"), ("María", "maria"),
    ("Ana María", "ana-maria"), ("Javier", "javier"), ("Lucía", "lucia"), ("João", "joao"),
    ("Zoë", "zoe"), ("Chloé", "chloe"), ("François", "francois"), ("Jean-Luc", "jean-luc"),
    ("Øyvind", "oyvind"), ("Søren", "soren"), ("Björn", "bjorn"), ("Åsa", "asa"),
    ("Mikael", "mikael"), ("Aino", "aino"), ("Jürgen", "jurgen"), ("Jörg", "jorg"),
    ("Günther", "gunther"), ("Ayşe", "ayse"), ("Mehmet", "mehmet"), ("Elif", "elif"),
    ("Priya", "priya"), ("Rahul", "rahul"), ("Ananya", "ananya"), ("Arjun", "arjun"),
    ("Wei", "wei"), ("伟", "wei"), ("娜", "na"), ("Hiroshi", "hiroshi"), ("Yuki", "yuki"),
    ("Min-jun", "min-jun"), ("Seo-yeon", "seo-yeon"), ("Mohammed", "mohammed"),
    ("Fatima", "fatima"), ("Omar", "omar"), ("Layla", "layla"), ("Ngozi", "ngozi"),
    ("Chinedu", "chinedu"), ("Olamide", "olamide"), ("Kwame", "kwame"), ("Dmytro", "dmytro"),
    ("Olena", "olena"), ("Ivan", "ivan"), ("Natalia", "natalia"),
    ("Αλέξανδρος", "alexandros"), ("Giulia", "giulia"), ("Matteo", "matteo"),
    ("Chiara", "chiara"), ("Lars", "lars"), ("Ingrid", "ingrid"), ("Pat", "pat"),
    ("Alex", "alex"), ("Sam", "sam"), ("Chris", "chris"), ("Kim", "kim"), ("Noah", "noah"),
    ("Mia", "mia"), ("Liam", "liam"), ("Emily", "emily"), ("Sven", "sven"), ("Nils", "nils"),
    ("Thijs", "thijs"), ("Sanne", "sanne"), ("Daan", "daan"), ("Eva", "eva"),
    ("Tomáš", "tomas"), ("Zuzana", "zuzana"), ("Bálint", "balint"), ("Réka", "reka"),
    ("Andrei", "andrei"), ("Ioana", "ioana"), ("Linh", "linh"), ("Carlos", "carlos"),
    ("Camila", "camila"), ("Gabriel", "gabriel"), ("Beatriz", "beatriz"), ("Jane", "jane"),
)  # fmt: skip

LAST_NAMES: tuple[tuple[str, str], ...] = (
    ("Müller", "muller"), ("Schmidt", "schmidt"), ("Schneider", "schneider"),
    ("Fischer", "fischer"), ("Weber", "weber"), ("Meyer", "meyer"), ("Wagner", "wagner"),
    ("Becker", "becker"), ("Schulz", "schulz"), ("Hoffmann", "hoffmann"),
    ("Schröder", "schroder"), ("Koch", "koch"), ("Richter", "richter"), ("Klein", "klein"),
    ("Wolf", "wolf"), ("Neumann", "neumann"), ("Schwarz", "schwarz"),
    ("Zimmermann", "zimmermann"), ("Krüger", "kruger"), ("Hartmann", "hartmann"),
    ("Smith", "smith"), ("Jones", "jones"), ("Williams", "williams"), ("Brown", "brown"),
    ("Taylor", "taylor"), ("O'Brien", "obrien"), ("Smith-Jones", "smith-jones"),
    ("García", "garcia"), ("Fernández", "fernandez"), ("López", "lopez"),
    ("Martínez", "martinez"), ("de la Cruz", "de-la-cruz"), ("Silva", "silva"),
    ("Santos", "santos"), ("Gonçalves", "goncalves"), ("Dubois", "dubois"),
    ("Lefèvre", "lefevre"), ("Rossi", "rossi"), ("Bianchi", "bianchi"),
    ("Esposito", "esposito"), ("van der Berg", "van-der-berg"), ("de Vries", "de-vries"),
    ("Jansen", "jansen"), ("Bakker", "bakker"), ("Nowak", "nowak"), ("Kowalski", "kowalski"),
    ("Wiśniewski", "wisniewski"), ("Wójcik", "wojcik"), ("Kowalczyk", "kowalczyk"),
    ("Novák", "novak"), ("Svoboda", "svoboda"), ("Nagy", "nagy"), ("Popescu", "popescu"),
    ("Andersson", "andersson"), ("Johansson", "johansson"), ("Nielsen", "nielsen"),
    ("Hansen", "hansen"), ("Øster", "oster"), ("Berg", "berg"), ("Virtanen", "virtanen"),
    ("Korhonen", "korhonen"), ("Yılmaz", "yilmaz"), ("Şahin", "sahin"), ("Demir", "demir"),
    ("Kaya", "kaya"), ("Sharma", "sharma"), ("Patel", "patel"), ("Gupta", "gupta"),
    ("Reddy", "reddy"), ("Iyer", "iyer"), ("李", "li"), ("王", "wang"), ("张", "zhang"),
    ("Chen", "chen"), ("Liu", "liu"), ("Tanaka", "tanaka"), ("Sato", "sato"),
    ("Suzuki", "suzuki"), ("Kim", "kim"), ("Park", "park"), ("Lee", "lee"),
    ("Nguyen", "nguyen"), ("Tran", "tran"), ("Ivanov", "ivanov"), ("Shevchenko", "shevchenko"),
    ("Kovalenko", "kovalenko"), ("Papadopoulos", "papadopoulos"),
    ("Παπαδόπουλος", "papadopoulos"), ("Haddad", "haddad"), ("Al-Sayed", "al-sayed"),
    ("Okafor", "okafor"), ("Mensah", "mensah"), ("Adeyemi", "adeyemi"), ("Cohen", "cohen"),
    ("Levi", "levi"), ("Sample", "sample"), ("Doe", "doe"), ("Reyes", "reyes"),
    ("Hernández", "hernandez"), ("Pereira", "pereira"), ("Costa", "costa"),
)  # fmt: skip

#: Name decorations: (first-name prefix, first-name suffix, last-name suffix, weight).
NAME_DECORATIONS: tuple[tuple[str, str, str, float], ...] = (
    ("", "", "", 88.0),
    ("", "", ", MBA", 1.2),
    ("", "", ", PhD", 1.0),
    ("", "", ", CFA", 0.2),
    ("", "", ", PMP", 0.3),
    ("", "", " M.Sc.", 0.4),
    ("Dr. ", "", "", 0.8),
    ("Prof. Dr. ", "", "", 0.1),
    ("", "", " (she/her)", 0.9),
    ("", "", " (he/him)", 0.7),
    ("", "", " (they/them)", 0.2),
    ("", "", ", MBA (she/her)", 0.1),
    ("", "", " 🚀", 0.5),
    ("", " 🌍", "", 0.3),
    ("", "", " ✨", 0.3),
    ("", "", " 👋", 0.2),
    ("", "", " 🇩🇪", 0.1),
)

#: Title patterns by seniority: (pattern, weight, min years, max years).
SENIORITY_PATTERNS: tuple[tuple[str, float, int, int], ...] = (
    ("{} Intern", 1.5, 0, 1),
    ("Werkstudent {}", 1.0, 0, 2),
    ("Junior {}", 9.0, 0, 3),
    ("{}", 30.0, 2, 8),
    ("{} II", 3.0, 3, 7),
    ("Senior {}", 20.0, 5, 15),
    ("Sr. {}", 5.0, 5, 15),
    ("Lead {}", 5.0, 6, 18),
    ("Staff {}", 3.0, 8, 20),
    ("Principal {}", 1.5, 10, 25),
    ("Freelance {}", 1.5, 3, 20),
)
_BASIC_PATTERNS = ("Junior {}", "{}", "Senior {}")


@dataclass(frozen=True)
class Family:
    """A job family: its share of rows, its roles and the skills its people list."""

    name: str
    weight: float
    roles: tuple[tuple[str, float], ...]
    skills: tuple[str, ...]
    patterns: tuple[str, ...] | None = None  # None: every seniority pattern
    fixed_titles: tuple[tuple[str, float, int, int], ...] = ()  # (title, weight, min, max years)


FAMILIES: tuple[Family, ...] = (
    Family(
        "data", 22,
        (("Data Engineer", 5), ("Data Scientist", 3), ("Data Analyst", 3),
         ("Analytics Engineer", 1.5), ("BI Developer", 1), ("Big Data Engineer", 0.8),
         ("Data Platform Engineer", 0.8), ("ETL Developer", 0.5)),
        ("python", "SQL", "sql", "Python", "spark", "airflow", "kafka", "dbt", "aws", "pandas",
         "Apache Spark", "PySpark", "pyspark", "snowflake", "postgres", "PostgreSQL", "bigquery",
         "Apache Kafka", "scala", "databricks", "tableau", "Power BI", "docker", "etl",
         "data modeling", "Apache Airflow", "flink", "redshift", "hadoop", "looker", "hive",
         "Apache Flink", "delta lake", "great expectations"),
        fixed_titles=(("Werkstudent Data Science", 0.5, 0, 2),
                      ("Working Student Data Engineering", 0.3, 0, 2),
                      ("Big Data Engineering Consultant", 0.3, 4, 15),
                      ("Senior Data Engineer (m/w/d)", 0.2, 5, 15)),
    ),
    Family(
        "backend", 24,
        (("Software Engineer", 6), ("Backend Developer", 3), ("Backend Engineer", 3),
         ("Software Developer", 3), ("Full Stack Developer", 2.5), ("Java Developer", 1.5),
         ("Python Developer", 1.5), ("Go Engineer", 0.5), (".NET Developer", 1)),
        ("java", "python", "javascript", "Java", "docker", "kubernetes", "sql", "spring boot",
         "postgresql", "go", "golang", "typescript", "node.js", "aws", "k8s", "microservices",
         "redis", "kafka", "Golang", "c#", ".net", "kotlin", "mysql", "postgres", "rest", "grpc",
         "nodejs", "js", "rust", "php", "ruby on rails", "gcp", "mongodb", "terraform"),
    ),
    Family(
        "frontend", 10,
        (("Frontend Developer", 4), ("Frontend Engineer", 2.5), ("React Developer", 1),
         ("Web Developer", 2), ("UI Engineer", 0.5)),
        ("javascript", "react", "typescript", "css", "html", "reactjs", "js", "React.js",
         "vue.js", "angular", "next.js", "redux", "sass", "html5", "webpack", "graphql",
         "tailwind", "figma", "vue", "jest", "node.js", "TS"),
    ),
    Family(
        "devops", 10,
        (("DevOps Engineer", 4), ("Site Reliability Engineer", 2), ("Platform Engineer", 2),
         ("Cloud Engineer", 1.5), ("Infrastructure Engineer", 1), ("Cloud Architect", 0.7)),
        ("kubernetes", "docker", "aws", "terraform", "k8s", "linux", "python", "ci/cd", "AWS",
         "gcp", "azure", "ansible", "helm", "prometheus", "grafana", "jenkins", "K8s",
         "gitlab ci", "github actions", "bash", "go", "argocd", "istio", "openshift"),
    ),
    Family(
        "ml", 8,
        (("Machine Learning Engineer", 4), ("ML Engineer", 1.5), ("AI Engineer", 1.5),
         ("Research Scientist", 1), ("MLOps Engineer", 0.7), ("Applied Scientist", 0.8)),
        ("python", "machine learning", "pytorch", "tensorflow", "sql", "scikit-learn",
         "deep learning", "pandas", "nlp", "PyTorch", "sklearn", "numpy", "llm",
         "computer vision", "ML", "spark", "mlflow", "NLP", "huggingface", "r", "LLMs",
         "kubeflow", "keras", "aws sagemaker"),
    ),
    Family(
        "mobile", 5,
        (("iOS Developer", 2), ("Android Developer", 2), ("Mobile Engineer", 1),
         ("Flutter Developer", 0.5)),
        ("swift", "kotlin", "android", "ios", "java", "iOS", "flutter", "dart", "react native",
         "objective-c", "firebase", "swiftui", "react-native", "jetpack compose", "rxjava"),
    ),
    Family(
        "qa", 3,
        (("QA Engineer", 2), ("Test Automation Engineer", 1), ("Quality Assurance Analyst", 0.7)),
        ("selenium", "cypress", "test automation", "java", "python", "jira", "playwright",
         "postman", "junit", "pytest", "manual testing", "istqb", "appium"),
        patterns=_BASIC_PATTERNS,
    ),
    Family(
        "leadership", 6,
        (),
        ("leadership", "people management", "agile", "hiring", "python", "java", "aws",
         "kubernetes", "architecture", "okrs", "scrum", "data strategy", "sql", "microservices",
         "stakeholder management", "team building"),
        fixed_titles=(("Engineering Manager", 3, 6, 20), ("Data Engineering Manager", 0.8, 7, 20),
                      ("Team Lead Backend", 0.8, 6, 18), ("Tech Lead", 1.5, 6, 18),
                      ("Head of Data", 1, 10, 25), ("Head of Engineering", 1, 10, 28),
                      ("Director of Engineering", 0.8, 12, 30), ("VP Engineering", 0.6, 12, 30),
                      ("VP of Data", 0.3, 12, 30), ("CTO", 0.8, 8, 35),
                      ("Co-Founder & CTO", 0.4, 5, 30), ("Chief Data Officer", 0.2, 15, 35)),
    ),
    Family(
        "other", 12,
        (("Recruiter", 2), ("Technical Recruiter", 1.5), ("Talent Acquisition Partner", 1),
         ("Product Manager", 3), ("Project Manager", 2), ("UX Designer", 1.5),
         ("Account Executive", 1), ("Sales Manager", 0.8), ("Marketing Manager", 0.8),
         ("Consultant", 1.5), ("Business Analyst", 1.5), ("Scrum Master", 0.7)),
        ("recruiting", "sourcing", "talent acquisition", "boolean search", "linkedin recruiter",
         "stakeholder management", "agile", "scrum", "jira", "product management", "excel",
         "salesforce", "communication", "negotiation", "ats", "greenhouse", "hubspot", "sql",
         "confluence", "figma", "user research"),
        patterns=_BASIC_PATTERNS,
        fixed_titles=(("Student", 1.5, 0, 1), ("Self-employed", 0.3, 2, 30)),
    ),
)  # fmt: skip

#: Skills anyone may list, mixed into every family's draws.
GENERAL_SKILLS: tuple[str, ...] = (
    "git", "docker", "sql", "python", "linux", "agile", "english", "german", "jira", "aws",
    "scrum", "github", "communication", "teamwork",
)  # fmt: skip

#: Title decorations applied per row: (kind, weight). "lower" lowercases the title.
TITLE_DECORATIONS: tuple[tuple[str, float], ...] = (
    ("", 95.0),
    ("lower", 2.0),
    (" (m/w/d)", 0.8),
    (" - Freelance", 0.7),
    (" 🚀", 0.5),
    (" | Open to work", 1.0),
)

COMPANY_STEMS: tuple[str, ...] = (
    "Acme", "Nordwind", "Bluefin", "Kestrel", "Lumen", "Polaris", "Brightwave", "Cobalt",
    "Helix", "Ironbark", "Juniper", "Keystone", "Larch", "Meridian", "Nimbus", "Orbit",
    "Pinecrest", "Quantum", "Redwood", "Silverline", "Tidal", "Umbra", "Vertex", "Willow",
    "Zephyr", "Alpenglow", "Brückner", "Elbe", "Havel", "Isar", "Spree", "Rhein", "Main",
    "Nordlicht", "Sonnenberg", "Weißkopf", "Müller & Söhne", "Hansa", "Fjord", "Aurora",
    "Dune", "Ember", "Falcon", "Granite", "Harbor", "Indigo", "Jasper", "Kite", "Lotus",
    "Mosaic", "Nova", "Oakridge", "Pebble", "Quill", "Rook", "Sable", "Thistle", "Ultra",
    "Velvet", "Wren", "Yarrow", "Zenith", "Atlas", "Beacon", "Cedar", "Delta", "Echo",
    "Flux", "Gale", "Horizon", "Ion", "Kinetic", "Lighthouse", "Magnolia", "Northstar",
    "Onyx", "Prism", "Radiant", "Summit", "Terra", "Unity", "Vantage", "Waypoint", "Xenon",
    "Ysolde", "Zinc", "Amsel", "Birke", "Drossel", "Eiche", "Fuchs", "Greif", "Habicht",
    "Kranich", "Lerche", "Marder", "Otter", "Puma", "Reiher", "Storch",
)  # fmt: skip

COMPANY_SECTORS: tuple[str, ...] = (
    "Analytics", "Labs", "Systems", "Software", "Technologies", "Bank", "Health",
    "Logistics", "Mobility", "Digital", "Group", "Energy", "Insurance", "Retail", "Media",
    "Robotics", "Data", "Cloud", "Games", "Foods",
)  # fmt: skip

COMPANY_SUFFIXES: tuple[str, ...] = (
    " GmbH", " Inc.", " Ltd", " Ltd.", " AG", " SE", " B.V.", " LLC", " S.A.", ", Inc.",
    " Limited", " GmbH & Co. KG", " Sp. z o.o.", " S.r.l.", " AB", " Oy", " ApS", " plc",
    " Corp.",
)  # fmt: skip

#: Non-company values in the company column: (value, weight); "" is the named company.
COMPANY_SPECIALS: tuple[tuple[str, float], ...] = (
    ("", 95.0),
    ("<empty>", 3.0),
    ("Self-employed", 1.0),
    ("Freelance", 0.5),
    ("Stealth Startup", 0.5),
)

#: The gazetteer of generated locations, one city a line:
#: city|region|country|ISO code|local city|local region|local country|weight
_CITY_TABLE = """
Berlin|Berlin|Germany|DE|Berlin|Berlin|Deutschland|10
Munich|Bavaria|Germany|DE|München|Bayern|Deutschland|7
Hamburg|Hamburg|Germany|DE|Hamburg|Hamburg|Deutschland|6
Frankfurt am Main|Hesse|Germany|DE|Frankfurt am Main|Hessen|Deutschland|5
Cologne|North Rhine-Westphalia|Germany|DE|Köln|Nordrhein-Westfalen|Deutschland|4
Stuttgart|Baden-Württemberg|Germany|DE|Stuttgart|Baden-Württemberg|Deutschland|3
Düsseldorf|North Rhine-Westphalia|Germany|DE|Düsseldorf|Nordrhein-Westfalen|Deutschland|3
Leipzig|Saxony|Germany|DE|Leipzig|Sachsen|Deutschland|2
Dresden|Saxony|Germany|DE|Dresden|Sachsen|Deutschland|2
Hanover|Lower Saxony|Germany|DE|Hannover|Niedersachsen|Deutschland|2
Nuremberg|Bavaria|Germany|DE|Nürnberg|Bayern|Deutschland|2
Karlsruhe|Baden-Württemberg|Germany|DE|Karlsruhe|Baden-Württemberg|Deutschland|1.5
Bonn|North Rhine-Westphalia|Germany|DE|Bonn|Nordrhein-Westfalen|Deutschland|1
Mannheim|Baden-Württemberg|Germany|DE|Mannheim|Baden-Württemberg|Deutschland|1
Aachen|North Rhine-Westphalia|Germany|DE|Aachen|Nordrhein-Westfalen|Deutschland|1
Münster|North Rhine-Westphalia|Germany|DE|Münster|Nordrhein-Westfalen|Deutschland|1
Freiburg|Baden-Württemberg|Germany|DE|Freiburg im Breisgau|Baden-Württemberg|Deutschland|1
Potsdam|Brandenburg|Germany|DE|Potsdam|Brandenburg|Deutschland|1
Bremen|Bremen|Germany|DE|Bremen|Bremen|Deutschland|1
Essen|North Rhine-Westphalia|Germany|DE|Essen|Nordrhein-Westfalen|Deutschland|1
Dortmund|North Rhine-Westphalia|Germany|DE|Dortmund|Nordrhein-Westfalen|Deutschland|1
Heidelberg|Baden-Württemberg|Germany|DE|Heidelberg|Baden-Württemberg|Deutschland|0.8
Darmstadt|Hesse|Germany|DE|Darmstadt|Hessen|Deutschland|0.6
Augsburg|Bavaria|Germany|DE|Augsburg|Bayern|Deutschland|0.6
Erlangen|Bavaria|Germany|DE|Erlangen|Bayern|Deutschland|0.5
Kiel|Schleswig-Holstein|Germany|DE|Kiel|Schleswig-Holstein|Deutschland|0.5
Jena|Thuringia|Germany|DE|Jena|Thüringen|Deutschland|0.4
Amsterdam|North Holland|Netherlands|NL|Amsterdam|Noord-Holland|Nederland|6
Rotterdam|South Holland|Netherlands|NL|Rotterdam|Zuid-Holland|Nederland|3
Utrecht|Utrecht|Netherlands|NL|Utrecht|Utrecht|Nederland|2.5
The Hague|South Holland|Netherlands|NL|Den Haag|Zuid-Holland|Nederland|2
Eindhoven|North Brabant|Netherlands|NL|Eindhoven|Noord-Brabant|Nederland|2
Delft|South Holland|Netherlands|NL|Delft|Zuid-Holland|Nederland|0.8
Groningen|Groningen|Netherlands|NL|Groningen|Groningen|Nederland|0.8
London|England|United Kingdom|GB|London|England|United Kingdom|8
Manchester|England|United Kingdom|GB|Manchester|England|United Kingdom|3
Edinburgh|Scotland|United Kingdom|GB|Edinburgh|Scotland|United Kingdom|2
Cambridge|England|United Kingdom|GB|Cambridge|England|United Kingdom|1.5
Bristol|England|United Kingdom|GB|Bristol|England|United Kingdom|1.5
Birmingham|England|United Kingdom|GB|Birmingham|England|United Kingdom|1
Leeds|England|United Kingdom|GB|Leeds|England|United Kingdom|1
Glasgow|Scotland|United Kingdom|GB|Glasgow|Scotland|United Kingdom|1
Belfast|Northern Ireland|United Kingdom|GB|Belfast|Northern Ireland|United Kingdom|0.5
Dublin|County Dublin|Ireland|IE|Baile Átha Cliath|Contae Átha Cliath|Éire|3
Cork|County Cork|Ireland|IE|Corcaigh|Contae Chorcaí|Éire|0.7
Paris|Île-de-France|France|FR|Paris|Île-de-France|France|5
Lyon|Auvergne-Rhône-Alpes|France|FR|Lyon|Auvergne-Rhône-Alpes|France|1.5
Toulouse|Occitanie|France|FR|Toulouse|Occitanie|France|1
Nantes|Pays de la Loire|France|FR|Nantes|Pays de la Loire|France|0.7
Madrid|Community of Madrid|Spain|ES|Madrid|Comunidad de Madrid|España|3
Barcelona|Catalonia|Spain|ES|Barcelona|Cataluña|España|3
Valencia|Valencian Community|Spain|ES|València|Comunitat Valenciana|España|1
Málaga|Andalusia|Spain|ES|Málaga|Andalucía|España|0.8
Lisbon|Lisbon|Portugal|PT|Lisboa|Lisboa|Portugal|2
Porto|Porto|Portugal|PT|Porto|Porto|Portugal|1
Milan|Lombardy|Italy|IT|Milano|Lombardia|Italia|2
Rome|Lazio|Italy|IT|Roma|Lazio|Italia|1.5
Turin|Piedmont|Italy|IT|Torino|Piemonte|Italia|0.7
Zurich|Zurich|Switzerland|CH|Zürich|Zürich|Schweiz|3
Geneva|Geneva|Switzerland|CH|Genève|Genève|Suisse|1
Basel|Basel-City|Switzerland|CH|Basel|Basel-Stadt|Schweiz|0.8
Lausanne|Vaud|Switzerland|CH|Lausanne|Vaud|Suisse|0.6
Vienna|Vienna|Austria|AT|Wien|Wien|Österreich|3
Graz|Styria|Austria|AT|Graz|Steiermark|Österreich|0.7
Linz|Upper Austria|Austria|AT|Linz|Oberösterreich|Österreich|0.5
Warsaw|Masovian Voivodeship|Poland|PL|Warszawa|Mazowieckie|Polska|3
Krakow|Lesser Poland Voivodeship|Poland|PL|Kraków|Małopolskie|Polska|2
Wroclaw|Lower Silesian Voivodeship|Poland|PL|Wrocław|Dolnośląskie|Polska|1.5
Gdansk|Pomeranian Voivodeship|Poland|PL|Gdańsk|Pomorskie|Polska|1
Poznan|Greater Poland Voivodeship|Poland|PL|Poznań|Wielkopolskie|Polska|0.8
Prague|Prague|Czechia|CZ|Praha|Praha|Česko|2
Brno|South Moravian Region|Czechia|CZ|Brno|Jihomoravský kraj|Česko|0.8
Budapest|Budapest|Hungary|HU|Budapest|Budapest|Magyarország|1.2
Bucharest|Bucharest|Romania|RO|București|București|România|1.2
Cluj-Napoca|Cluj County|Romania|RO|Cluj-Napoca|Cluj|România|0.6
Stockholm|Stockholm County|Sweden|SE|Stockholm|Stockholms län|Sverige|2
Gothenburg|Västra Götaland County|Sweden|SE|Göteborg|Västra Götalands län|Sverige|0.8
Malmö|Skåne County|Sweden|SE|Malmö|Skåne län|Sverige|0.5
Copenhagen|Capital Region of Denmark|Denmark|DK|København|Region Hovedstaden|Danmark|1.5
Aarhus|Central Denmark Region|Denmark|DK|Aarhus|Region Midtjylland|Danmark|0.5
Oslo|Oslo|Norway|NO|Oslo|Oslo|Norge|1.2
Bergen|Vestland|Norway|NO|Bergen|Vestland|Norge|0.4
Helsinki|Uusimaa|Finland|FI|Helsinki|Uusimaa|Suomi|1.2
Tampere|Pirkanmaa|Finland|FI|Tampere|Pirkanmaa|Suomi|0.4
Tallinn|Harju County|Estonia|EE|Tallinn|Harjumaa|Eesti|0.6
Vilnius|Vilnius County|Lithuania|LT|Vilnius|Vilniaus apskritis|Lietuva|0.5
Brussels|Brussels Region|Belgium|BE|Bruxelles|Région de Bruxelles-Capitale|Belgique|1.2
Antwerp|Flemish Region|Belgium|BE|Antwerpen|Vlaanderen|België|0.6
Ghent|Flemish Region|Belgium|BE|Gent|Vlaanderen|België|0.4
Athens|Attica|Greece|GR|Αθήνα|Αττική|Ελλάδα|0.6
Istanbul|Istanbul|Türkiye|TR|İstanbul|İstanbul|Türkiye|1
Kyiv|Kyiv City|Ukraine|UA|Київ|Київ|Україна|0.8
Lviv|Lviv Oblast|Ukraine|UA|Львів|Львівська область|Україна|0.5
New York|New York|United States|US|New York|NY|USA|4
San Francisco|California|United States|US|San Francisco|CA|USA|3
Seattle|Washington|United States|US|Seattle|WA|USA|2
Austin|Texas|United States|US|Austin|TX|USA|1.5
Boston|Massachusetts|United States|US|Boston|MA|USA|1.5
Chicago|Illinois|United States|US|Chicago|IL|USA|1.2
Los Angeles|California|United States|US|Los Angeles|CA|USA|1.2
Denver|Colorado|United States|US|Denver|CO|USA|0.8
Atlanta|Georgia|United States|US|Atlanta|GA|USA|0.6
Miami|Florida|United States|US|Miami|FL|USA|0.5
Toronto|Ontario|Canada|CA|Toronto|ON|Canada|2
Vancouver|British Columbia|Canada|CA|Vancouver|BC|Canada|1.2
Montreal|Quebec|Canada|CA|Montréal|Québec|Canada|1
Bengaluru|Karnataka|India|IN|Bangalore|Karnataka|India|3
Hyderabad|Telangana|India|IN|Hyderabad|Telangana|India|1.5
Pune|Maharashtra|India|IN|Pune|Maharashtra|India|1.2
Mumbai|Maharashtra|India|IN|Mumbai|Maharashtra|India|1
Chennai|Tamil Nadu|India|IN|Chennai|Tamil Nadu|India|0.8
Gurugram|Haryana|India|IN|Gurgaon|Haryana|India|0.6
Tel Aviv|Tel Aviv District|Israel|IL|Tel Aviv-Yafo|Tel Aviv District|Israel|1
Singapore|Singapore|Singapore|SG|Singapore|Singapore|Singapore|1
Sydney|New South Wales|Australia|AU|Sydney|NSW|Australia|1.2
Melbourne|Victoria|Australia|AU|Melbourne|VIC|Australia|1
São Paulo|São Paulo|Brazil|BR|São Paulo|SP|Brasil|1.2
Rio de Janeiro|Rio de Janeiro|Brazil|BR|Rio de Janeiro|RJ|Brasil|0.5
Mexico City|Mexico City|Mexico|MX|Ciudad de México|CDMX|México|0.6
Buenos Aires|Buenos Aires|Argentina|AR|Buenos Aires|CABA|Argentina|0.4
Tokyo|Tokyo|Japan|JP|東京|東京都|日本|0.6
Beijing|Beijing|China|CN|北京|北京市|中国|0.4
Shanghai|Shanghai|China|CN|上海|上海市|中国|0.4
Dubai|Dubai|United Arab Emirates|AE|Dubai|Dubai|UAE|0.6
Lagos|Lagos State|Nigeria|NG|Lagos|Lagos|Nigeria|0.5
Nairobi|Nairobi County|Kenya|KE|Nairobi|Nairobi|Kenya|0.3
Cape Town|Western Cape|South Africa|ZA|Kaapstad|Wes-Kaap|Suid-Afrika|0.4
Ho Chi Minh City|Ho Chi Minh City|Vietnam|VN|Thành phố Hồ Chí Minh|Hồ Chí Minh|Việt Nam|0.3
Cairo|Cairo Governorate|Egypt|EG|Cairo|Cairo|Egypt|0.3
"""
CITIES: tuple[tuple[str, str, str, str, str, str, str, float], ...] = tuple(
    (*fields[:7], float(fields[7]))  # type: ignore[misc]
    for line in _CITY_TABLE.strip().splitlines()
    for fields in [[f.strip() for f in line.split("|")]]
)

#: Location styles: (pattern, weight, fills the city column). Fields: {city} {region}
#: {country} {iso} {lcity} {lregion} {lcountry}.
LOCATION_FORMATS: tuple[tuple[str, float, bool], ...] = (
    ("{city}, {region}, {country}", 26, True),
    ("{city}, {country}", 18, True),
    ("Greater {city} Area", 10, True),
    ("{city} Metropolitan Area", 4, True),
    ("{city} Area, {country}", 3, True),
    ("{lcity}, {lregion}, {lcountry}", 7, True),
    ("{lcity}", 2, True),
    ("{city}", 5, True),
    ("{city}, {iso}", 3, True),
    ("{city}, {region}", 3, True),
    ("{country}", 4, False),
    ("{lcountry}", 1, False),
    ("Remote, {country}", 1.0, False),
)
#: Locations with no city: (text, weight relative to the city-based styles' total of 100).
LOCATION_SPECIALS: tuple[tuple[str, float], ...] = (
    ("", 7.0),
    ("Remote", 2.0),
    ("Europe", 0.5),
    ("EMEA", 0.3),
    ("DACH", 0.3),
    ("Worldwide", 0.2),
)

EMAIL_DOMAINS: tuple[tuple[str, float], ...] = (
    ("gmail.example", 30), ("outlook.example", 10), ("web.example", 8), ("gmx.example", 7),
    ("yahoo.example", 5), ("proton.example", 3), ("icloud.example", 4), ("posteo.example", 1),
    ("example.com", 10), ("example.org", 5), ("example.net", 5), ("mail.example", 3),
)  # fmt: skip

#: Profile URL spellings of the same slug: (prefix, suffix, weight).
URL_VARIANTS: tuple[tuple[str, str, float], ...] = (
    ("https://www.linkedin.com/in/", "", 78),
    ("https://www.linkedin.com/in/", "/", 7),
    ("https://de.linkedin.com/in/", "/?trk=public_profile", 3),
    ("https://uk.linkedin.com/in/", "", 1.5),
    ("http://linkedin.com/in/", "", 2.5),
    ("linkedin.com/in/", "", 2.5),
    ("www.linkedin.com/in/", "/", 1.5),
    ("https://www.linkedin.com/in/", "?utm_source=share&utm_medium=member_desktop", 2),
    ("https://nl.linkedin.com/in/", "#experience", 0.5),
    ("HTTPS://WWW.LINKEDIN.COM/in/", "", 0.5),
)

SUMMARY_OPENERS: tuple[str, ...] = (
    "Engineer who likes boring, reliable systems.",
    "I turn messy data into decisions.",
    "Passionate about clean code and good coffee.",
    "Building products people actually use.",
    "10+ years in tech, still curious.",
    "Curious problem solver with a background in physics.",
    'Self-described "data plumber".',
    "Leidenschaftlicher Entwickler aus Überzeugung.",
    "Software craftsman, mentor and occasional speaker.",
    "I help teams ship faster without breaking things.",
    "Former consultant, now building in-house platforms.",
    "Career switcher: from biology to software.",
    "Making the cloud a little less cloudy ☁️.",
    "Team player, fast learner, open source contributor.",
    "Analytical mind with a love for visualisation.",
    "Hands-on leader who still writes code.",
)
SUMMARY_DETAILS: tuple[str, ...] = (
    "Currently scaling our data platform to billions of events a day.",
    "Previously at two startups and one very large bank.",
    "Worked on payments, logistics and healthcare products.",
    "Maintainer of a few small open source libraries.",
    "Most of my work is in distributed systems and APIs.",
    "I care about testing, observability and documentation.",
    "Recently moved from on-prem Hadoop to the cloud.",
    "Speaker at local meetups; organiser of a reading group.",
    "Led a team of 6 through a full platform migration.",
    "Fluent in English and German, learning Spanish.",
    "Happy to talk about data quality, contracts and lineage.",
    "Built recommendation systems serving 20M users.",
    "Focus on accessibility, performance and design systems.",
    "Experience across AWS, GCP and Azure.",
)
#: Closing sentence of a summary, weighted; some are explicit "do not contact me" signals.
SUMMARY_CLOSERS: tuple[tuple[str, float], ...] = (
    ("", 55),
    ("Open to new opportunities.", 8),
    ("Open to remote roles in Europe.", 4),
    ("Always happy to chat about interesting problems.", 6),
    ("Feel free to reach out!", 5),
    ("DMs open for collaborations, not for sales pitches.", 2),
    ("Views are my own.", 3),
    ("Currently not open to opportunities.", 1.0),
    ("No recruiters please.", 0.8),
    ("Please, no recruiters - I am not looking.", 0.4),
    ("Not interested in new roles at the moment.", 0.5),
    ("Not looking for new opportunities, thanks.", 0.4),
)

#: Headline styles: (kind, weight); built from title, company and skills.
HEADLINE_KINDS: tuple[tuple[str, float], ...] = (
    ("title_at_company", 40),
    ("title_skills", 18),
    ("title", 15),
    ("open_to_work", 4),
    ("not_open", 0.3),
    ("no_recruiters", 0.2),
    ("empty", 22.5),
)

OPEN_TO_WORK: tuple[tuple[str, float], ...] = (("true", 22), ("false", 55), ("", 23))
CHANNELS: tuple[tuple[str, float], ...] = (("inmail", 60), ("email", 30), ("linkedin_message", 10))

# Row-level shares that are not command-line options.
_EMAIL_SHARE = 0.65  # rows that carry an email (LinkedIn exports often have none)
_URL_SHARE = 0.94  # rows that carry a profile URL
_YEARS_EMPTY = 0.10
_YEARS_PLUS = 0.03
_SKILLS_EMPTY = 0.05
_MAX_SKILLS = 12
_FAMILY_SKILL_SHARE = 0.8  # the rest of a row's skills come from GENERAL_SKILLS
_CITY_COLUMNS_SHARE = 0.35  # rows whose city/country columns are filled
_TOUCH_PAST_CAMPAIGNS = 60
_TOUCH_BENCH_SHARE = 0.15  # touches that name a generated bench-<n> campaign

# --------------------------------------------------------------------------------------------
# Counter-based random numbers as Polars expressions.
# --------------------------------------------------------------------------------------------

_M64 = (1 << 64) - 1
_GOLDEN = 0x9E3779B97F4A7C15
_C1 = 0xBF58476D1CE4E5B9
_C2 = 0x94D049BB133111EB


def _u64(value: int) -> pl.Expr:
    return pl.lit(value, dtype=pl.UInt64)


def mix64(x: pl.Expr) -> pl.Expr:
    """splitmix64's finalizer on a UInt64 expression (Polars integer arithmetic wraps)."""
    x = (x ^ (x // _u64(1 << 30))) * _u64(_C1)
    x = (x ^ (x // _u64(1 << 27))) * _u64(_C2)
    return x ^ (x // _u64(1 << 31))


def mix64_py(x: int) -> int:
    """The same finalizer in plain Python (reference for tests, and stream keys)."""
    x &= _M64
    x = ((x ^ (x >> 30)) * _C1) & _M64
    x = ((x ^ (x >> 27)) * _C2) & _M64
    return x ^ (x >> 31)


class Rng:
    """Independent random streams, each a pure function of (seed, stream name, index)."""

    def __init__(self, seed: int) -> None:
        self.seed = seed

    def key(self, stream: str) -> int:
        return mix64_py((self.seed & _M64) * _GOLDEN + zlib.crc32(stream.encode()))

    def bits(self, stream: str, index: pl.Expr) -> pl.Expr:
        """64 random bits per index."""
        return mix64(index.cast(pl.UInt64) * _u64(_GOLDEN) + _u64(self.key(stream)))

    def unit(self, stream: str, index: pl.Expr) -> pl.Expr:
        """A float in [0, 1) per index (53 random bits)."""
        return (self.bits(stream, index) // _u64(1 << 11)).cast(pl.Float64) * (2.0**-53)

    def below(self, stream: str, index: pl.Expr, n: int | pl.Expr) -> pl.Expr:
        """An integer in [0, n) per index (bias below 2**-40 for the sizes used here)."""
        if isinstance(n, int):
            n = _u64(n)
        return self.bits(stream, index) % n.cast(pl.UInt64)

    def skewed(self, stream: str, index: pl.Expr, n: int, power: float) -> pl.Expr:
        """An integer in [0, n) favouring small values (power > 1: a longer tail)."""
        return (self.unit(stream, index).pow(power) * n).floor().cast(pl.UInt32)

    def weighted(self, stream: str, index: pl.Expr, weights: Sequence[float]) -> pl.Expr:
        """An index into `weights`, drawn with probability proportional to each weight."""
        total = float(sum(weights))
        cumulative, acc = [], 0.0
        for w in weights[:-1]:
            acc += w
            cumulative.append(acc / total)
        cum = pl.Series([*cumulative, 2.0], dtype=pl.Float64)
        return pl.lit(cum).search_sorted(self.unit(stream, index), side="right").cast(pl.UInt32)


def _vocab(values: Sequence[Any], dtype: type[pl.DataType] = pl.String) -> pl.Expr:
    return pl.lit(pl.Series(list(values), dtype=dtype))


def _pick(values: Sequence[Any], index: pl.Expr, dtype: type[pl.DataType] = pl.String) -> pl.Expr:
    return _vocab(values, dtype).gather(index)


# --------------------------------------------------------------------------------------------
# Derived tables (built once per process).
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Titles:
    text: tuple[str, ...]
    family: tuple[int, ...]
    min_years: tuple[int, ...]
    span_years: tuple[int, ...]
    weight: tuple[float, ...]


@cache
def _titles() -> _Titles:
    text: list[str] = []
    family: list[int] = []
    lo: list[int] = []
    span: list[int] = []
    weight: list[float] = []
    for f_index, fam in enumerate(FAMILIES):
        patterns = [p for p in SENIORITY_PATTERNS if fam.patterns is None or p[0] in fam.patterns]
        role_total = sum(w for _, w in fam.roles) + sum(t[1] for t in fam.fixed_titles)
        pattern_total = sum(p[1] for p in patterns)
        for role, role_w in fam.roles:
            for pattern, p_w, y_lo, y_hi in patterns:
                text.append(pattern.format(role))
                family.append(f_index)
                lo.append(y_lo)
                span.append(y_hi - y_lo + 1)
                weight.append(fam.weight * role_w / role_total * p_w / pattern_total)
        for title, t_w, y_lo, y_hi in fam.fixed_titles:
            text.append(title)
            family.append(f_index)
            lo.append(y_lo)
            span.append(y_hi - y_lo + 1)
            weight.append(fam.weight * t_w / role_total)
    return _Titles(tuple(text), tuple(family), tuple(lo), tuple(span), tuple(weight))


@dataclass(frozen=True)
class _Skills:
    text: tuple[str, ...]  # every family's pool, then the general pool, concatenated
    offset: tuple[int, ...]  # per pool (families, then general)
    size: tuple[int, ...]


@cache
def _skills() -> _Skills:
    pools = [fam.skills for fam in FAMILIES] + [GENERAL_SKILLS]
    text: list[str] = []
    offset: list[int] = []
    for pool in pools:
        offset.append(len(text))
        text.extend(pool)
    return _Skills(tuple(text), tuple(offset), tuple(len(p) for p in pools))


@dataclass(frozen=True)
class _Locations:
    text: tuple[str, ...]
    city: tuple[str, ...]
    country: tuple[str, ...]
    iso: tuple[str, ...]
    weight: tuple[float, ...]


@cache
def _locations() -> _Locations:
    text: list[str] = []
    city: list[str] = []
    country: list[str] = []
    iso: list[str] = []
    weight: list[float] = []
    city_total = sum(c[7] for c in CITIES)
    format_total = sum(f[1] for f in LOCATION_FORMATS)
    for c_city, region, c_country, c_iso, lcity, lregion, lcountry, c_w in CITIES:
        for pattern, f_w, fills_city in LOCATION_FORMATS:
            text.append(
                pattern.format(
                    city=c_city,
                    region=region,
                    country=c_country,
                    iso=c_iso,
                    lcity=lcity,
                    lregion=lregion,
                    lcountry=lcountry,
                )
            )
            city.append(c_city if fills_city else "")
            country.append(c_country)
            iso.append(c_iso)
            weight.append(100.0 * c_w / city_total * f_w / format_total)
    for special, s_w in LOCATION_SPECIALS:
        text.append(special)
        city.append("")
        country.append("")
        iso.append("")
        weight.append(s_w)
    return _Locations(tuple(text), tuple(city), tuple(country), tuple(iso), tuple(weight))


@cache
def _companies() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Company names (ordered by popularity, Acme Analytics first) and each one's legal suffix."""
    names = [f"{stem} {sector}" for stem in COMPANY_STEMS for sector in COMPANY_SECTORS]
    names.sort(key=lambda n: (n != "Acme Analytics", zlib.crc32(n.encode()), n))
    suffixes = [
        COMPANY_SUFFIXES[mix64_py(zlib.crc32(n.encode())) % len(COMPANY_SUFFIXES)] for n in names
    ]
    return tuple(names), tuple(suffixes)


# --------------------------------------------------------------------------------------------
# Candidate rows.
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Spec:
    """What to generate: the population size and seed, and the share of odd rows."""

    rows: int
    seed: int = 1
    bad_share: float = 0.005
    dup_share: float = 0.02
    multiline_share: float = 0.002

    def __post_init__(self) -> None:
        if self.rows < 1:
            raise ValueError("rows must be at least 1")
        for name in ("bad_share", "dup_share", "multiline_share"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1")


def _person_columns(rng: Rng, spec: Spec, row: pl.Expr) -> list[pl.Expr]:
    """`pid` (the person a row belongs to) and whether the row shows their email / URL."""
    is_dup = rng.unit("dup", row) < spec.dup_share
    mode = rng.unit("dup_mode", row)  # duplicates share both (50%), email only, or URL only
    return [
        pl.when(is_dup).then(rng.below("dup_of", row, spec.rows)).otherwise(row).alias("pid"),
        pl.when(is_dup)
        .then(mode < 0.75)
        .otherwise(rng.unit("has_email", row) < _EMAIL_SHARE)
        .alias("has_email"),
        pl.when(is_dup)
        .then((mode < 0.5) | (mode >= 0.75))
        .otherwise(rng.unit("has_url", row) < _URL_SHARE)
        .alias("has_url"),
    ]


def _name_index_columns(rng: Rng, pid: pl.Expr) -> list[pl.Expr]:
    return [
        rng.skewed("first", pid, len(FIRST_NAMES), 1.4).alias("first_i"),
        rng.skewed("last", pid, len(LAST_NAMES), 1.4).alias("last_i"),
    ]


def _email_expr(rng: Rng, pid: pl.Expr, first_i: pl.Expr, last_i: pl.Expr) -> pl.Expr:
    """The person's email address in its canonical (lowercase) form; unique per pid."""
    f = _pick([s for _, s in FIRST_NAMES], first_i)
    ln = _pick([s for _, s in LAST_NAMES], last_i)
    num = pid.cast(pl.String)
    domain = _pick(
        [d for d, _ in EMAIL_DOMAINS], rng.weighted("email_dom", pid, [w for _, w in EMAIL_DOMAINS])
    )
    # Styles: first.last<n>, f<last><n>, first_last.<n>, last.first<n> - one concat for all.
    style = rng.below("email_style", pid, 4).cast(pl.UInt32)
    initial = _pick([s[0] for _, s in FIRST_NAMES], first_i)
    part1 = pl.when(style == 3).then(ln).when(style == 1).then(initial).otherwise(f)
    part2 = pl.when(style == 3).then(f).otherwise(ln)
    sep1 = _pick([".", "", "_", "."], style)
    sep2 = _pick(["", "", ".", ""], style)
    return pl.concat_str([part1, sep1, part2, sep2, num, pl.lit("@"), domain])


def _slug_expr(pid: pl.Expr, first_i: pl.Expr, last_i: pl.Expr) -> pl.Expr:
    f = _pick([s for _, s in FIRST_NAMES], first_i)
    ln = _pick([s for _, s in LAST_NAMES], last_i)
    return pl.concat_str([f, pl.lit("-"), ln, pl.lit("-"), pid.cast(pl.String)])


def _url_expr(rng: Rng, stream: str, index: pl.Expr, slug: pl.Expr) -> pl.Expr:
    variant = rng.weighted(stream, index, [w for _, _, w in URL_VARIANTS])
    return pl.concat_str(
        [
            _pick([p for p, _, _ in URL_VARIANTS], variant),
            slug,
            _pick([s for _, s, _ in URL_VARIANTS], variant),
        ]
    )


#: Columns whose vocabularies can hold a comma; only `summary` can hold quotes or line breaks.
#: (tests/test_benchmarks_generate.py checks that the other columns never need quoting.)
_COMMA_COLUMNS = frozenset({"last_name", "full_name", "title", "headline", "company", "location"})


def _quote(col: str) -> pl.Expr:
    """RFC 4180 quoting where a field needs it (checking only the columns that can)."""
    e = pl.col(col)
    if col == "summary":
        needs = e.str.contains_any(['"', ",", "\n", "\r"])
        body = e.str.replace_all('"', '""', literal=True)
    elif col in _COMMA_COLUMNS:
        needs = e.str.contains(",", literal=True)
        body = e
    else:
        return e
    return pl.when(needs).then(pl.concat_str([pl.lit('"'), body, pl.lit('"')])).otherwise(e)


def candidate_frame(spec: Spec, start: int, stop: int) -> pl.DataFrame:
    """Rows [start, stop) of the population: the HEADER columns as strings ("" when empty),
    plus `_row` (global 0-based row index) and `_bad` (0 good; 1, 2 too few fields; 3 too many).

    Built in stages so each intermediate value is computed once; within a stage Polars
    evaluates the expressions in parallel.
    """
    rng = Rng(spec.seed)
    titles = _titles()
    skills = _skills()
    locs = _locations()
    companies, company_suffixes = _companies()
    i = pl.col("_row")
    general = len(FAMILIES)

    df = pl.DataFrame({"_row": pl.int_range(start, stop, dtype=pl.UInt64, eager=True)})
    # Stage 1: draws from the row index alone.
    df = df.with_columns(
        *_person_columns(rng, spec, i),
        rng.weighted("title", i, titles.weight).alias("title_i"),
        rng.weighted("name_deco", i, [d[3] for d in NAME_DECORATIONS]).alias("deco_i"),
        rng.weighted("loc", i, locs.weight).alias("loc_i"),
        rng.skewed("company", i, len(companies), 2.2).alias("company_i"),
        rng.weighted("company_special", i, [w for _, w in COMPANY_SPECIALS]).alias("cspecial_i"),
        pl.when(rng.unit("bad", i) < spec.bad_share)
        .then(rng.below("bad_kind", i, 3) + 1)
        .otherwise(0)
        .cast(pl.UInt8)
        .alias("_bad"),
        pl.when(rng.unit("skills_empty", i) < _SKILLS_EMPTY)
        .then(pl.lit(0, dtype=pl.UInt32))
        .otherwise(2 + rng.skewed("n_skills", i, _MAX_SKILLS - 1, 1.3))
        .alias("n_skills"),
        rng.unit("skill_start", i).pow(2.0).alias("skill_start_u"),
        (1 + rng.below("skill_step", i, 3)).alias("skill_step"),
        rng.skewed("skill_gstart", i, skills.size[general], 1.5).cast(pl.UInt64).alias("gen_start"),
        rng.bits("skill_pool", i).alias("pool_bits"),
    )
    # Stage 2: the person's name (shared by duplicates); the title's skill pool.
    title_i = pl.col("title_i")
    df = df.with_columns(
        *_name_index_columns(rng, pl.col("pid")),
        _pick([skills.offset[f] for f in titles.family], title_i, pl.UInt64).alias("pool_off"),
        _pick([skills.size[f] for f in titles.family], title_i, pl.UInt64).alias("pool_size"),
    )
    # Stage 3: canonical strings and skill positions. A row's skills come from its family's
    # pool (each slot with probability 26/32, from 5 bits of `pool_bits`) or the general pool;
    # within a pool a row walks from a start skewed towards the common (first) entries with a
    # small stride, so it rarely repeats a skill.
    pid, first_i, last_i = pl.col("pid"), pl.col("first_i"), pl.col("last_i")
    fam_start = (pl.col("skill_start_u") * pl.col("pool_size").cast(pl.Float64)).floor()
    fam_start = fam_start.cast(pl.UInt64)
    positions = []
    for s in range(_MAX_SKILLS):
        in_family = (pl.col("pool_bits") // _u64(1 << (5 * s))) % _u64(32) < _u64(26)
        positions.append(
            pl.when(pl.col("n_skills") <= s)
            .then(None)
            .when(in_family)
            .then(pl.col("pool_off") + (fam_start + pl.col("skill_step") * s) % pl.col("pool_size"))
            .otherwise(skills.offset[general] + (pl.col("gen_start") + s) % skills.size[general])
            .alias(f"_p{s}")
        )
    df = df.with_columns(
        *positions,
        _email_expr(rng, pid, first_i, last_i).alias("_email"),
        _pick(titles.text, title_i).alias("_title"),
        _pick(locs.text, pl.col("loc_i")).alias("_location"),
        pl.concat_str(
            [
                _pick(companies, pl.col("company_i")),
                pl.when(rng.unit("company_bare", i) < 0.2)
                .then(pl.lit(""))
                .otherwise(_pick(company_suffixes, pl.col("company_i"))),
            ]
        ).alias("_company"),
    )
    # Stage 4: the output columns, with their cosmetic variations.
    deco = pl.col("deco_i")
    case = rng.unit("name_case", i)
    first = pl.concat_str(
        [
            _pick([d[0] for d in NAME_DECORATIONS], deco),
            _pick([n for n, _ in FIRST_NAMES], first_i),
            _pick([d[1] for d in NAME_DECORATIONS], deco),
        ]
    )
    first = pl.when(case < 0.005).then(first.str.to_lowercase()).otherwise(first)
    last = pl.concat_str(
        [_pick([n for n, _ in LAST_NAMES], last_i), _pick([d[2] for d in NAME_DECORATIONS], deco)]
    )
    last = pl.when((case >= 0.005) & (case < 0.012)).then(last.str.to_uppercase()).otherwise(last)

    email_look = rng.unit("email_look", i)
    email = (
        pl.when(~pl.col("has_email"))
        .then(pl.lit(""))
        .when(email_look < 0.02)
        .then(pl.col("_email").str.to_titlecase())
        .when(email_look < 0.025)
        .then(pl.concat_str([pl.lit(" "), pl.col("_email"), pl.lit(" ")]))
        .otherwise(pl.col("_email"))
    )
    url = (
        pl.when(pl.col("has_url"))
        .then(_url_expr(rng, "url_variant", i, _slug_expr(pid, first_i, last_i)))
        .otherwise(pl.lit(""))
    )

    t_deco = rng.weighted("title_deco", i, [w for _, w in TITLE_DECORATIONS])
    title = (
        pl.when(t_deco == 0)
        .then(pl.col("_title"))
        .when(t_deco == 1)
        .then(pl.col("_title").str.to_lowercase())
        .otherwise(
            pl.concat_str([pl.col("_title"), _pick([k for k, _ in TITLE_DECORATIONS], t_deco)])
        )
    )

    cspecial = pl.col("cspecial_i")
    company = (
        pl.when(cspecial == 0)
        .then(pl.col("_company"))
        .when(cspecial == 1)
        .then(pl.lit(""))
        .otherwise(_pick([s for s, _ in COMPANY_SPECIALS], cspecial))
    )

    slots = [_pick(skills.text, pl.col(f"_p{s}")) for s in range(_MAX_SKILLS)]
    skills_text = pl.concat_str(slots, separator=";", ignore_nulls=True)
    skills_text = (
        pl.when(rng.unit("skill_sep", i) < 0.1)
        .then(skills_text.str.replace_all(";", "; ", literal=True))
        .otherwise(skills_text)
    )

    loc_i = pl.col("loc_i")
    loc_look = rng.unit("loc_look", i)
    location = (
        pl.when(loc_look < 0.01)
        .then(pl.col("_location").str.to_lowercase())
        .when(loc_look < 0.015)
        .then(pl.concat_str([pl.col("_location"), pl.lit(" ")]))
        .otherwise(pl.col("_location"))
    )
    city_cols = rng.unit("city_cols", i) < _CITY_COLUMNS_SHARE
    city = pl.when(city_cols).then(_pick(locs.city, loc_i)).otherwise(pl.lit(""))
    country = (
        pl.when(~city_cols)
        .then(pl.lit(""))
        .when(rng.unit("country_iso", i) < 0.5)
        .then(_pick(locs.iso, loc_i))
        .otherwise(_pick(locs.country, loc_i))
    )

    years_n = _pick(titles.min_years, title_i, pl.UInt64) + rng.below(
        "years", i, _pick(titles.span_years, title_i, pl.UInt64)
    )
    years_look = rng.unit("years_look", i)
    years = (
        pl.when(years_look < _YEARS_EMPTY)
        .then(pl.lit(""))
        .when(years_look < _YEARS_EMPTY + _YEARS_PLUS)
        .then(pl.concat_str([years_n.cast(pl.String), pl.lit("+")]))
        .otherwise(years_n.cast(pl.String))
    )

    open_to_work = _pick(
        [v for v, _ in OPEN_TO_WORK], rng.weighted("otw", i, [w for _, w in OPEN_TO_WORK])
    )

    df = df.with_columns(
        pl.concat_str([pl.lit("c"), (i + 1).cast(pl.String).str.zfill(9)]).alias("candidate_id"),
        first.alias("first_name"),
        last.alias("last_name"),
        email.alias("email"),
        url.alias("profile_url"),
        title.alias("title"),
        company.alias("company"),
        location.alias("location"),
        city.alias("city"),
        country.alias("country"),
        skills_text.alias("skills"),
        years.alias("years_experience"),
        open_to_work.alias("open_to_work"),
        _pick(SUMMARY_OPENERS, rng.below("sum_open", i, len(SUMMARY_OPENERS))).alias("_s1"),
        _pick(SUMMARY_DETAILS, rng.below("sum_detail", i, len(SUMMARY_DETAILS))).alias("_s2"),
        _pick(
            [s for s, _ in SUMMARY_CLOSERS],
            rng.weighted("sum_close", i, [w for _, w in SUMMARY_CLOSERS]),
        ).alias("_s3"),
        rng.weighted("headline", i, [w for _, w in HEADLINE_KINDS]).alias("_hk"),
        slots[0].fill_null("").alias("_sk0"),
        slots[1].fill_null("").alias("_sk1"),
    )
    # Stage 5: columns built from other output columns.
    name_order = rng.unit("name_order", i)
    full_name = (
        pl.when(name_order < 0.008)
        .then(pl.concat_str([pl.col("last_name"), pl.lit(", "), pl.col("first_name")]))
        .otherwise(pl.concat_str([pl.col("first_name"), pl.lit(" "), pl.col("last_name")]))
    )
    hk = pl.col("_hk")
    t = pl.col("title")
    kinds = [k for k, _ in HEADLINE_KINDS]
    headline = (
        pl.when((hk == kinds.index("title_at_company")) & (pl.col("company") != ""))
        .then(pl.concat_str([t, pl.lit(" at "), pl.col("company")]))
        .when((hk == kinds.index("title_skills")) & (pl.col("_sk1") != ""))
        .then(pl.concat_str([t, pl.lit(" | "), pl.col("_sk0"), pl.lit(" | "), pl.col("_sk1")]))
        .when(hk == kinds.index("open_to_work"))
        .then(pl.concat_str([pl.lit("Open to work | "), t]))
        .when(hk == kinds.index("not_open"))
        .then(pl.concat_str([t, pl.lit(" | Not open to new opportunities")]))
        .when(hk == kinds.index("no_recruiters"))
        .then(pl.concat_str([t, pl.lit(" | No recruiters please")]))
        .when(hk == kinds.index("empty"))
        .then(pl.lit(""))
        .otherwise(t)
    )
    sep = (
        pl.when(rng.unit("multiline", i) < spec.multiline_share)
        .then(pl.lit("\n"))
        .otherwise(pl.lit(" "))
    )
    summary = (
        pl.when(rng.unit("summary_empty", i) < 0.3)
        .then(pl.lit(""))
        .when(pl.col("_s3") == "")
        .then(pl.concat_str([pl.col("_s1"), sep, pl.col("_s2")]))
        .otherwise(pl.concat_str([pl.col("_s1"), sep, pl.col("_s2"), sep, pl.col("_s3")]))
    )
    return df.select(
        "_row",
        "_bad",
        *HEADER[:3],
        full_name.alias("full_name"),
        *HEADER[4:7],
        headline.alias("headline"),
        *HEADER[8:15],
        summary.alias("summary"),
    )


def csv_lines(frame: pl.DataFrame) -> pl.Series:
    """One CSV line per row of a `candidate_frame` (no line terminator), bad rows malformed."""
    quoted = frame.select("_bad", *[_quote(c).alias(c) for c in HEADER])
    lines = quoted.select(pl.concat_str([pl.col(c) for c in HEADER], separator=",")).to_series()
    bad = quoted.with_row_index("_pos").filter(pl.col("_bad") > 0)
    if bad.height:
        malformed = bad.select(
            "_pos",
            pl.when(pl.col("_bad") == 1)
            .then(pl.concat_str([pl.col(c) for c in HEADER[:12]], separator=","))
            .when(pl.col("_bad") == 2)
            .then(pl.concat_str([pl.col(c) for c in HEADER[:5]], separator=","))
            .otherwise(
                pl.concat_str([*(pl.col(c) for c in HEADER), pl.lit("unexpected")], separator=",")
            )
            .alias("line"),
        )
        lines = lines.scatter(malformed["_pos"], malformed["line"])
    return lines.alias("line")


@dataclass(frozen=True)
class Written:
    """What a generator wrote: for the summary line and for the benchmark harness."""

    path: Path
    rows: int
    bad_rows: int
    bytes: int
    seconds: float


def write_candidates(spec: Spec, out: Path, chunk_rows: int = DEFAULT_CHUNK_ROWS) -> Written:
    """Write the candidate CSV for `spec` to `out`, chunk by chunk (bounded memory)."""
    started = time.perf_counter()
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    bad_rows = 0
    with tmp.open("wb") as fh:
        fh.write((",".join(HEADER) + "\n").encode())
        for start in range(0, spec.rows, chunk_rows):
            frame = candidate_frame(spec, start, min(spec.rows, start + chunk_rows))
            bad_rows += int((frame["_bad"] > 0).sum())
            # The lines are CSV already; "never" writes them verbatim, one per line.
            csv_lines(frame).to_frame().write_csv(fh, include_header=False, quote_style="never")
    os.replace(tmp, out)  # never leave a half-written file under the final name
    return Written(out, spec.rows, bad_rows, out.stat().st_size, time.perf_counter() - started)


# --------------------------------------------------------------------------------------------
# Past touches (ledger import).
# --------------------------------------------------------------------------------------------


def touch_frame(
    spec: Spec,
    start: int,
    stop: int,
    as_of: dt.date = DEFAULT_AS_OF,
    bench_campaigns: int = 25,
    days: int = 90,
) -> pl.DataFrame:
    """Touches [start, stop): people drawn from the candidate population of `spec`, named by the
    email and/or profile URL their row shows, dated in the `days` days before `as_of`."""
    rng = Rng(spec.seed)
    j = pl.col("_touch")
    lf = pl.LazyFrame({"_touch": pl.int_range(start, stop, dtype=pl.UInt64, eager=True)})
    lf = lf.with_columns(rng.below("touch_row", j, spec.rows).alias("_row"))
    lf = lf.with_columns(*_person_columns(rng, spec, pl.col("_row")))
    lf = lf.with_columns(*_name_index_columns(rng, pl.col("pid")))
    pid, first_i, last_i = pl.col("pid"), pl.col("first_i"), pl.col("last_i")
    has_email, has_url = pl.col("has_email"), pl.col("has_url")
    # Which identifiers the touch carries: both (60%), email only (20%) or URL only (20%) of
    # those the row shows; the email when the row shows neither (someone known from elsewhere).
    ident = rng.unit("touch_ident", j)
    show_email = has_email & ((ident < 0.8) | ~has_url)
    show_url = has_url & ((ident < 0.6) | (ident >= 0.8) | ~has_email)
    use_email = show_email | ~(has_email | has_url)
    bench = rng.unit("touch_bench", j) < _TOUCH_BENCH_SHARE
    campaign = (
        pl.when(bench)
        .then(
            pl.concat_str(
                [
                    pl.lit("bench-"),
                    (rng.below("touch_bench_n", j, bench_campaigns) + 1).cast(pl.String),
                ]
            )
        )
        .otherwise(
            pl.concat_str(
                [
                    pl.lit("past-"),
                    (rng.below("touch_past_n", j, _TOUCH_PAST_CAMPAIGNS) + 1)
                    .cast(pl.String)
                    .str.zfill(2),
                ]
            )
        )
    )
    date = pl.lit(as_of) - pl.duration(days=(rng.below("touch_day", j, days) + 1).cast(pl.Int64))
    return lf.select(
        pl.when(use_email).then(_email_expr(rng, pid, first_i, last_i)).alias("email"),
        pl.when(show_url)
        .then(_url_expr(rng, "touch_url_variant", j, _slug_expr(pid, first_i, last_i)))
        .alias("profile_url"),
        date.dt.to_string("%Y-%m-%d").alias("date"),
        campaign.alias("campaign_id"),
        _pick(
            [c for c, _ in CHANNELS], rng.weighted("touch_channel", j, [w for _, w in CHANNELS])
        ).alias("channel"),
    ).collect()


def write_touches(
    spec: Spec,
    touches: int,
    out: Path,
    as_of: dt.date = DEFAULT_AS_OF,
    bench_campaigns: int = 25,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
) -> Written:
    """Write `touches` past touches of the `spec` population as a ledger import CSV."""
    started = time.perf_counter()
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    with tmp.open("wb") as fh:
        fh.write((",".join(TOUCH_HEADER) + "\n").encode())
        for start in range(0, touches, chunk_rows):
            frame = touch_frame(
                spec, start, min(touches, start + chunk_rows), as_of, bench_campaigns
            )
            frame.write_csv(fh, include_header=False)
    os.replace(tmp, out)
    return Written(out, touches, 0, out.stat().st_size, time.perf_counter() - started)


# --------------------------------------------------------------------------------------------
# Campaign files.
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _CampaignFamily:
    weight: float
    roles: tuple[str, ...]
    include: tuple[str, ...]
    all_skills: tuple[tuple[str, ...], ...]
    any_skills: tuple[str, ...]
    nice: tuple[str, ...]
    pitch: tuple[str, ...]


CAMPAIGN_FAMILIES: dict[str, _CampaignFamily] = {
    "data": _CampaignFamily(
        5, ("Data Engineer", "Analytics Engineer", "Data Platform Engineer"),
        ("data engineer", "analytics engineer", "data platform engineer", "etl developer"),
        (("python", "sql"), ("sql",), ("python",)),
        ("spark", "kafka", "airflow", "dbt", "flink", "snowflake", "bigquery", "databricks"),
        ("dbt", "airflow", "aws", "docker", "terraform", "scala"),
        ("We are moving our batch pipelines to streaming with Flink.",
         "You would own the warehouse that every team reports from.",
         "Our data platform serves 40 product teams and is growing fast."),
    ),
    "backend": _CampaignFamily(
        5, ("Backend Engineer", "Software Engineer", "Backend Developer"),
        ("backend engineer", "backend developer", "software engineer", "software developer"),
        (("java",), ("go",), ("python",), ("kotlin",)),
        ("kubernetes", "postgresql", "kafka", "docker", "redis", "grpc", "microservices"),
        ("aws", "terraform", "typescript", "rust"),
        ("The team runs the payment APIs behind 3 million checkouts a day.",
         "We are splitting a monolith into a handful of well-owned services.",
         "You would design the public API that partners integrate with."),
    ),
    "frontend": _CampaignFamily(
        2, ("Frontend Engineer", "Frontend Developer"),
        ("frontend engineer", "frontend developer", "web developer", "ui engineer"),
        (("javascript",), ("typescript",)),
        ("react", "vue", "angular", "next.js"),
        ("graphql", "css", "figma", "jest"),
        ("We are rebuilding our design system around accessibility.",
         "Our web app is used daily by 20,000 warehouse workers."),
    ),
    "devops": _CampaignFamily(
        2, ("Site Reliability Engineer", "Platform Engineer", "DevOps Engineer"),
        ("site reliability engineer", "platform engineer", "devops engineer", "cloud engineer"),
        (("kubernetes",), ("terraform",), ("kubernetes", "terraform")),
        ("aws", "gcp", "azure", "helm", "prometheus", "ansible"),
        ("go", "python", "argocd", "grafana"),
        ("You would run the clusters that host every service we ship.",
         "We are moving three data centres into one cloud region."),
    ),
    "ml": _CampaignFamily(
        2, ("Machine Learning Engineer", "ML Engineer"),
        ("machine learning engineer", "ml engineer", "ai engineer", "applied scientist"),
        (("python",), ("python", "machine learning")),
        ("pytorch", "tensorflow", "scikit-learn", "nlp", "llm", "computer vision"),
        ("mlflow", "spark", "kubernetes", "sql"),
        ("Our ranking models decide what 5 million people see each morning.",
         "You would take research prototypes to production."),
    ),
    "mobile": _CampaignFamily(
        1, ("iOS Developer", "Android Developer", "Mobile Engineer"),
        ("ios developer", "android developer", "mobile engineer"),
        (("swift",), ("kotlin",)),
        ("ios", "android", "swiftui", "jetpack compose", "flutter"),
        ("firebase", "graphql"),
        ("Our app has a 4.8 rating and we intend to keep it.",),
    ),
}  # fmt: skip

_ROLE_LEVELS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Senior ", ("senior", "staff")),
    ("", ("mid", "senior")),
    ("Staff ", ("staff", "principal")),
    ("Lead ", ("senior", "staff", "principal")),
    ("Junior ", ("junior", "mid")),
)

#: Markets a campaign hires in: (country codes, cities with radius km, role location text).
_MARKETS: tuple[tuple[tuple[str, ...], tuple[tuple[str, int], ...], str], ...] = (
    (("DE",), (("Berlin", 50),), "Berlin, Germany"),
    (("DE",), (("Munich", 40), ("Nuremberg", 30)), "Munich, Germany"),
    (("DE", "AT", "CH"), (("Hamburg", 40),), "Hamburg, Germany"),
    (("NL",), (("Amsterdam", 50), ("Utrecht", 30)), "Amsterdam, Netherlands"),
    (("GB", "IE"), (("London", 60),), "London, United Kingdom"),
    (("PL", "CZ"), (("Warsaw", 40), ("Krakow", 40)), "Warsaw, Poland"),
    (("ES", "PT"), (("Barcelona", 40), ("Lisbon", 40)), "Barcelona, Spain"),
    (("US", "CA"), (("New York", 80), ("Toronto", 50)), "New York, United States"),
    (("FR", "BE"), (("Paris", 50),), "Paris, France"),
    (("SE", "DK", "NO", "FI"), (("Stockholm", 50), ("Copenhagen", 40)), "Stockholm, Sweden"),
)

_SENDERS: tuple[str, ...] = (
    "Dana Reyes", "Jonas Weber", "Priya Sharma", "Sam Okafor", "Mia Kowalski",
    "Lucía García", "Søren Nielsen", "Chris Taylor",
)  # fmt: skip

_SUBJECTS: tuple[str, ...] = (
    "{{ role.title }} at {{ role.company }}",
    "{{ top_skill }} and a {{ role.title }} role at {{ role.company }}",
    "{{ first_name }}, a {{ role.title }} role at {{ role.company }}",
)

_BODIES: tuple[str, ...] = (
    "Hi {{ first_name }},\n\n"
    "your work with {{ top_skill }} at {{ current_company }} is close to what our team does"
    " every day. {{ role.company }} is hiring a {{ role.title }}"
    "{% if role.location %} in {{ role.location }}{% endif %}. {{ role.pitch }}\n\n"
    "Would you be open to a 15-minute call next week to see whether it fits?\n\n"
    "{{ sender.name }}\n",
    "Hello {{ first_name }}, I am {{ sender.name }} from {{ role.company }}. We need a"
    " {{ role.title }} who knows {{ top_skill }}, and your time at {{ current_company }}"
    " suggests you do. {{ role.pitch }}\n\n"
    "Could I send you the details, or is now a bad time?\n",
    "Hi {{ first_name }},\n\n"
    "{{ role.pitch }} That is why {{ role.company }} is looking for a {{ role.title }} with"
    " real {{ top_skill }} experience - like what you have built at {{ current_company }}.\n\n"
    "Are you up for a short chat this week or next?\n\n"
    "{{ sender.name }}\n",
)
_EMAIL_OPT_OUT = '\nNot interested? Reply "stop" to opt out and I will not contact you again.\n'


class _BlockDumper(yaml.SafeDumper):
    """Multi-line strings (message bodies) as YAML literal blocks, for readable files."""


def _str_presenter(dumper: yaml.SafeDumper, data: str) -> yaml.ScalarNode:
    style = "|" if "\n" in data else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


_BlockDumper.add_representer(str, _str_presenter)


def campaign_dict(n: int, seed: int, candidates_path: str) -> dict[str, Any]:
    """Campaign `bench-<n>` as plain data (SPEC 2 keys only); depends on (seed, n) only."""
    rnd = random.Random(f"benchmarks.generate:{seed}:{n}")
    family_name = rnd.choices(
        list(CAMPAIGN_FAMILIES), weights=[f.weight for f in CAMPAIGN_FAMILIES.values()]
    )[0]
    fam = CAMPAIGN_FAMILIES[family_name]
    prefix, levels = rnd.choice(_ROLE_LEVELS)
    base_role = rnd.choice(fam.roles)
    title = prefix + base_role
    companies, _ = _companies()
    c_index = rnd.randrange(40)
    company = companies[c_index]
    countries, cities, role_location = rnd.choice(_MARKETS)
    sender_name = rnd.choice(_SENDERS)
    sender_id = sender_name.split()[0].lower().replace("ø", "o").replace("í", "i")
    domain = company.lower().replace(" ", "-").replace("&", "and").replace("ß", "ss") + ".example"

    others = [p for p in fam.include if p != base_role.lower()]
    includes = [base_role.lower(), *rnd.sample(others, k=rnd.randint(0, min(2, len(others))))]
    any_pool = list(fam.any_skills)
    any_skills = rnd.sample(any_pool, k=min(len(any_pool), rnd.randint(2, 4)))
    audience: dict[str, Any] = {
        "skills": {
            "all": list(rnd.choice(fam.all_skills)),
            "any": any_skills,
            "min_any": 1,
            "nice": rnd.sample(list(fam.nice), k=min(len(fam.nice), rnd.randint(1, 3))),
        },
        "titles": {
            "include": includes,
            "exclude": ["recruiter", "intern", "werkstudent"],
        },
    }
    if rnd.random() < 0.7:
        audience["seniority"] = list(levels)
    if rnd.random() < 0.4:
        audience["years_experience"] = {"min": rnd.choice([2, 3, 4, 5]), "max": 25}
    location_style = rnd.random()
    location: dict[str, Any] = {}
    if location_style < 0.4:
        location["countries"] = list(countries)
    elif location_style < 0.7:
        location["cities"] = [{"name": c, "radius_km": r} for c, r in cities]
    elif location_style < 0.9:
        location["countries"] = list(countries)
        location["cities"] = [{"name": c, "radius_km": r} for c, r in cities]
    else:
        location["countries"] = list(countries)
        location["remote"] = True
    location["allow_unknown"] = rnd.random() < 0.3
    audience["location"] = location
    audience["companies"] = {"exclude": [company]}
    audience["open_to_work"] = rnd.choices(["any", "prefer", "only"], weights=[6, 3, 1])[0]

    channel = rnd.choices(["inmail", "linkedin_message", "email"], weights=[7, 2, 1])[0]
    body = rnd.choice(_BODIES)
    if channel == "email":
        body += _EMAIL_OPT_OUT
    data: dict[str, Any] = {
        "version": 1,
        "id": f"bench-{n}",
        "role": {
            "title": title,
            "company": company,
            "location": role_location,
            "url": f"https://jobs.example/{domain.removesuffix('.example')}/{1000 + n}",
            "pitch": rnd.choice(fam.pitch),
        },
        "sender": {"id": sender_id, "name": sender_name, "email": f"{sender_id}@{domain}"},
        "candidates": {"paths": [candidates_path], "list_separator": ";"},
        "audience": audience,
    }
    if family_name == "data":
        data["skill_aliases"] = {"pyspark": "spark"}
    data["ranking"] = {
        "min_score": rnd.choice([0.3, 0.4, 0.5, 0.6]),
        "limit": rnd.choice([None, 150, 500, 2000]),
    }
    data["caps"] = {
        "window_days": rnd.choice([30, 30, 60, 90]),
        "max_touches": rnd.choice([1, 1, 2]),
        "exempt_min_score": rnd.choice([None, None, 0.95]),
    }
    data["suppression"] = {"disinterest_days": 180}
    data["message"] = {
        "channel": channel,
        "subject": rnd.choice(_SUBJECTS),
        "body": body,
        "min_personal_fields": 2,
    }
    data["export"] = {"formats": ["csv"], "tags": ["bench", family_name]}
    data["guardrail"] = {
        "min_response_rate": 0.13,
        "min_sample": 100,
        "window_days": 14,
        "action": "warn",
        "limit_to": 25,
    }
    return data


def campaign_yaml(n: int, seed: int, candidates_path: str) -> str:
    """Campaign `bench-<n>` as YAML text."""
    header = (
        f"# Generated by `python -m benchmarks.generate` (seed {seed}); edits are overwritten.\n"
    )
    body = yaml.dump(
        campaign_dict(n, seed, candidates_path),
        Dumper=_BlockDumper,
        sort_keys=False,
        allow_unicode=True,
        width=100,
        default_flow_style=False,
    )
    return header + body


def write_campaigns(count: int, seed: int, directory: Path, candidates: Path) -> list[Path]:
    """Write `bench-1.yaml` ... `bench-<count>.yaml`, each reading `candidates` (a relative path
    from `directory` when one exists, else absolute)."""
    directory.mkdir(parents=True, exist_ok=True)
    try:
        ref = Path(os.path.relpath(candidates.resolve(), directory.resolve())).as_posix()
    except ValueError:  # another drive on Windows
        ref = candidates.resolve().as_posix()
    paths = []
    for n in range(1, count + 1):
        path = directory / f"bench-{n}.yaml"
        path.write_text(campaign_yaml(n, seed, ref), encoding="utf-8")
        paths.append(path)
    return paths


# --------------------------------------------------------------------------------------------
# Command line.
# --------------------------------------------------------------------------------------------


def _share(text: str) -> float:
    value = float(text)
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"{text} is not a share between 0 and 1")
    return value


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text} is not a positive integer")
    return value


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m benchmarks.generate",
        description="Seeded synthetic candidates, past touches and campaigns for the benchmarks.",
    )
    p.add_argument("--rows", type=_positive, required=True, help="candidate rows to write")
    p.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    p.add_argument("--out", type=Path, required=True, help="candidate CSV to write")
    p.add_argument("--bad-share", type=_share, default=0.005, help="rows with a wrong column count")
    p.add_argument("--dup-share", type=_share, default=0.02, help="rows repeating another person")
    p.add_argument("--multiline-share", type=_share, default=0.002, help="summaries spanning lines")
    p.add_argument(
        "--chunk-rows", type=_positive, default=DEFAULT_CHUNK_ROWS, help=argparse.SUPPRESS
    )
    p.add_argument("--ledger-touches", type=int, default=0, help="past touches to write")
    p.add_argument("--ledger-out", type=Path, help="touches CSV (planner ledger import-touches)")
    p.add_argument(
        "--as-of",
        type=dt.date.fromisoformat,
        default=DEFAULT_AS_OF,
        help="touches are dated in the 90 days before this date (default 2026-11-01)",
    )
    p.add_argument("--campaigns", type=int, default=0, help="campaign files to write")
    p.add_argument("--campaigns-dir", type=Path, help="directory for bench-<n>.yaml files")
    return p


def _summary(kind: str, w: Written, extra: str = "") -> str:
    return (
        f"benchmarks.generate: {kind} {w.rows:,} rows{extra}, {w.bytes:,} bytes -> {w.path}"
        f" in {w.seconds:.1f} s"
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of `python -m benchmarks.generate`; returns the exit code."""
    parser = _parser()
    args = parser.parse_args(argv)
    if args.ledger_touches and args.ledger_out is None:
        parser.error("--ledger-touches needs --ledger-out")
    if args.campaigns and args.campaigns_dir is None:
        parser.error("--campaigns needs --campaigns-dir")
    spec = Spec(
        rows=args.rows,
        seed=args.seed,
        bad_share=args.bad_share,
        dup_share=args.dup_share,
        multiline_share=args.multiline_share,
    )
    written = write_candidates(spec, args.out, args.chunk_rows)
    print(_summary("candidates", written, f" ({written.bad_rows:,} bad)"), file=sys.stderr)
    if args.ledger_touches:
        touches = write_touches(
            spec,
            args.ledger_touches,
            args.ledger_out,
            args.as_of,
            bench_campaigns=max(args.campaigns, 25),
            chunk_rows=args.chunk_rows,
        )
        print(_summary("touches", touches), file=sys.stderr)
    if args.campaigns:
        paths = write_campaigns(args.campaigns, args.seed, args.campaigns_dir, args.out)
        print(
            f"benchmarks.generate: campaigns {len(paths)} files -> {args.campaigns_dir}",
            file=sys.stderr,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
