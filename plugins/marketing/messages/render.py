"""Personalised messages from Jinja2 templates: the context, the template set, the result.

Templates live under ``marketing/`` in the template folders (an edition's folder comes
first, so an edition overrides a plugin's layout by giving the same path):

* email: ``marketing/email/<name>.html`` and ``marketing/email/<name>.txt`` (the text
  part); the subject is the campaign's ``subject`` (a template string) or
  ``marketing/email/<name>.subject.txt``;
* SMS: ``marketing/sms/<name>.txt``;
* letter: ``marketing/letter/<name>.html``.

A campaign may instead name one template file by its path (``marketing/triggers/
birthday.txt``): that file is the message (for email: its text part if ``.txt``, its
HTML part if ``.html``), and an email's subject file is ``<path without suffix>.subject.txt``.

Undefined names fail (the environment is strict), so a typo in a template stops the
whole campaign before anything is sent instead of mailing "Dear ," to everyone.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import jinja2
from jinja2.runtime import new_context

from guanxi.app import App
from guanxi.errors import ValidationError
from guanxi.records import CustomerRecord

SUBJECT_MAX = 500  # the interaction log's subject column


@dataclass(slots=True)
class RenderedMessage:
    """One personalised message, ready for a sender."""

    channel: str
    template: str
    customer_id: int
    address: str | None
    display_name: str
    subject: str | None
    text: str
    html: str | None = None
    unsubscribe_url: str | None = None
    campaign_id: int | None = None
    member_id: int | None = None
    message_id: str | None = None  # the Message-ID header (set before sending)

    @property
    def body_sha256(self) -> str:
        """A fingerprint of the bodies (stored instead of the text itself)."""
        digest = hashlib.sha256(self.text.encode())
        if self.html is not None:
            digest.update(b"\0" + self.html.encode())
        return digest.hexdigest()


def template_paths(channel: str, name: str) -> dict[str, str]:
    """The template files a message of ``channel`` named ``name`` is made of."""
    if channel not in ("email", "sms", "letter"):
        raise ValidationError("channel", f"no messages on channel {channel!r} (email, sms, letter)")
    stem, dot, suffix = name.rpartition(".")
    if "/" in name or (dot and suffix in ("txt", "html")):
        part = "html" if suffix == "html" and channel != "sms" else "text"
        if channel != "email":
            return {part: name}
        return {part: name, "subject": f"{stem if dot else name}.subject.txt"}
    if channel == "email":
        return {
            "html": f"marketing/email/{name}.html",
            "text": f"marketing/email/{name}.txt",
            "subject": f"marketing/email/{name}.subject.txt",
        }
    if channel == "sms":
        return {"text": f"marketing/sms/{name}.txt"}
    return {"html": f"marketing/letter/{name}.html"}


class TemplateSet:
    """The compiled templates of one message kind, loaded once and rendered many times."""

    def __init__(self, app: App, channel: str, name: str, *, subject: str | None = None):
        self.channel, self.name = channel, name
        env = app.templates
        # The environment's globals (range, dict, …) and ours, merged once: parts are
        # rendered with shared contexts, which do not add the globals themselves.
        self.globals = {**env.globals, "edition": app.edition, "term": app.edition.term}
        self.parts: dict[str, jinja2.Template] = {}
        paths = template_paths(channel, name)
        for part, path in paths.items():
            if part == "subject" and subject:
                # A subject is plain text: no HTML escaping of "A & B".
                source = "{% autoescape false %}" + subject + "{% endautoescape %}"
                self.parts[part] = self._compile(lambda s=source: env.from_string(s), "subject")
                continue
            try:
                self.parts[part] = self._compile(lambda p=path: env.get_template(p), path)
            except ValidationError:
                if part == "subject" and channel == "email":
                    raise ValidationError(
                        "subject", f"give the campaign a subject or write {path}"
                    ) from None
                raise
        self.labels = {part: paths[part] for part in self.parts}
        if subject:
            self.labels["subject"] = "the campaign's subject"

    @staticmethod
    def _compile(load: Any, label: str) -> jinja2.Template:
        try:
            return load()
        except jinja2.TemplateNotFound:
            raise ValidationError("template", f"no template {label}") from None
        except jinja2.TemplateSyntaxError as exc:
            raise ValidationError(
                "template", f"{label} line {exc.lineno}: {exc.message}"
            ) from None

    def render(self, context: Mapping[str, Any], *, who: str) -> dict[str, str]:
        """Each part rendered with ``context``; an error names the template and ``who``.

        The parts share one variables dict (the globals merged in once per message) and
        get a context that does not copy it (``shared=True``) nor list the globals (Jinja
        uses that list only to hand extra globals to imported templates; there are none
        here): the same output as ``Template.render``, without copying the globals per part.
        """
        values = {**self.globals, **context}
        rendered: dict[str, str] = {}
        for part, template in self.parts.items():
            try:
                context_of_part = new_context(
                    template.environment, template.name, template.blocks, values, shared=True
                )
                rendered[part] = template.environment.concat(  # type: ignore[attr-defined]
                    template.root_render_func(context_of_part)
                )
            except Exception as exc:
                raise ValidationError(
                    "template", f"{self.labels[part]} failed for {who}: {exc}"
                ) from None
        if "subject" in rendered:
            rendered["subject"] = " ".join(rendered["subject"].split())[:SUBJECT_MAX]
        return rendered


def address_of(customer: CustomerRecord, channel: str) -> str | None:
    """Where a message of ``channel`` goes: primary email, phone or postal address."""
    if channel == "email":
        return customer.primary_email
    if channel == "sms":
        return customer.primary_phone
    points = [p for p in customer.contact_points if p.kind == "address"]
    primary = [p for p in points if p.is_primary] or points
    return primary[0].value if primary else None


def preferred_name(customer: CustomerRecord) -> str:
    """How to address the customer: custom ``preferred_name``, else given name, else name."""
    return str(customer.custom.get("preferred_name") or customer.given_name or customer.name)


def customer_context(customer: CustomerRecord) -> dict[str, Any]:
    """The ``customer`` variable of a template."""
    return {
        "id": customer.id,
        "name": customer.name,
        "preferred_name": preferred_name(customer),
        "family_name": customer.family_name,
        "given_name": customer.given_name,
        "gender": customer.gender,
        "kind": customer.kind,
        "language": customer.language,
        "email": customer.primary_email,
        "phone": customer.primary_phone,
        "tags": list(customer.tags),
        "interests": list(customer.interests),
        "custom": dict(customer.custom),
        "special_dates": {day.label: day.date for day in customer.special_dates},
    }


def assemble(
    templates: TemplateSet, customer: CustomerRecord, context: Mapping[str, Any]
) -> RenderedMessage:
    """Render ``templates`` for ``customer`` into a :class:`RenderedMessage`."""
    assert customer.id is not None
    full = {"customer": customer_context(customer), **context}
    parts = templates.render(full, who=f"customer {customer.id}")
    campaign = context.get("campaign") or {}
    return RenderedMessage(
        channel=templates.channel,
        template=templates.name,
        customer_id=customer.id,
        address=address_of(customer, templates.channel),
        display_name=customer.name,
        subject=parts.get("subject"),
        # A letter is its HTML; an HTML-only email has an empty text part.
        text=parts.get("text") or ("" if templates.channel == "email" else parts["html"]),
        html=parts.get("html") if templates.channel == "email" else None,
        unsubscribe_url=context.get("unsubscribe_url"),
        campaign_id=campaign.get("id") if isinstance(campaign, Mapping) else None,
    )
