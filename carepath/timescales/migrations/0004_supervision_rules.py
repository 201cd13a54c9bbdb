"""Issue 5 brings supervision records. SUPV used to start on a supervision session (no clock before
the first one); it now starts when the worker starts in post, so a worker never supervised is
overdue too. An installation that has not changed SUPV's start gets the new one; the rules the
release adds (SUPV-NQ-*, CASE-SUPV, DIRECTION-ACTION, AUDIT-*) are added as migration 0002 does."""

from django.db import migrations


def update(apps, schema_editor):
    from carepath.timescales.rulebook import default_rules

    Rule = apps.get_model("timescales", "Rule")
    RuleChange = apps.get_model("timescales", "RuleChange")
    shipped = {spec.id: spec for spec in default_rules()}
    supv = Rule.objects.filter(rule_id="SUPV", start_event="supervision_session").first()
    if supv is not None and "SUPV" in shipped:
        supv.start_event = shipped["SUPV"].start_event
        supv.source = shipped["SUPV"].source
        supv.save(update_fields=["start_event", "source"])
        RuleChange.objects.create(
            rule=supv,
            field="start_event",
            old_value="supervision_session",
            new_value=supv.start_event,
            origin="shipped rules (release with supervision records)",
        )
    have = set(Rule.objects.values_list("rule_id", flat=True))
    names = {f.name for f in Rule._meta.get_fields()}
    for spec in shipped.values():
        if spec.id in have:
            continue
        values = {k: v for k, v in spec.as_dict().items() if k in names and k != "id"}
        rule = Rule.objects.create(rule_id=spec.id, **values)
        RuleChange.objects.create(
            rule=rule, field="(added)", old_value=None, new_value=spec.as_dict(), origin="shipped rules"
        )


class Migration(migrations.Migration):
    dependencies = [("timescales", "0003_deadline_ended_on")]

    operations = [migrations.RunPython(update, migrations.RunPython.noop)]
