from django.forms.renderers import TemplatesSetting


class FormRenderer(TemplatesSetting):
    """Django's own form rendering, with each field group wrapped for spacing and error styling."""

    field_template_name = "web/forms/field.html"
