import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.utils.text import slugify


def fill_codes(apps, schema_editor):
    """Give every existing area and organisation a code, from its name (slugified, and
    numbered if two names slugify alike), before the codes become unique."""
    for model_name in ("Area", "Organisation"):
        model = apps.get_model("access", model_name)
        taken: set[str] = set()
        for row in model.objects.order_by("pk"):
            base = (slugify(row.name) or f"{model_name.lower()}-{row.pk}")[:34]
            code, number = base, 1
            while code in taken:
                number += 1
                code = f"{base}-{number}"
            taken.add(code)
            model.objects.filter(pk=row.pk).update(code=code)


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
