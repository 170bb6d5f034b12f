import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.utils.text import slugify


# The codes of the example partnership's file (access/partnerships/leicestershire.yaml), so
# that a database holding the example partnership matches its file once migrated: loading
# the file again then changes nothing.
EXAMPLE_CODES = {
    "Area": {
        "Leicestershire Police force area": "leics-force",
        "Leicestershire": "leics",
        "Leicester City": "leicester",
        "Rutland": "rutland",
        "Blaby": "blaby",
        "Charnwood": "charnwood",
        "Harborough": "harborough",
        "Hinckley and Bosworth": "hinckley-bosworth",
        "Melton": "melton",
        "North West Leicestershire": "nw-leics",
        "Oadby and Wigston": "oadby-wigston",
    },
    "Organisation": {
        "Leicestershire Police": "leics-police",
        "Leicestershire County Council": "leics-cc",
        "Leicester City Council": "leicester-cc",
        "Rutland County Council": "rutland-cc",
        "Blaby District Council": "blaby-dc",
        "Charnwood Borough Council": "charnwood-bc",
        "Harborough District Council": "harborough-dc",
        "Hinckley and Bosworth Borough Council": "hinckley-bosworth-bc",
        "Melton Borough Council": "melton-bc",
        "North West Leicestershire District Council": "nw-leics-dc",
        "Oadby and Wigston Borough Council": "oadby-wigston-bc",
        "Charnwood Neighbourhood Housing": "charnwood-housing",
    },
}


def fill_codes(apps, schema_editor):
    """Give every existing area and organisation a code before the codes become unique: the
    example partnership's file's code for its rows, and for others one from the name
    (slugified, and numbered if two names slugify alike)."""
    for model_name, example in EXAMPLE_CODES.items():
        model = apps.get_model("access", model_name)
        rows = list(model.objects.order_by("pk"))
        codes = {row.pk: example[row.name] for row in rows if row.name in example}
        taken = set(codes.values())
        for row in rows:
            if row.pk in codes:
                continue
            base = (slugify(row.name) or f"{model_name.lower()}-{row.pk}")[:34]
            code, number = base, 1
            while code in taken:
                number += 1
                code = f"{base}-{number}"
            taken.add(code)
            codes[row.pk] = code
        for pk, code in codes.items():
            model.objects.filter(pk=pk).update(code=code)


class Migration(migrations.Migration):
    """Codes for areas and organisations, so that a partnership file can name them (and
    be loaded again after a name changes); the kinds of partner the partnership has; each
    partner's designated officer and nominated representative; the date its
    information-sharing agreement was signed and its code-of-connection version."""

    dependencies = [
        ("access", "0005_signed_in_session_user_agent"),
    ]

    operations = [
        migrations.AddField(
            model_name="area",
            name="code",
            field=models.CharField(max_length=40, null=True),
        ),
        migrations.AddField(
            model_name="historicalarea",
            name="code",
            field=models.CharField(db_index=True, default="", max_length=40),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="organisation",
            name="code",
            field=models.CharField(max_length=40, null=True),
        ),
        migrations.AddField(
            model_name="historicalorganisation",
            name="code",
            field=models.CharField(db_index=True, default="", max_length=40),
            preserve_default=False,
        ),
        migrations.RunPython(fill_codes, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="area",
            name="code",
            field=models.CharField(max_length=40, unique=True),
        ),
        migrations.AlterField(
            model_name="organisation",
            name="code",
            field=models.CharField(max_length=40, unique=True),
        ),
        migrations.AddField(
            model_name="organisation",
            name="designated_officer",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="historicalorganisation",
            name="designated_officer",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="organisation",
            name="nominated_representative",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="historicalorganisation",
            name="nominated_representative",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="organisation",
            name="information_sharing_agreement_signed",
            field=models.DateField(
                blank=True, null=True, verbose_name="information-sharing agreement signed"
            ),
        ),
        migrations.AddField(
            model_name="historicalorganisation",
            name="information_sharing_agreement_signed",
            field=models.DateField(
                blank=True, null=True, verbose_name="information-sharing agreement signed"
            ),
        ),
        migrations.AddField(
            model_name="organisation",
            name="code_of_connection_version",
            field=models.CharField(blank=True, default="", max_length=20),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="historicalorganisation",
            name="code_of_connection_version",
            field=models.CharField(blank=True, default="", max_length=20),
            preserve_default=False,
        ),
        migrations.AlterField(
            model_name="organisation",
            name="kind",
            field=models.CharField(
                choices=[
                    ("police", "Police force"),
                    ("county", "County council"),
                    ("district", "District, borough or city council"),
                    ("unitary", "Unitary council"),
                    ("housing", "Housing provider"),
                    ("youth_offending", "Youth justice service"),
                    ("fire", "Fire and rescue service"),
                    ("probation", "Probation"),
                    ("voluntary", "Voluntary or community body"),
                    ("other", "Other"),
                ],
                max_length=20,
            ),
        ),
        migrations.AlterField(
            model_name="historicalorganisation",
            name="kind",
            field=models.CharField(
                choices=[
                    ("police", "Police force"),
                    ("county", "County council"),
                    ("district", "District, borough or city council"),
                    ("unitary", "Unitary council"),
                    ("housing", "Housing provider"),
                    ("youth_offending", "Youth justice service"),
                    ("fire", "Fire and rescue service"),
                    ("probation", "Probation"),
                    ("voluntary", "Voluntary or community body"),
                    ("other", "Other"),
                ],
                max_length=20,
            ),
        ),
    ]
