from decimal import Decimal
from typing import Any

import factory

from accounts.models import Role, User
from recommendations.models import Product


class ProductFactory(factory.django.DjangoModelFactory[Product]):
    class Meta:
        model = Product

    brand = factory.Sequence(lambda n: f"Brand {n}")
    model = factory.Sequence(lambda n: f"Model {n}")
    slug = factory.Sequence(lambda n: f"brand-model-{n}")
    form_factor = "in_ear"
    tip_sizes = factory.LazyFunction(lambda: ["S", "M", "L"])
    shell_width_mm = Decimal("17.0")
    weight_g = Decimal("5.0")
    anc = False
    wireless = True
    water_resistance = "IPX4"
    microphone = True
    price = Decimal("99.00")


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    role = Role.SHOPPER

    @factory.post_generation
    def password(obj: Any, create: bool, extracted: str | None, **kwargs: Any) -> None:
        obj.set_password(extracted or "a-long-test-password")
        if create:
            obj.save()
