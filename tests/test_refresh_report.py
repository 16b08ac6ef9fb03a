"""Issue 20, point 1: a refresh always ends with its check results, and its exit status and
the run's status (in the UI too) say whether anything failed."""

import shutil
from pathlib import Path

import dagster as dg
import pytest

from pipelines.refresh import CheckProblem, check_report, main
from pipelines.reports import charts
from pipelines.warehouse import swap
from pipelines.warehouse.resource import SwapRefusedError
from tests.conftest import RefreshedRun

pytestmark = pytest.mark.end_to_end


def test_a_refresh_with_failing_warn_checks_lists_each_and_exits_0(
    raw_copy: Path,
    warehouse_file: Path,
    refreshed_run: RefreshedRun,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys,
):
    """The fixture snapshot leaves two warn checks failing (12 contradicted broker claims; the
    cash-coverage chart has no data before the 2025 operating cash flows were sourced)."""
    # the charts of the same data, as the golden refresh drew them: reused, not redrawn
    shutil.copytree(refreshed_run.reports, tmp_path / "reports")
    monkeypatch.setenv(charts.REPORTS_DIR_ENV, str(tmp_path / "reports"))
    monkeypatch.setenv("SEC_REAL_DIR", str(tmp_path / "no-shared"))  # a clone without ../shared
    code = main(["--lock-timeout", "60"])
    out, err = capsys.readouterr()
    # issue 20, point 5: without ../shared, one short notice and no traceback
    notices = [line for line in (out + err).splitlines() if "no-shared" in line]
    assert len(notices) == 1 and len(notices[0]) < 200, notices
    assert "Traceback" not in err
    assert code == 0
    assert "refresh succeeded" in out
    report = out[out.index("\nchecks: ") :]
    assert "did not pass" in report
    line = next(x for x in report.splitlines() if "claim_checks_contradicted_claims" in x)
    assert line.split() == ["WARN", "marts/claim_checks", "::", "claim_checks_contradicted_claims"]
    assert "failing_rows: 12" in report  # the first line of its reason
    assert "claim_id=C010" in report  # then the first offending rows
    assert "reports/charts :: every_chart_has_data" in report
    assert "empty_charts: cash_coverage" in report


def _problem(severity: str, blocking: bool = False, lines: int = 1) -> CheckProblem:
    return CheckProblem(
        asset="marts/x",
        check=f"{severity}_check",
        severity=severity,
        blocking=blocking,
        reason=tuple(f"reason line {i}" for i in range(1, lines + 1)),
    )


def test_the_report_names_asset_severity_blocking_and_the_first_reason_lines():
    lines = check_report([_problem("error", blocking=True, lines=9), _problem("warn")], 40)
    assert lines[0] == "checks: 2 of 40 did not pass (1 error, 1 warn):"
    assert lines[1].split() == ["ERROR,", "blocking", "marts/x", "::", "error_check"]
    assert [x.strip() for x in lines[2:6]] == [f"reason line {i}" for i in (1, 2, 3, 4)]
    assert "5 more line(s)" in lines[6]
    assert lines[7].split() == ["WARN", "marts/x", "::", "warn_check"]
    assert check_report([], 40) == ["checks: all 40 passed"]


def test_a_refused_swap_is_a_failed_run(
    raw_copy: Path, warehouse_file: Path, monkeypatch: pytest.MonkeyPatch
):
    """Left from the last reliability round: a swap refused at the end of the run (here: the
    live file "changed" meanwhile) used to leave the run successful with an error event only.
    Now the run fails, so the UI shows it failed and ``make refresh`` exits 1."""
    real_swap_in = swap.swap_in
    calls = []

    def refuse_first(*args, **kwargs):
        calls.append(args)
        if len(calls) == 1:
            raise swap.WarehouseChangedError("the live warehouse was changed by another process")
        return real_swap_in(*args, **kwargs)  # the failure line is still recorded

    monkeypatch.setattr(swap, "swap_in", refuse_first)
    with dg.DagsterInstance.ephemeral() as instance:
        from pipelines.definitions import defs

        result = defs.resolve_job_def("refresh_warehouse").execute_in_process(
            instance=instance,
            raise_on_error=False,
            asset_selection=[dg.AssetKey(["raw", "companies"])],
        )
        status = instance.get_run_by_id(result.run_id).status
    assert not result.success
    assert status == dg.DagsterRunStatus.FAILURE
    errors = [e for e in result.all_events if e.event_type_value == "PIPELINE_FAILURE"]
    assert errors, "the run ends with a run failure event"
    assert issubclass(SwapRefusedError, dg.DagsterError)
