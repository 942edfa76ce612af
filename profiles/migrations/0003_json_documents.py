"""Evaluation results and status-change reasons as JSONDocumentField.

The column stays jsonb (text on SQLite): only how bulk inserts pass the values
changes, so the database is left as it is.
"""

from django.db import migrations

import profiles.models


class Migration(migrations.Migration):
    dependencies = [
        ("profiles", "0002_review_queue_order"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="evaluation",
                    name="results",
                    field=profiles.models.JSONDocumentField(default=list),
                ),
                migrations.AlterField(
                    model_name="statuschange",
                    name="reasons",
                    field=profiles.models.JSONDocumentField(blank=True, default=list),
                ),
            ]
        )
    ]
