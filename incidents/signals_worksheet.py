"""The working sheet is append-only (SPEC W1), enforced at the model layer as well.

The services never update or delete an entry, but a stray `entry.save()` or `entry.delete()`
in a view, a shell or a later feature would silently rewrite the record of a case. These
receivers refuse both:

- saving an entry that already exists raises `AppendOnlyError` (a correction is a new entry
  that points at the corrected one);
- deleting an entry raises, unless the deletion started from its incident: retention deletes
  whole incidents (SPEC D2), and Django tells the receiver where a deletion began (`origin`,
  the instance or queryset `.delete()` was called on).

`QuerySet.update()` sends no signals; nothing in the application calls it on entries.
The module is imported by incidents/services/worksheet.py (and so by every page, API view and
task that writes entries); the app's `ready()` should import it too (reported to the owner).
"""

from django.db.models import QuerySet
from django.db.models.signals import pre_delete, pre_save
from django.dispatch import receiver

from .models import Incident, WorkingSheetEntry


class AppendOnlyError(Exception):
    """A working-sheet entry was about to be changed or deleted."""


@receiver(pre_save, sender=WorkingSheetEntry, dispatch_uid="worksheet_entry_append_only_save")
def _refuse_changes(sender, instance, raw=False, **kwargs):
    if raw:  # loading fixtures
        return
    if not instance._state.adding or (
        instance.pk is not None and sender.objects.filter(pk=instance.pk).exists()
    ):
        raise AppendOnlyError(
            "Working-sheet entries cannot be changed: add a correction that refers to it."
        )


def _deletion_starts_at_incident(origin) -> bool:
    if isinstance(origin, Incident):
        return True
    return isinstance(origin, QuerySet) and origin.model is Incident


@receiver(pre_delete, sender=WorkingSheetEntry, dispatch_uid="worksheet_entry_append_only_delete")
def _refuse_deletion(sender, instance, origin=None, **kwargs):
    if not _deletion_starts_at_incident(origin):
        raise AppendOnlyError(
            "Working-sheet entries cannot be deleted, only the whole incident (retention)."
        )
