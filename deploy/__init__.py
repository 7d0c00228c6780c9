"""The delivery pipeline's steps, one small command each (`python -m deploy.<step> --help`).

Each step is a set of keyword-only functions that take boto3 clients, so the tests drive them
against a local AWS emulator or botocore's Stubber, and a thin argparse `main()` that the Bamboo
plan (`bamboo-specs/bamboo.yml`) calls. No step imports Django: the deploy agent needs only boto3
(`deploy/requirements.txt`).
"""

# The steps the plan may call, in the order a release runs them.
STEPS = (
    "push_image",
    "pulumi_stack",
    "run_migrations",
    "roll_service",
    "publish_frontend",
    "smoke_test",
    "rollback",
)
