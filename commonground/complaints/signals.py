"""What complaints announces to the apps above it, so that it never imports them."""

from django.dispatch import Signal

# A reporter who chose phone or post is to be told something: the words are ready (`subject`,
# `body_template` rendered with `context` in the reporter's language). Sent with `report`,
# `notice`, `milestone`, `subject`, `body_template` and `context`; a receiver that makes a call or
# a letter for staff returns it (correspondence does), others return None.
staff_contact_needed = Signal()
