"""PostgreSQL refuses changes to an issued invoice's lines and fixed fields.

save() already refuses them; the trigger holds against a queryset update or
a direct SQL edit too. SQLite (the first-run database) relies on save().
"""

from django.db import migrations

FORWARD = """
CREATE FUNCTION billing_refuse_issued_invoice_change() RETURNS trigger AS $$
BEGIN
    IF OLD.status <> 'draft' AND (
        NEW.client_id IS DISTINCT FROM OLD.client_id
        OR NEW.appointment_id IS DISTINCT FROM OLD.appointment_id
        OR NEW.number IS DISTINCT FROM OLD.number
        OR NEW.issued_at IS DISTINCT FROM OLD.issued_at
        OR NEW.subtotal IS DISTINCT FROM OLD.subtotal
        OR NEW.tax IS DISTINCT FROM OLD.tax
        OR NEW.total IS DISTINCT FROM OLD.total
        OR NEW.status = 'draft'
        OR (OLD.status = 'void' AND NEW.status <> 'void')
    ) THEN
        RAISE EXCEPTION 'issued invoice % cannot change', OLD.number USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$ LANGUAGE plpgsql;

CREATE TRIGGER billing_invoice_fixed BEFORE UPDATE ON billing_invoice
    FOR EACH ROW EXECUTE FUNCTION billing_refuse_issued_invoice_change();

CREATE FUNCTION billing_refuse_issued_line_change() RETURNS trigger AS $$
DECLARE
    invoice_status text;
BEGIN
    SELECT status INTO invoice_status FROM billing_invoice
        WHERE id = COALESCE(NEW.invoice_id, OLD.invoice_id);
    IF invoice_status IS NOT NULL AND invoice_status <> 'draft' THEN
        RAISE EXCEPTION 'lines of an issued invoice cannot change' USING ERRCODE = 'check_violation';
    END IF;
    RETURN COALESCE(NEW, OLD);
END $$ LANGUAGE plpgsql;

CREATE TRIGGER billing_invoice_line_fixed BEFORE INSERT OR UPDATE OR DELETE ON billing_invoiceline
    FOR EACH ROW EXECUTE FUNCTION billing_refuse_issued_line_change();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS billing_invoice_line_fixed ON billing_invoiceline;
DROP FUNCTION IF EXISTS billing_refuse_issued_line_change();
DROP TRIGGER IF EXISTS billing_invoice_fixed ON billing_invoice;
DROP FUNCTION IF EXISTS billing_refuse_issued_invoice_change();
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        # params=None: the SQL holds a literal % (RAISE placeholders), not parameters.
        schema_editor.execute(FORWARD, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD, params=None)


class Migration(migrations.Migration):
    dependencies = [("billing", "0001_initial")]

    operations = [migrations.RunPython(forward, backward)]
