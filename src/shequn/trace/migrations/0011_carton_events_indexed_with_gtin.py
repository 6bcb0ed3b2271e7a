"""Index rows of Shequn's cartons carry the GTIN of the units they were packed
for (store.carton_gtins does so for new events): the brand's key then sees its
cartons' shipping and receiving. Rows written before are brought up to date
here, a thousand cartons per statement."""

from django.db import migrations



def forwards(apps, schema_editor):
    from shequn.trace.gs1 import canonical_carton

    Carton = apps.get_model("trace", "Carton")
    EpcIndex = apps.get_model("trace", "EpcIndex")
    rows = (Carton.objects.filter(batch__isnull=False).order_by("pk")
            .values_list("sscc", "batch__gtin"))
    chunk: dict[str, list[str]] = {}
    count = 0
    for sscc, gtin in rows.iterator(chunk_size=1000):
        chunk.setdefault(gtin, []).append(canonical_carton(sscc))
        count += 1
        if count % 1000 == 0:
            _apply(EpcIndex, chunk)
            chunk = {}
    _apply(EpcIndex, chunk)


def _apply(EpcIndex, chunk):
    for gtin, epcs in chunk.items():
        EpcIndex.objects.filter(epc__in=epcs, gtin="").update(gtin=gtin)


class Migration(migrations.Migration):
    dependencies = [("trace", "0010_scan_unit_index")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
