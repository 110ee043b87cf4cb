"""Billing pages: namespace "billing", mounted at /billing/."""

from django.urls import path

from . import views

app_name = "billing"

urlpatterns = [
    path("checkout/<uuid:appointment_id>/", views.checkout, name="checkout"),
    path("invoices/<uuid:invoice_id>/", views.invoice, name="invoice"),
    path("invoices/<uuid:invoice_id>/lines/", views.line_add, name="line_add"),
    path(
        "invoices/<uuid:invoice_id>/lines/<int:line_id>/remove/",
        views.line_remove,
        name="line_remove",
    ),
    path("invoices/<uuid:invoice_id>/issue/", views.issue, name="issue"),
    path("invoices/<uuid:invoice_id>/void/", views.void, name="void"),
    path("invoices/<uuid:invoice_id>/waive/", views.waive, name="waive"),
    path("invoices/<uuid:invoice_id>/payments/", views.payment_add, name="payment_add"),
    path(
        "invoices/<uuid:invoice_id>/payments/<uuid:payment_id>/refund/",
        views.refund_add,
        name="refund_add",
    ),
    path("invoices/<uuid:invoice_id>/receipt.pdf", views.receipt, name="receipt"),
    path("invoices/<uuid:invoice_id>/receipt/email/", views.receipt_email, name="receipt_email"),
    path("invoices/<uuid:invoice_id>/package/", views.package_pay, name="package_pay"),
    path("invoices/<uuid:invoice_id>/gift-card/", views.gift_card_pay, name="gift_card_pay"),
    path("clients/<uuid:client_id>/sell/", views.sell, name="sell"),
    path("clients/<uuid:client_id>/sell/package/", views.sell_package, name="sell_package"),
    path("clients/<uuid:client_id>/sell/gift-card/", views.sell_gift_card, name="sell_gift_card"),
    path("packages/", views.package_products, name="package_products"),
    path("day-sheet/", views.day_sheet, name="day_sheet"),
    path("my-takings/", views.my_takings, name="my_takings"),
]
