"""Model validation that does not read again what the caller just read."""


def loaded_relations(instance) -> list[str]:
    """Foreign keys of `instance` set from rows loaded from the database.

    full_clean() checks each foreign key with a SELECT of the row it points
    at. When the relation was set from an instance read moments ago (a form's
    choice, a locked row), that SELECT only repeats the read; keys given as
    bare ids, or set from unsaved instances, are left to full_clean().
    """
    names = []
    for field in instance._meta.concrete_fields:
        if not field.many_to_one and not field.one_to_one:
            continue
        if not field.is_cached(instance):
            continue
        related = field.get_cached_value(instance)
        if related is None or related._state.adding:
            continue
        if getattr(related, field.target_field.attname) == getattr(instance, field.attname):
            names.append(field.name)
    return names


def full_clean_loaded(instance, *, exclude=(), **kwargs) -> None:
    """full_clean(), trusting foreign keys set from loaded rows (loaded_relations)."""
    instance.full_clean(exclude=[*exclude, *loaded_relations(instance)], **kwargs)
