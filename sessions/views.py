"""Session notes, charting backlog, client treatment history and plans.

Thin views: look the record up through a scoped selector (404 outside the
user's scope), parse the form, call a service, redirect after POST.
"""

from functools import partial, wraps

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods
from django_htmx.http import HttpResponseClientRedirect

from clients.models import Score
from clients.selectors import get_client_for_user, treatment_cautions
from practice.security.access import Role, owner_required, roles_of, roles_required
from practice.validation import parse_id

from . import selectors, services
from .forms import (
    AmendedTechniqueFormSet,
    AmendmentForm,
    CorrectionForm,
    GoalFormSet,
    NoteForm,
    PlanCloseForm,
    PlanForm,
    ReassignForm,
    SignConfirmForm,
    TechniqueApplicationForm,
    TechniqueForm,
)
from .models import SessionNote, Technique, TechniqueApplication

clinical_staff = roles_required(Role.OWNER, Role.THERAPIST)


def post_only(load):
    """Load the record first (404 outside the user's scope), then refuse non-POST.

    The order matters: a user who may not see a record must get 404, not a
    405 that admits the record exists.
    """

    def decorator(view):
        @wraps(view)
        def wrapped(request, **kwargs):
            record = load(request, **kwargs)
            if request.method != "POST":
                return HttpResponseNotAllowed(["POST"])
            return view(request, record)

        return wrapped

    return decorator


def _error_text(error: ValidationError) -> str:
    return " ".join(error.messages)


def _apply_errors(form, error: ValidationError):
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def _own_note(request, note_id, **_):
    """The note if the user may read it; 404 unless they are its author."""
    note = selectors.get_note_for_user(request.user, note_id)
    if not selectors.is_author(request.user, note):
        raise Http404
    return note


def _visible_note(request, note_id, **_):
    return selectors.get_note_for_user(request.user, note_id)


def _own_plan(request, plan_id, **_):
    plan = selectors.get_plan_for_user(request.user, plan_id)
    if not selectors.is_author(request.user, plan):
        raise Http404
    return plan


def _visible_plan(request, plan_id, **_):
    return selectors.get_plan_for_user(request.user, plan_id)


def _remote_addr(request):
    return request.META.get("REMOTE_ADDR")


# Charting backlog ----------------------------------------------------------


@clinical_staff
@require_GET
def backlog(request):
    appointments = list(
        selectors.charting_backlog(user=request.user).select_related(
            "client", "therapist", "service", "session_note"
        )[:200]
    )
    return render(
        request,
        "sessions/backlog.html",
        {
            "appointments": appointments,
            "show_therapist": selectors.therapist_of(request.user) is None,
        },
    )


# Notes ---------------------------------------------------------------------


@clinical_staff
@require_http_methods(["GET", "POST"])
def note_for_appointment(request, appointment_id):
    """Open the appointment's note; the author starts a draft with a POST ("Write note").

    A GET never writes: it opens the note that exists, or offers the button.
    """
    appointment = selectors.get_appointment_for_user(request.user, appointment_id)
    note = SessionNote.objects.filter(appointment=appointment).first()
    author = selectors.is_author(request.user, appointment)
    if note is None and request.method == "GET":
        if not author:
            return render(request, "sessions/note_missing.html", {"appointment": appointment})
        problem = selectors.note_start_problem(appointment)
        if problem:
            messages.error(request, problem)
            return redirect("sessions:backlog")
        return render(request, "sessions/note_start.html", {"appointment": appointment})
    if not author or note is not None:
        if note is None:
            raise Http404
        view = "sessions:note_edit" if author and not note.is_signed else "sessions:note_detail"
        return redirect(view, note_id=note.pk)
    try:
        note = services.note_open_for_appointment(appointment=appointment, user=request.user)
    except ValidationError as error:
        messages.error(request, _error_text(error))
        return redirect("sessions:backlog")
    if note.is_signed:
        return redirect("sessions:note_detail", note_id=note.pk)
    return redirect("sessions:note_edit", note_id=note.pk)


def _note_form_initial(note):
    pain = selectors.note_pain_scores(note)
    initial = {"version": note.version}
    for field, context in (("pain_before", "pre_session"), ("pain_after", "post_session")):
        if context in pain:
            initial[field] = int(pain[context].value)
    return initial


def _render_editor(request, note, form, status=200):
    return render(
        request,
        "sessions/note_edit.html",
        {
            "note": note,
            "form": form,
            "technique_form": TechniqueApplicationForm(),
            "cautions": treatment_cautions(note.client),
            **selectors.note_detail(note),
        },
        status=status,
    )


@clinical_staff
def note_edit(request, note_id):
    """The SOAP editor for the author's draft; everyone else reads the note."""
    note = selectors.get_note_for_user(request.user, note_id)
    if note.is_signed or not selectors.is_author(request.user, note):
        return redirect("sessions:note_detail", note_id=note.pk)
    if request.method == "POST":
        form = NoteForm(request.POST, instance=note)
        if form.is_valid():
            try:
                _save_draft(request, note, form)
            except services.NoteConflict as conflict:
                form.add_error(None, str(conflict))
            except services.CautionsNotReviewed as held:
                _apply_errors(form, held)
                # The rest of the draft was saved: keep the form's version in step.
                form.data = form.data.copy()
                form.data["version"] = held.note.version
            except ValidationError as error:
                _apply_errors(form, error)
            else:
                messages.success(request, "Draft saved.")
                return redirect("sessions:note_edit", note_id=note.pk)
        elif "version" not in form.errors:
            _save_valid_part(request, note, form)
        # Re-render with what was typed, so nothing is lost.
        return _render_editor(request, note, form)
    form = NoteForm(instance=note, initial=_note_form_initial(note))
    return _render_editor(request, note, form)


def _save_valid_part(request, note, form):
    """One bad field must not hold back the rest: save every valid field, as
    autosave does, and say which field was left as it was."""
    fields, pain = form.savable_part()
    try:
        saved = services.note_save_draft(
            note=note,
            user=request.user,
            version=form.cleaned_data["version"],
            fields=fields,
            cautions_reviewed=form.cleaned_data.get("red_flags_reviewed", False),
            **pain,
        )
    except services.CautionsNotReviewed as held:
        saved = held.note
    except (services.NoteConflict, ValidationError) as problem:
        form.add_error(
            None, str(problem) if isinstance(problem, services.NoteConflict) else problem
        )
        return
    form.data = form.data.copy()
    form.data["version"] = saved.version
    left = ", ".join(str(form.fields[name].label) for name in form.errors if name in form.fields)
    messages.warning(request, f"Saved everything except {left}: correct the marked field.")


def _save_draft(request, note, form):
    return services.note_save_draft(
        note=note,
        user=request.user,
        version=form.cleaned_data["version"],
        fields=form.text_fields(),
        pain_before=form.cleaned_data["pain_before"],
        pain_after=form.cleaned_data["pain_after"],
        cautions_reviewed=form.cleaned_data["red_flags_reviewed"],
    )


@clinical_staff
@post_only(_own_note)
def note_autosave(request, note):
    """htmx: save the draft in the background; answers a status line and the new version.

    A field with an error (a pain score of 14) is left as stored and marked
    beside itself; every valid field is still saved.
    """
    form = NoteForm(request.POST, instance=note)
    form.is_valid()
    context = {"note": note, "form": form}
    if "version" in form.errors:
        context["error"] = "Not saved: the editor lost track of the note. Reload the page."
        return render(request, "sessions/_autosave_status.html", context)
    fields, pain = form.savable_part()
    try:
        note = services.note_save_draft(
            note=note,
            user=request.user,
            version=form.cleaned_data["version"],
            fields=fields,
            cautions_reviewed=form.cleaned_data.get("red_flags_reviewed", False),
            **pain,
        )
    except services.NoteConflict as conflict:
        context["conflict"] = str(conflict)
    except services.CautionsNotReviewed as held:
        # Everything but the pressure was saved.
        context.update(note=held.note, saved_at=timezone.localtime(), held=" ".join(held.messages))
    except ValidationError as error:
        context["error"] = "Not saved: " + _error_text(error)
    else:
        context.update(note=note, saved_at=timezone.localtime())
    context["invalid"] = [form.fields[name].label for name in form.errors if name in form.fields]
    return render(request, "sessions/_autosave_status.html", context)


def _technique_section(request, note, form=None):
    return render(
        request,
        "sessions/_techniques.html",
        {
            "note": note,
            "cautions": treatment_cautions(note.client),
            "technique_form": form or TechniqueApplicationForm(),
            "techniques": selectors.note_detail(note)["techniques"],
            "editable": True,
        },
    )


@clinical_staff
@post_only(_own_note)
def note_technique_add(request, note):
    form = TechniqueApplicationForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.technique_add(
                note=note,
                user=request.user,
                technique=data["technique"],
                body_regions=data["body_regions"],
                side=data["side"],
                minutes=data["minutes"],
                pressure=data["pressure"],
                notes=data["notes"],
                cautions_reviewed=data["red_flags_reviewed"],
            )
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            if request.htmx:
                return _technique_section(request, note)
            return redirect("sessions:note_edit", note_id=note.pk)
    if request.htmx:
        return _technique_section(request, note, form)
    messages.error(
        request,
        "The technique was not added: "
        + "; ".join(" ".join(errs) for errs in form.errors.values()),
    )
    return redirect("sessions:note_edit", note_id=note.pk)


def _own_application(request, note_id, application_id):
    note = _own_note(request, note_id)
    return get_object_or_404(
        TechniqueApplication.objects.select_related("note"), pk=application_id, note=note
    )


@clinical_staff
@post_only(_own_application)
def note_technique_remove(request, application):
    note = application.note
    try:
        services.technique_remove(application=application, user=request.user)
    except ValidationError as error:
        messages.error(request, _error_text(error))
        detail = reverse("sessions:note_detail", kwargs={"note_id": note.pk})
        return HttpResponseClientRedirect(detail) if request.htmx else redirect(detail)
    if request.htmx:
        return _technique_section(request, note)
    return redirect("sessions:note_edit", note_id=note.pk)


@clinical_staff
@post_only(_own_note)
def note_sign(request, note):
    """Sign in two steps: save what is on screen and show what will be locked, then
    sign on "Sign and lock". Any problem re-renders the editor with the text kept."""
    if note.is_signed:
        messages.error(request, "This note is already signed. Add an amendment to correct it.")
        return redirect("sessions:note_detail", note_id=note.pk)
    if request.POST.get("confirmed"):
        return _sign_confirmed(request, note)
    form = NoteForm(request.POST, instance=note)
    if form.is_valid():
        reviewed = form.cleaned_data["red_flags_reviewed"]
        try:
            note = _save_draft(request, note, form)
            services.note_check_signable(note=note, user=request.user, cautions_reviewed=reviewed)
        except services.NoteConflict as conflict:
            form.add_error(None, str(conflict))
        except ValidationError as error:
            _apply_errors(form, error)
            # The draft itself was saved: keep the form's version in step.
            form.data = form.data.copy()
            form.data["version"] = SessionNote.objects.get(pk=note.pk).version
        else:
            note = selectors.get_note_for_user(request.user, note.pk)
            confirm = SignConfirmForm(
                initial={"version": note.version, "red_flags_reviewed": reviewed}
            )
            return render(
                request,
                "sessions/note_sign_confirm.html",
                {"note": note, "confirm_form": confirm, **selectors.note_detail(note)},
            )
    return _render_editor(request, note, form)


def _sign_confirmed(request, note):
    form = SignConfirmForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Review the note again before signing.")
        return redirect("sessions:note_edit", note_id=note.pk)
    try:
        services.note_sign(
            note=note,
            user=request.user,
            cautions_reviewed=form.cleaned_data["red_flags_reviewed"],
            version=form.cleaned_data["version"],
        )
    except (services.NoteConflict, ValidationError) as problem:
        text = str(problem) if isinstance(problem, services.NoteConflict) else None
        messages.error(request, "Not signed. " + (text or _error_text(problem)))
        return redirect("sessions:note_edit", note_id=note.pk)
    messages.success(request, "Note signed and locked.")
    return redirect("sessions:note_detail", note_id=note.pk)


@clinical_staff
@require_GET
def note_detail(request, note_id):
    note = selectors.get_note_for_user(request.user, note_id)
    selectors.log_note_reads(notes=[note], user=request.user, remote_addr=_remote_addr(request))
    is_author = selectors.is_author(request.user, note)
    context = {
        "note": note,
        "is_author": is_author,
        "verified": selectors.note_verify(note) if note.is_signed else None,
        "amendment_form": AmendmentForm() if is_author and note.is_signed else None,
        "reassign_form": _reassign_form(request, note),
        **selectors.note_detail(note),
    }
    return render(request, "sessions/note_detail.html", context)


@clinical_staff
@post_only(_own_note)
def note_amend(request, note):
    form = AmendmentForm(request.POST)
    if form.is_valid():
        try:
            services.note_amend(note=note, user=request.user, text=form.cleaned_data["text"])
        except ValidationError as error:
            messages.error(request, _error_text(error))
        else:
            messages.success(request, "Amendment added.")
    else:
        messages.error(request, "Write the amendment text before adding it.")
    return redirect("sessions:note_detail", note_id=note.pk)


@clinical_staff
@require_http_methods(["GET", "POST"])
def note_correct(request, note_id):
    """An amendment that corrects pain scores or the technique table, beside the signed ones."""
    note = _own_note(request, note_id)
    if not note.is_signed:
        messages.info(request, "Drafts are edited directly.")
        return redirect("sessions:note_edit", note_id=note.pk)
    detail = selectors.note_detail(note)
    if request.method == "POST":
        form = CorrectionForm(request.POST)
        rows = AmendedTechniqueFormSet(request.POST, prefix="row")
        wants_rows = form.is_valid() and form.cleaned_data["correct_techniques"]
        if form.is_valid() and (not wants_rows or rows.is_valid()):
            data = form.cleaned_data
            try:
                services.note_amend(
                    note=note,
                    user=request.user,
                    text=data["text"],
                    pain_before=_corrected(data["pain_before"]),
                    pain_after=_corrected(data["pain_after"]),
                    techniques=[
                        row.row()
                        for row in rows
                        if row.has_changed() and row not in rows.deleted_forms
                    ]
                    if wants_rows
                    else None,
                )
            except ValidationError as error:
                _apply_errors(form, error)
            else:
                messages.success(request, "Correction added beside the signed note.")
                return redirect("sessions:note_detail", note_id=note.pk)
        status = 400
    else:
        form = CorrectionForm(initial=_pain_initial(note))
        rows = AmendedTechniqueFormSet(prefix="row", initial=_rows_initial(detail))
        status = 200
    return render(
        request,
        "sessions/note_correct.html",
        {"note": note, "form": form, "rows": rows, **detail},
        status=status,
    )


def _corrected(value):
    # An empty box leaves the score as it is; corrections need a value.
    return services.KEEP if value is None else value


def _pain_initial(note):
    pain = selectors.note_pain_in_effect(note)
    return {
        field: int(pain[context].value) if context in pain else None
        for field, context in (
            ("pain_before", Score.Context.PRE_SESSION),
            ("pain_after", Score.Context.POST_SESSION),
        )
    }


def _rows_initial(detail):
    corrected = detail["techniques_corrected_by"]
    rows = corrected.technique_rows if corrected else detail["techniques"]
    return [
        {
            "technique": row.technique_id,
            "body_regions": row.body_regions,
            "side": row.side,
            "minutes": row.minutes,
            "pressure": row.pressure,
            "notes": row.notes,
        }
        for row in rows
    ]


def _reassign_form(request, record):
    """The owner's "hand over to another therapist" form on a note or plan page."""
    if Role.OWNER not in roles_of(request.user):
        return None
    return ReassignForm(initial={"therapist": record.therapist_id})


def _reassign(request, record, reassign, noun):
    form = ReassignForm(request.POST)
    if form.is_valid():
        reassign(therapist=form.cleaned_data["therapist"], user=request.user)
        messages.success(request, f"{noun} reassigned to {record.therapist}.")
    else:
        messages.error(request, "Choose an active therapist.")


@owner_required
@post_only(_visible_note)
def note_reassign(request, note):
    _reassign(request, note, partial(services.note_reassign, note=note), "Note")
    return redirect("sessions:note_detail", note_id=note.pk)


# Client history ------------------------------------------------------------


@clinical_staff
@require_GET
def client_history(request, client_id):
    client = get_client_for_user(request.user, client_id)
    if selectors.therapist_of(request.user) is None and Role.OWNER not in roles_of(request.user):
        raise Http404
    history = selectors.client_history(client=client)
    selectors.log_note_reads(
        notes=history["notes"], user=request.user, remote_addr=_remote_addr(request)
    )
    therapist = selectors.therapist_of(request.user)
    return render(
        request,
        "sessions/client_history.html",
        {
            "client": client,
            "can_plan": therapist is not None or Role.OWNER in roles_of(request.user),
            **history,
        },
    )


# Treatment plans -----------------------------------------------------------


def _goal_data(formset):
    return [
        form.goal_data()
        for form in formset.forms
        if form.instance.pk or (form.has_changed() and not form.cleaned_data.get("DELETE"))
    ]


def _save_plan(request, form, formset, save):
    if form.is_valid() and formset.is_valid():
        try:
            return save(
                fields=form.plan_fields(),
                techniques=form.cleaned_data["planned_techniques"],
                goals=_goal_data(formset),
            )
        except ValidationError as error:
            _apply_errors(form, error)
    return None


def _with_another_goal(post):
    """The posted plan form with one more blank goal row (at most the formset's cap)."""
    data = post.copy()
    key = "goals-TOTAL_FORMS"
    try:
        total = int(data.get(key, 0))
    except (TypeError, ValueError):
        return data
    data[key] = str(min(max(total, 0) + 1, GoalFormSet.max_num))
    return data


def _hide_errors(form, formset):
    # "Add another goal" is not a submit: a half-filled form gets no errors yet.
    form.errors.clear()
    for goal_form in formset.forms:
        goal_form.errors.clear()
    formset.non_form_errors().clear()


def _plan_form_page(request, *, client, form, formset, plan, adding_goal=False):
    return render(
        request,
        "sessions/plan_form.html",
        {
            "client": client,
            "form": form,
            "formset": formset,
            "plan": plan,
            "adding_goal": adding_goal,
            "can_add_goal": formset.total_form_count() < GoalFormSet.max_num,
        },
    )


@clinical_staff
def plan_create(request, client_id):
    client = get_client_for_user(request.user, client_id)
    therapist = selectors.therapist_of(request.user)
    is_owner = Role.OWNER in roles_of(request.user)
    if therapist is None and not is_owner:
        raise Http404
    choose = therapist is None
    if request.method == "POST" and "add_goal" in request.POST:
        data = _with_another_goal(request.POST)
        form = PlanForm(data, choose_therapist=choose)
        formset = GoalFormSet(data, prefix="goals")
        _hide_errors(form, formset)
        return _plan_form_page(
            request, client=client, form=form, formset=formset, plan=None, adding_goal=True
        )
    if request.method == "POST":
        form = PlanForm(request.POST, choose_therapist=choose)
        formset = GoalFormSet(request.POST, prefix="goals")
        assignee = form.cleaned_data.get("therapist") if choose and form.is_valid() else therapist

        def save(**kwargs):
            return services.plan_create(
                client=client, therapist=assignee, user=request.user, **kwargs
            )

        plan = _save_plan(request, form, formset, save)
        if plan is not None:
            messages.success(request, "Treatment plan created.")
            return redirect("sessions:plan_detail", plan_id=plan.pk)
    else:
        form = PlanForm(
            choose_therapist=choose,
            initial={"start_date": timezone.localdate(), "frequency": "Weekly"},
        )
        formset = GoalFormSet(prefix="goals")
    return _plan_form_page(request, client=client, form=form, formset=formset, plan=None)


@clinical_staff
def plan_edit(request, plan_id):
    plan = selectors.get_plan_for_user(request.user, plan_id)
    if not selectors.is_author(request.user, plan) or not plan.is_active:
        return redirect("sessions:plan_detail", plan_id=plan.pk)
    if request.method == "POST" and "add_goal" in request.POST:
        data = _with_another_goal(request.POST)
        form = PlanForm(data, instance=plan)
        formset = GoalFormSet(data, instance=plan, prefix="goals")
        _hide_errors(form, formset)
        return _plan_form_page(
            request, client=plan.client, form=form, formset=formset, plan=plan, adding_goal=True
        )
    if request.method == "POST":
        form = PlanForm(request.POST, instance=plan)
        formset = GoalFormSet(request.POST, instance=plan, prefix="goals")

        def save(**kwargs):
            return services.plan_update(plan=plan, user=request.user, **kwargs)

        if _save_plan(request, form, formset, save) is not None:
            messages.success(request, "Treatment plan saved.")
            return redirect("sessions:plan_detail", plan_id=plan.pk)
    else:
        form = PlanForm(instance=plan)
        formset = GoalFormSet(instance=plan, prefix="goals")
    return _plan_form_page(request, client=plan.client, form=form, formset=formset, plan=plan)


@clinical_staff
@require_GET
def plan_detail(request, plan_id):
    plan = selectors.get_plan_for_user(request.user, plan_id)
    is_author = selectors.is_author(request.user, plan)
    return render(
        request,
        "sessions/plan_detail.html",
        {
            "plan": plan,
            "is_author": is_author,
            "close_form": PlanCloseForm() if is_author and plan.is_active else None,
            "reassign_form": _reassign_form(request, plan),
            **selectors.plan_progress(plan=plan),
        },
    )


@clinical_staff
@post_only(_own_plan)
def plan_close(request, plan):
    form = PlanCloseForm(request.POST)
    if form.is_valid():
        try:
            services.plan_close(
                plan=plan,
                user=request.user,
                status=form.cleaned_data["status"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            messages.error(request, _error_text(error))
        else:
            messages.success(request, f"Plan closed as {plan.get_status_display().lower()}.")
    else:
        messages.error(request, "Choose how the plan ends and give a reason.")
    return redirect("sessions:plan_detail", plan_id=plan.pk)


@owner_required
@post_only(_visible_plan)
def plan_reassign(request, plan):
    _reassign(request, plan, partial(services.plan_reassign, plan=plan), "Plan")
    return redirect("sessions:plan_detail", plan_id=plan.pk)


# Techniques (owner) ----------------------------------------------------------


@owner_required
def techniques(request):
    form = TechniqueForm(request.POST or None)
    if request.method == "POST":
        if "toggle" in request.POST:
            technique = get_object_or_404(Technique, pk=parse_id(request.POST.get("toggle")))
            services.technique_set_active(
                technique=technique, active=not technique.active, user=request.user
            )
            return redirect("sessions:techniques")
        if form.is_valid():
            try:
                technique = services.technique_create(user=request.user, **form.cleaned_data)
            except ValidationError as error:
                _apply_errors(form, error)
            else:
                messages.success(request, f"Added {technique.name}.")
                return redirect("sessions:techniques")
    return render(
        request,
        "sessions/techniques.html",
        {"form": form, "techniques": Technique.objects.all()},
    )
