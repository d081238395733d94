from __future__ import annotations

import re

from django import forms

from platforms.models import PlatformAccount

KIND_CHOICES = PlatformAccount.Kind.choices


class LabelField(forms.CharField):
    def __init__(self) -> None:
        super().__init__(
            max_length=100,
            help_text="A name for the account in the pool, e.g. tg-017.",
        )

    def clean(self, value: str) -> str:
        value = super().clean(value).strip()
        if PlatformAccount.objects.filter(label=value).exists():
            raise forms.ValidationError(f'An account labelled "{value}" exists already.')
        return value


class LoginStartForm(forms.Form):
    label = LabelField()
    phone = forms.CharField(max_length=32, help_text="International format, e.g. +79991234567.")
    kind = forms.ChoiceField(choices=KIND_CHOICES, initial=PlatformAccount.Kind.NETWORK)

    def clean_phone(self) -> str:
        phone = re.sub(r"[\s()-]", "", self.cleaned_data["phone"])
        if not re.fullmatch(r"\+?\d{7,15}", phone):
            raise forms.ValidationError("Enter the phone number with its country code.")
        return phone if phone.startswith("+") else f"+{phone}"


class LoginCodeForm(forms.Form):
    code = forms.CharField(max_length=10, help_text="The code Telegram sent to the account.")


class LoginPasswordForm(forms.Form):
    password = forms.CharField(
        widget=forms.PasswordInput, help_text="The account's two-step verification password."
    )


class ImportSessionForm(forms.Form):
    label = LabelField()
    kind = forms.ChoiceField(choices=KIND_CHOICES, initial=PlatformAccount.Kind.NETWORK)
    session = forms.CharField(
        widget=forms.PasswordInput(render_value=False),
        help_text="A Telethon StringSession. It is encrypted before it is stored.",
    )
