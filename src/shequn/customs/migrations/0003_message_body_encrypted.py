from django.db import migrations, models


class Migration(migrations.Migration):
    """Messages are stored encrypted: they carry buyers' ID numbers and phones."""

    dependencies = [("customs", "0002_receipt_kind_length")]

    operations = [
        migrations.RemoveField(model_name="message", name="body"),
        migrations.AddField(model_name="message", name="body_enc",
                            field=models.TextField(default=""), preserve_default=False),
    ]
