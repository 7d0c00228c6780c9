"""Which Django permissions each staff role holds. The single source for `bootstrap_roles`.

Catalog managers edit the catalog and see recommendation statistics; they never read the audit
trail. Auditors read (never change) everything that matters for an audit, including the trail.
"""

from accounts.models import Role

GROUP_NAMES: dict[str, str] = {
    Role.CATALOG_MANAGER: "Catalog managers",
    Role.AUDITOR: "Auditors",
}

# (app_label, codename) pairs per role.
ROLE_PERMISSIONS: dict[str, list[tuple[str, str]]] = {
    Role.CATALOG_MANAGER: [
        ("recommendations", "add_product"),
        ("recommendations", "change_product"),
        ("recommendations", "view_product"),
        ("recommendations", "view_questionnaire"),
        ("recommendations", "view_recommendation"),
        ("recommendations", "view_fitfeedback"),
    ],
    Role.AUDITOR: [
        ("recommendations", "view_product"),
        ("recommendations", "view_questionnaire"),
        ("recommendations", "view_recommendation"),
        ("recommendations", "view_fitfeedback"),
        ("accounts", "view_user"),
        ("accounts", "view_auditevent"),
    ],
}
