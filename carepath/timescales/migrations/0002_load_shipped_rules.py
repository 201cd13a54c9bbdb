"""Load the shipped timescale rules into the rules table, so that a new installation (and every test
database) starts with them rather than loading them on first use."""

from django.db import migrations


def load(apps, schema_editor):
    from carepath.timescales.rulebook import default_rules

    Rule = apps.get_model("timescales", "Rule")
    RuleChange = apps.get_model("timescales", "RuleChange")
    have = set(Rule.objects.values_list("rule_id", flat=True))
    names = {f.name for f in Rule._meta.get_fields()}
    for spec in default_rules():
        if spec.id in have:
            continue
        values = {k: v for k, v in spec.as_dict().items() if k in names and k != "id"}
        rule = Rule.objects.create(rule_id=spec.id, **values)
        RuleChange.objects.create(
            rule=rule, field="(added)", old_value=None, new_value=spec.as_dict(), origin="shipped rules"
        )


class Migration(migrations.Migration):
    dependencies = [("timescales", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
