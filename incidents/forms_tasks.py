"""Forms for tasks and trigger alerts (SPEC W2, W3). The services hold the rules."""

from datetime import timedelta

from django import forms
from django.utils import timezone

from common.forms import GovukDateField

from .models import Alert
from .services.tasks import assignable_users


class UserChoiceField(forms.TypedChoiceField):
    """A select of the viewer's partnership's users, grouped by organisation (one query).

    Users who may not be given work (basic users, disabled users, users of a suspended
    organisation) are not offered; the service checks again whatever is posted.
    """

    def __init__(self, **kwargs):
        super().__init__(coerce=int, empty_value=None, **kwargs)

    def load(self, empty_label: str, viewer) -> None:
        users = list(assignable_users(viewer))
        self._users = {user.pk: user for user in users}
        groups: dict[str, list] = {}
        for user in users:
            groups.setdefault(str(user.organisation), []).append((user.pk, str(user)))
        self.choices = [("", empty_label), *groups.items()]

    def user(self, pk):
        return self._users.get(pk) if pk is not None else None


class _UserFormMixin:
    """Forms that choose a user take `viewer=` (the signed-in user): only the users of their
    partnership are offered."""

    user_fields: dict[str, str] = {}

    def __init__(self, *args, viewer, **kwargs):
        self.viewer = viewer
        super().__init__(*args, **kwargs)

    def _load_users(self):
        for name, empty_label in self.user_fields.items():
            self.fields[name].load(empty_label, self.viewer)

    def chosen_user(self, name: str):
        return self.fields[name].user(self.cleaned_data.get(name))


class TaskForm(_UserFormMixin, forms.Form):
    user_fields = {"assigned_to": "Choose a person"}

    assigned_to = UserChoiceField(
        label="Who is the task for?",
        help_text="Someone in another organisation can see and work this incident while the "
        "task is open to them.",
        error_messages={
            "required": "Choose who the task is for.",
            "invalid_choice": "Choose who the task is for from the list.",
        },
    )
    title = forms.CharField(
        label="What needs to be done?",
        max_length=200,
        error_messages={
            "required": "Enter what needs to be done.",
            "max_length": "The task must be 200 characters or fewer.",
        },
    )
    details = forms.CharField(
        label="Details (optional)",
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
        max_length=10000,
        error_messages={"max_length": "The details must be 10,000 characters or fewer."},
    )
    due_on = GovukDateField(
        label="Due date",
        name="The due date",
        help_text="For example, 27 3 2026.",
        required_message="Enter the date the task is due.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._load_users()
        if not self.is_bound:
            self.initial.setdefault("due_on", timezone.localdate() + timedelta(days=7))


class AlertForm(_UserFormMixin, forms.Form):
    user_fields = {"recipient": "Choose a person"}

    recipient = UserChoiceField(
        label="Who needs to know?",
        help_text="They must already be able to see this incident. To share it with someone "
        "who cannot, raise a task for them.",
        error_messages={
            "required": "Choose who to alert.",
            "invalid_choice": "Choose who to alert from the list.",
        },
    )
    kind = forms.ChoiceField(
        label="Kind of alert",
        choices=[(k.value, k.label) for k in Alert.PERSON_TO_PERSON],
        initial=Alert.Kind.ATTENTION,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the kind of alert."},
    )
    message = forms.CharField(
        label="Message (optional)",
        help_text="Shown in their inbox only. The e-mail they get says only the reference, "
        "the kind of alert and a link.",
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=2000,
        error_messages={"max_length": "The message must be 2,000 characters or fewer."},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._load_users()


class CompleteTaskForm(forms.Form):
    note = forms.CharField(
        label="What was done?",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=10000,
        error_messages={
            "required": "Enter what was done.",
            "max_length": "The note must be 10,000 characters or fewer.",
        },
    )


class CancelTaskForm(forms.Form):
    reason = forms.CharField(
        label="Why is the task no longer needed?",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=10000,
        error_messages={
            "required": "Enter why the task is cancelled.",
            "max_length": "The reason must be 10,000 characters or fewer.",
        },
    )


class ReassignTaskForm(_UserFormMixin, forms.Form):
    user_fields = {"to": "Choose a person"}

    to = UserChoiceField(
        label="Give the task to",
        error_messages={
            "required": "Choose who to give the task to.",
            "invalid_choice": "Choose who to give the task to from the list.",
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._load_users()
