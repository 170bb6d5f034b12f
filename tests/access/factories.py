import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from access.models import User, UserGroup

PASSWORD = "a-long-test-password"


class UserFactory(DjangoModelFactory):
    """An enabled user: code of connection confirmed, trained as their group requires."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name", locale="en_GB")
    last_name = factory.Faker("last_name", locale="en_GB")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.invalid")
    group = UserGroup.OPERATIONAL
    training_level = factory.LazyAttribute(
        lambda u: 2 if u.group == UserGroup.ADMINISTRATOR else 1
    )
    code_of_connection_confirmed_at = factory.LazyFunction(timezone.now)
    password = factory.django.Password(PASSWORD)
