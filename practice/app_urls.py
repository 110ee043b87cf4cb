"""Staff pages of the practice app: namespace "practice"."""

from django.urls import path

from . import views, views_appointments, views_booking, views_calendar, views_setup

app_name = "practice"

urlpatterns = [
    path("", views.home, name="home"),
    path("calendar/", views_calendar.calendar_day, name="calendar_day"),
    path("calendar/week/", views_calendar.calendar_week, name="calendar_week"),
    path("book/", views_booking.book, name="book"),
    path("book/slots/", views_booking.book_slots, name="book_slots"),
    path("book/clients/", views_booking.book_clients, name="book_clients"),
    path(
        "appointments/<uuid:appointment_id>/",
        views_appointments.appointment_detail,
        name="appointment_detail",
    ),
    path(
        "appointments/<uuid:appointment_id>/reschedule/",
        views_appointments.appointment_reschedule,
        name="appointment_reschedule",
    ),
    path(
        "appointments/<uuid:appointment_id>/cancel/",
        views_appointments.appointment_cancel,
        name="appointment_cancel",
    ),
    path(
        "appointments/<uuid:appointment_id>/check-in/",
        views_appointments.appointment_check_in,
        name="appointment_check_in",
    ),
    path(
        "appointments/<uuid:appointment_id>/complete/",
        views_appointments.appointment_complete,
        name="appointment_complete",
    ),
    path(
        "appointments/<uuid:appointment_id>/no-show/",
        views_appointments.appointment_no_show,
        name="appointment_no_show",
    ),
    *views_setup.urlpatterns(),
]
