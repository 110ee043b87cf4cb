"""The front desk's waitlist: namespace "waitlist"."""

from django.urls import path

from practice.waitlist import views

app_name = "waitlist"

urlpatterns = [
    path("", views.waitlist_list, name="list"),
    path("add/", views.waitlist_add, name="add"),
    path("<uuid:waitlist_entry_id>/withdraw/", views.waitlist_withdraw, name="withdraw"),
    path("offers/<uuid:offer_id>/book/", views.waitlist_book_offer, name="book_offer"),
]
