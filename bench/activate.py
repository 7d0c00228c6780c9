"""`python -m bench.activate VERSION`: activate a shipped model version the way the admin's action
does (`model_version_activate`: committed, audited, the shared cache entry forgotten), as the
system job `bench`. Run by the benchmark with the environment its earfit gunicorn has, so the
database and the cache are the ones the server's workers read."""

import sys

import django


def main() -> None:
    django.setup()
    from accounts.audit.services import AuditActor
    from recommendations.measuring.services import model_version_activate, model_versions_register_shipped

    version = next(v for v in model_versions_register_shipped() if v.version == sys.argv[1])
    model_version_activate(model_version=version, actor=AuditActor.system("bench"))


if __name__ == "__main__":
    main()
