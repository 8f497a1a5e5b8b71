#!/usr/bin/env python
import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "commonground.settings")
    from django.core.management import execute_from_command_line

    from commonground.audit.context import set_default_source

    # Audit events written outside a web request (commands, the task worker) say so.
    set_default_source("command")
    execute_from_command_line(sys.argv)
