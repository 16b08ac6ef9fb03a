"""The definitions load directly and through workspace.yaml."""

import os
import subprocess
import sys

import dagster as dg

from pipelines import settings


def test_definitions_load_directly() -> None:
    from pipelines.definitions import defs

    keys = {k.to_user_string() for k in defs.resolve_all_asset_keys()}
    assert {"raw/companies", "raw/financials", "raw/capex_guidance", "raw/claims"} <= keys
    job = defs.resolve_job_def("refresh_warehouse")
    assert {"raw/companies", "raw/financials"} <= {
        k.to_user_string() for k in job.asset_layer.executable_asset_keys
    }
    assert isinstance(defs.resources["warehouse"], dg.ConfigurableResource)


def test_definitions_load_through_workspace_yaml(tmp_path) -> None:
    env = {**os.environ, "DAGSTER_HOME": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-m", "dagster", "definitions", "validate", "-w", "workspace.yaml"],
        cwd=settings.REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert "ai_compute_ledger" in output
    assert "Validation successful" in output or "successfully" in output.lower()
