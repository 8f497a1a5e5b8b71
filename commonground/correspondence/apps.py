from django.apps import AppConfig


class CorrespondenceConfig(AppConfig):
    name = "commonground.correspondence"
    label = "correspondence"

    def ready(self):
        from commonground.complaints.signals import staff_contact_needed
        from commonground.correspondence.actions import open_contact_task

        def contact_task(sender, signal=None, **words):
            return open_contact_task(**words)

        # Strong reference: the receiver is a local function that would otherwise be collected.
        staff_contact_needed.connect(contact_task, weak=False, dispatch_uid="correspondence")
