#!/usr/bin/env python
"""Django's command-line utility for earfit."""

import sys


def main() -> None:
    from earfit.settings import settings_module_select

    settings_module_select()
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
