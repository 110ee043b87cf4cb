"""Scheduling screens: namespace "practice"."""

from django.urls import path

from practice.views import appointments, booking, calendar, home, setup

app_name = "practice"

urlpatterns = [
    path("", home.home, name="home"),
    path("calendar/", calendar.calendar_day, name="calendar_day"),
    path("calendar/week/", calendar.calendar_week, name="calendar_week"),
    path("book/", booking.book, name="book"),
    path("book/slots/", booking.book_slots, name="book_slots"),
    path("book/clients/", booking.book_clients, name="book_clients"),
    path(
        "appointments/<uuid:appointment_id>/",
        appointments.appointment_detail,
        name="appointment_detail",
    ),
    path(
        "appointments/<uuid:appointment_id>/reschedule/",
        appointments.appointment_reschedule,
        name="appointment_reschedule",
    ),
    path(
        "appointments/<uuid:appointment_id>/reschedule/slots/",
        appointments.appointment_reschedule_slots,
        name="appointment_reschedule_slots",
    ),
    path(
        "appointments/<uuid:appointment_id>/move/",
        calendar.appointment_move,
        name="appointment_move",
    ),
    path(
        "appointments/<uuid:appointment_id>/cancel/",
        appointments.appointment_cancel,
        name="appointment_cancel",
    ),
    path(
        "appointments/<uuid:appointment_id>/check-in/",
        appointments.appointment_check_in,
        name="appointment_check_in",
    ),
    path(
        "appointments/<uuid:appointment_id>/complete/",
        appointments.appointment_complete,
        name="appointment_complete",
    ),
    path(
        "appointments/<uuid:appointment_id>/no-show/",
        appointments.appointment_no_show,
        name="appointment_no_show",
    ),
    *setup.urlpatterns(),
]
