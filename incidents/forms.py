from django import forms
from django.conf import settings

from access.models import Area

from .models import Incident


class LeafAreaChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Area) -> str:
        return obj.name


class LogComplaintForm(forms.Form):
    area = LeafAreaChoiceField(
        label="Where did it happen?",
        help_text="The district, city or unitary area.",
        queryset=Area.objects.none(),
        empty_label="Choose an area",
        error_messages={"required": "Choose the area where it happened."},
    )
    description = forms.CharField(
        label="What happened?",
        help_text="Describe the behaviour, who was affected and how. Do not abbreviate.",
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=10000,
        error_messages={
            "required": "Enter what happened.",
            "max_length": "What happened must be 10,000 characters or fewer.",
        },
    )
    marking = forms.ChoiceField(
        label="Protective marking",
        help_text="Confidential records are seen only by your organisation and explicit shares.",
        choices=Incident.Marking.choices,
        initial=Incident.Marking.RESTRICTED,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose a protective marking."},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Incidents belong to exactly one leaf area (T2).
        self.fields["area"].queryset = Area.objects.filter(numchild=0).order_by("name")
        # The words this partnership prints for each marking (docs/decisions/0004).
        labels = settings.MARKING_LABELS[settings.MARKING_SCHEME]
        self.fields["marking"].choices = [(value, labels[value]) for value in Incident.Marking]
