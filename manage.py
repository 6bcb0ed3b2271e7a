#!/usr/bin/env python
import os
import sys

if __name__ == "__main__":
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "src"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shequn.settings")
    from django.core.management import execute_from_command_line

    from shequn.core.envconfig import ConfigurationRefused

    try:
        execute_from_command_line(sys.argv)
    except ConfigurationRefused as refused:
        sys.exit(f"{refused}")
