"""Load the demo catalog (44 products with fit geometry). Idempotent: products match by slug."""

from typing import Any

from django.core.management.base import BaseCommand

from recommendations.catalog.services import product_load_demo_catalog


class Command(BaseCommand):
    help = "Create or update the demo product catalog."

    def handle(self, *args: Any, **options: Any) -> None:
        result = product_load_demo_catalog()
        self.stdout.write(
            self.style.SUCCESS(f"Demo catalog: {result.created} products created, {result.updated} updated.")
        )
