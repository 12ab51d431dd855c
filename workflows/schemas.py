from django.db import models


class DocSchema(models.TextChoices):
    """The GOBL document types a workflow can be made for."""

    INVOICE = "bill/invoice", "Invoice"
    PARTY = "org/party", "Party"
    PAYMENT = "bill/payment", "Payment"
    ORDER = "bill/order", "Order"
    DELIVERY = "bill/delivery", "Delivery"
    STATUS = "bill/status", "Status"
    MESSAGE = "note/message", "Message"
