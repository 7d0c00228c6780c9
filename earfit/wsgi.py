"""WSGI entry point for gunicorn."""

from django.core.wsgi import get_wsgi_application

from earfit.settings import settings_module_select

settings_module_select()
application = get_wsgi_application()
