from django.apps import AppConfig


class InventoryConfig(AppConfig):
    name = "shequn.inventory"
    label = "inventory"
    verbose_name = "库存 Inventory"
