"""Default reference data: a starting point that administrators adjust (M2).

Aggravating factors are the list of the Leicestershire Sentinel information-sharing
agreement (C3). The PEN codes are the fourteen national ASB types used before the 2011
categories; the risk questionnaire is written from the vulnerability factors in the
information-sharing agreements (repeat victimisation, targeting for a protected
characteristic, disability, effect on health, isolation...). See docs/requirements.md and
docs/decisions/0006-default-reference-data.md.
"""

from django.db import migrations

AGGRAVATING_FACTORS = [
    ("age", "Age"),
    ("alcohol", "Alcohol"),
    ("disability", "Disability"),
    ("domestic", "Domestic abuse"),
    ("drugs", "Drugs"),
    ("gender", "Gender"),
    ("race", "Race"),
    ("religion", "Religion"),
    ("sexual_orientation", "Sexual orientation"),
    ("student", "Student"),
]

PEN_CODES = [
    ("ASB01", "Abandoned vehicles"),
    ("ASB02", "Vehicle nuisance or inappropriate use"),
    ("ASB03", "Rowdy or inconsiderate behaviour"),
    ("ASB04", "Rowdy or nuisance neighbours"),
    ("ASB05", "Littering or drugs paraphernalia"),
    ("ASB06", "Animal problems"),
    ("ASB07", "Trespassing"),
    ("ASB08", "Nuisance calls"),
    ("ASB09", "Street drinking or begging"),
    ("ASB10", "Prostitution-related activity"),
    ("ASB11", "Nuisance noise"),
    ("ASB12", "Inappropriate use of fireworks"),
    ("ASB13", "Malicious or nuisance communications"),
    ("ASB14", "Hoax calls to emergency services"),
]

QUALIFIER_CODES = [
    ("ALC", "Alcohol related"),
    ("DOM", "Domestic related"),
    ("HATE", "Hate related"),
    ("YOUTH", "Youth related"),
    ("NTE", "Night-time economy"),
    ("REPEAT", "Repeat location"),
]

# (question, weight)
RISK_QUESTIONS = [
    ("Has the victim reported three or more incidents in the last three months?", 3),
    (
        "Does the victim believe they are targeted because of race, religion, disability, "
        "sexual orientation, gender identity or age?",
        3,
    ),
    ("Have there been threats of violence, or actual violence?", 3),
    ("Does the victim have a disability, illness or long-term condition?", 2),
    ("Is the behaviour affecting the victim's physical or mental health?", 2),
    ("Is the victim afraid to leave their home, or to stay in it?", 2),
    ("Is a child or a vulnerable adult in the household affected?", 2),
    ("Is the behaviour getting worse or more frequent?", 2),
    ("Does the victim live alone, or lack support from family, friends or neighbours?", 1),
    ("Has the victim's home or property been damaged or targeted?", 1),
    ("Is the victim thinking of moving home because of the behaviour?", 1),
]


def load(apps, schema_editor):
    for model, rows in (
        ("AggravatingFactor", AGGRAVATING_FACTORS),
        ("PenCode", PEN_CODES),
        ("QualifierCode", QUALIFIER_CODES),
    ):
        Model = apps.get_model("incidents", model)
        for code, label in rows:
            Model.objects.get_or_create(code=code, defaults={"label": label})
    RiskQuestion = apps.get_model("incidents", "RiskQuestion")
    for order, (text, weight) in enumerate(RISK_QUESTIONS, start=1):
        RiskQuestion.objects.get_or_create(text=text, defaults={"weight": weight, "order": order})
    # Out of 22: Medium from 6, High from 12.
    apps.get_model("incidents", "CaseRules").objects.update_or_create(
        pk=1, defaults={"medium_from": 6, "high_from": 12}
    )


class Migration(migrations.Migration):
    dependencies = [("incidents", "0003_historicalriskassessment_involvement_and_more")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
