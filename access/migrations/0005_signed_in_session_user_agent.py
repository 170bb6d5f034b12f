from django.db import migrations, models


class Migration(migrations.Migration):
    """Which browser and device each signed-in session is, for the account page's list of
    where the user is signed in."""

    dependencies = [
        ("access", "0004_security_and_registers"),
    ]

    operations = [
        migrations.AddField(
            model_name="signedinsession",
            name="user_agent",
            field=models.CharField(blank=True, default="", max_length=400),
        ),
    ]
