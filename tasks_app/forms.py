"""The forms of the browser pages.

They check what a person typed and put every message beside its field; the
rules themselves live in the services (tasks_app.options, the platform
adapters), so a form and the API can never disagree about what is valid.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings as django_settings
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError

from platforms.errors import PlatformError
from platforms.registry import get_available_adapter_class
from tasks_app.dashboard import MAX_LINKS_PER_FORM, platform_choices, split_lines
from tasks_app.models import ParseTask
from tasks_app.options import FILTER_FLAGS, MESSAGE_LIMIT_MAX, SOURCES, clean_settings


class LoginForm(AuthenticationForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class PlatformSelect(forms.Select):
    """A select whose unavailable platforms are shown, disabled, with the reason."""

    def __init__(self, *args: Any, unavailable: set[str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.unavailable = unavailable or set()

    def create_option(self, name: str, value: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        option = super().create_option(name, value, *args, **kwargs)
        if value in self.unavailable:
            option["attrs"]["disabled"] = True
        return option


def platform_field(capability: str, label: str = "Platform") -> forms.ChoiceField:
    choices = platform_choices(capability)
    labels = [
        (p["name"], p["title"] if p["available"] else f"{p['title']} ({p['reason']})")
        for p in choices
    ]
    first = next((p["name"] for p in choices if p["available"]), None)
    return forms.ChoiceField(
        label=label,
        choices=labels,
        initial=first,
        widget=PlatformSelect(unavailable={p["name"] for p in choices if not p["available"]}),
    )


class TaskForm(forms.Form):
    platform = forms.ChoiceField()  # replaced in __init__: the registry may change
    links = forms.CharField(
        label="Links",
        widget=forms.Textarea(attrs={"rows": 5, "spellcheck": "false"}),
        help_text=(
            "One group or channel per line, e.g. @name or https://t.me/name; each line becomes "
            "a task. For a search task, one search text per line."
        ),
        max_length=50_000,
        error_messages={"required": "Paste at least one link."},
    )
    task_type = forms.ChoiceField(
        label="Type",
        choices=[
            (ParseTask.TaskType.PARSE, "Collect people"),
            (ParseTask.TaskType.SEARCH, "Search communities"),
        ],
        initial=ParseTask.TaskType.PARSE,
    )
    priority = forms.ChoiceField(
        label="Priority", choices=ParseTask.Priority.choices, initial=ParseTask.Priority.NORMAL
    )
    user_limit = forms.IntegerField(
        label="User limit",
        min_value=1,
        max_value=django_settings.TASK_USER_LIMIT_MAX,
        initial=django_settings.TASK_USER_LIMIT_DEFAULT,
        help_text="The most people to collect per task.",
    )
    message_limit = forms.IntegerField(
        label="Message limit",
        min_value=1,
        max_value=MESSAGE_LIMIT_MAX,
        required=False,
        help_text="How many recent messages to read for authors and commenters (optional).",
    )
    sources = forms.MultipleChoiceField(
        label="Sources",
        choices=[(source, source.capitalize()) for source in SOURCES],
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="None ticked: what the community offers (a group's members, "
        "a channel's commenters).",
    )
    skip_bots = forms.BooleanField(label="Skip bots", required=False)
    skip_deleted = forms.BooleanField(label="Skip deleted accounts", required=False)
    only_with_username = forms.BooleanField(label="Only people with a username", required=False)
    only_with_phone = forms.BooleanField(label="Only people with a visible phone", required=False)
    last_seen_within_days = forms.IntegerField(
        label="Seen within (days)",
        min_value=1,
        max_value=3650,
        required=False,
        help_text="Only people seen online within this many days (optional).",
    )
    full_profile = forms.BooleanField(
        label="Full profiles (bio; slower)", required=False, initial=False
    )
    join = forms.BooleanField(label="Join the community if needed", required=False)

    # Keys of clean_settings' errors that have a field of their own here.
    SETTINGS_ERROR_FIELDS = {
        "user_limit",
        "message_limit",
        "sources",
        "last_seen_within_days",
        *FILTER_FLAGS,
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["platform"] = platform_field("parse")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        platform, task_type = data.get("platform"), data.get("task_type")
        if platform and task_type:
            try:
                get_available_adapter_class(platform, capability=task_type)
            except PlatformError as error:
                self.add_error("platform", str(error))
        if "links" in data:
            lines = split_lines(data["links"])
            if not lines:
                self.add_error("links", "Paste at least one link.")
            elif len(lines) > MAX_LINKS_PER_FORM:
                self.add_error(
                    "links",
                    f"At most {MAX_LINKS_PER_FORM} lines at once; this has {len(lines)}.",
                )
            data["lines"] = lines
        if not any(name in self.errors for name in self.SETTINGS_ERROR_FIELDS):
            try:
                data["settings"] = clean_settings(self.raw_settings(data))
            except ValidationError as error:
                for key, messages in error.message_dict.items():
                    target = key if key in self.SETTINGS_ERROR_FIELDS else None
                    for message in messages:
                        self.add_error(target, message)
        return data

    @staticmethod
    def raw_settings(data: dict[str, Any]) -> dict[str, Any]:
        raw: dict[str, Any] = {"user_limit": data.get("user_limit")}
        if data.get("message_limit"):
            raw["message_limit"] = data["message_limit"]
        if data.get("sources"):
            raw["sources"] = list(data["sources"])
        filters: dict[str, Any] = {flag: True for flag in FILTER_FLAGS if data.get(flag)}
        if data.get("last_seen_within_days"):
            filters["last_seen_within_days"] = data["last_seen_within_days"]
        if filters:
            raw["filters"] = filters
        for flag in ("full_profile", "join"):
            if data.get(flag):
                raw[flag] = True
        return raw


class SearchForm(forms.Form):
    q = forms.CharField(
        label="Keyword",
        max_length=100,
        error_messages={"required": "Type a word to look for."},
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    platform = forms.ChoiceField()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["platform"] = platform_field("search")

    def clean_q(self) -> str:
        return self.cleaned_data["q"].strip()

    def clean_platform(self) -> str:
        platform = self.cleaned_data["platform"]
        try:
            get_available_adapter_class(platform, capability="search")
        except PlatformError as error:
            raise ValidationError(str(error)) from None
        return platform


class CollectForm(forms.Form):
    """The hidden fields behind a search result's "Collect" button."""

    platform = forms.CharField(max_length=32)
    link = forms.CharField(max_length=500)
